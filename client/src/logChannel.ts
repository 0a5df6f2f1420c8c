import type * as vscode from 'vscode';

/**
 * The language client writes its lines as `[Info  - 10:59:31 AM] message` into whatever channel
 * it is given; a log channel then stamps them again (`[info] [Info - 10:59:31 AM] …`). This
 * adapter hands the client a plain output channel that strips the client's stamp and logs the
 * message once, at its own level.
 */
export function languageClientChannel(log: vscode.LogOutputChannel): vscode.OutputChannel {
  const stamp = /^\[(Error|Warn|Info|Debug|Trace|LSP)\s*- [^\]]*\]\s?/;
  const write = (line: string): void => {
    const match = stamp.exec(line);
    const message = match ? line.slice(match[0].length) : line;
    switch (match?.[1]) {
      case 'Error':
        log.error(message);
        break;
      case 'Warn':
        log.warn(message);
        break;
      case 'Debug':
        log.debug(message);
        break;
      case 'Trace':
      case 'LSP':
        log.trace(message);
        break;
      default:
        log.info(message);
    }
  };
  return {
    name: log.name,
    append: (value) => log.append(value),
    appendLine: write,
    replace: (value) => log.replace(value),
    clear: () => log.clear(),
    show: (...args: unknown[]) => log.show(typeof args[0] === 'boolean' ? args[0] : typeof args[1] === 'boolean' ? args[1] : undefined),
    hide: () => log.hide(),
    // The log channel belongs to the extension, not to one language client (restarts reuse it).
    dispose: () => undefined,
  };
}
