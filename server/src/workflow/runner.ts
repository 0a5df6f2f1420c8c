import { spawn } from 'node:child_process';
import { killGroup, trackChild } from '../util/children';

/** A command line that cannot run without a shell, said in one sentence. */
export class CommandLineProblem extends Error {}

/**
 * Splits a command line into arguments the way a shell would for simple commands (quotes and
 * backslashes), without running a shell: no pipes, redirections or substitutions. `{name}`
 * placeholders are replaced by values after splitting, so a path with spaces stays one argument.
 */
export function parseCommandLine(command: string, values: Record<string, string> = {}): string[] {
  const needsShell = (): CommandLineProblem =>
    new CommandLineProblem(
      `"${command}" needs a shell (pipes, redirections, && or ;), and Stepwise runs commands without one; put it in a package.json script and run that.`,
    );
  // Operators count only outside quotes (and substitutions inside double quotes too), as in a
  // shell: `mocha --grep "get|set"` needs none.
  const substitution = (i: number): boolean => command[i] === '`' || command.startsWith('$(', i);
  const args: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  let started = false;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < command.length) current += command[++i];
      else if (quote === '"' && substitution(i)) throw needsShell();
      else current += ch;
    } else if (/[|;<>]/.test(ch) || command.startsWith('&&', i) || substitution(i)) {
      throw needsShell();
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (ch === '\\' && i + 1 < command.length) {
      current += command[++i];
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (quote) throw new CommandLineProblem(`"${command}" has an unclosed ${quote} quote.`);
  if (started) args.push(current);
  if (args.length === 0) throw new CommandLineProblem('The command is empty.');
  return args.map((arg) =>
    arg.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) => {
      if (!(name in values))
        throw new CommandLineProblem(
          `"${command}" uses {${name}}, which is not a known placeholder (${
            Object.keys(values)
              .map((k) => `{${k}}`)
              .join(', ') || 'none'
          }).`,
        );
      return values[name];
    }),
  );
}

export interface RunOptions {
  cwd: string;
  timeoutMs: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Receives output as it arrives (to stream it to a log). */
  onOutput?: (chunk: string) => void;
}

export interface RunResult {
  argv: string[];
  exitCode: number | null;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  /** Standard output (the last 1 MB). */
  stdout: string;
  /** Standard output and error interleaved (the last 1 MB). */
  output: string;
  /** Set when the program could not be started at all. */
  startError?: string;
}

const maxKept = 1024 * 1024;

/** The longest delay a Node timer takes. */
export const maxTimerMs = 2 ** 31 - 1;

const keepTail = (text: string): string => (text.length > maxKept ? text.slice(text.length - maxKept) : text);

/**
 * The supervisor (run with `node -e`, the program's argv after it): starts the program in its own
 * process group, passes its exit on, and kills the group when the channel to Stepwise closes.
 */
const supervisorSource = `
const { spawn } = require('node:child_process');
const [command, ...args] = process.argv.slice(1);
let exiting = false;
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
child.on('error', (error) => {
  exiting = true;
  if (process.send) process.send({ startError: error.message }, () => process.exit(127));
  else process.exit(127);
});
child.on('exit', (code, signal) => {
  exiting = true;
  if (process.connected) process.disconnect();
  if (signal) process.kill(process.pid, signal);
  process.exit(code ?? 1);
});
process.on('disconnect', () => {
  if (exiting) return;
  try { process.kill(-process.pid, 'SIGKILL'); } catch { process.exit(1); }
});
`;

/**
 * Runs a program without a shell, with a timeout and cancellation. The program gets its own
 * process group, so a timeout or a cancel stops everything it started.
 */
export function runCommand(argv: string[], options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let stdout = '';
    let output = '';
    let timedOut = false;
    let cancelled = false;
    let settled = false;
    const posix = process.platform !== 'win32';
    // On POSIX the program runs under a small supervisor that leads its process group and ends
    // the whole group when Stepwise's side of their channel closes — also when Stepwise itself
    // is killed outright (SIGKILL, an OOM kill), which no handler of ours would see.
    const child = posix
      ? spawn(process.execPath, ['-e', supervisorSource, '--', ...argv], {
          cwd: options.cwd,
          env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
          detached: true,
        })
      : spawn(argv[0], argv.slice(1), {
          cwd: options.cwd,
          env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
    let startError: string | undefined;
    child.on('message', (message: { startError?: string }) => {
      if (typeof message?.startError === 'string') startError = message.startError;
    });
    // Stopped with Stepwise too (an exit, or a signal such as a closed terminal's).
    const tracked = trackChild(child);
    const kill = (): void => killGroup(child);
    // setTimeout takes at most 2^31 − 1 ms (about 24.8 days); beyond that it would fire at once.
    const timer = setTimeout(
      () => {
        timedOut = true;
        kill();
      },
      Math.min(Math.max(options.timeoutMs, 0), maxTimerMs),
    );
    const onAbort = (): void => {
      cancelled = true;
      kill();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    const take = (chunk: Buffer, isStdout: boolean): void => {
      const text = chunk.toString();
      if (isStdout) stdout = keepTail(stdout + text);
      output = keepTail(output + text);
      options.onOutput?.(text);
    };
    child.stdout?.on('data', (chunk: Buffer) => take(chunk, true));
    child.stderr?.on('data', (chunk: Buffer) => take(chunk, false));
    const finish = (exitCode: number | null, startError?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      tracked.dispose();
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ argv, exitCode, timedOut, cancelled, durationMs: Date.now() - started, stdout, output, startError });
    };
    child.on('error', (error) => finish(null, `could not start ${argv[0]}: ${error.message}`));
    child.on('close', (code) => finish(startError ? null : code, startError && `could not start ${argv[0]}: ${startError}`));
  });
}
