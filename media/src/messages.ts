/**
 * The typed messages between the checklist webview and its host (the extension). Three kinds, as
 * in GitLens: commands (webview → host, no reply), requests with a reply, and notifications
 * (host → webview). The webview sends `ready` first; the host sends nothing before it.
 */
import type { Dossier, WorkflowAction, WorkflowSnapshot } from '../../server/src/protocol';

export type ChecklistStatus = WorkflowSnapshot;

/** Webview → host: do something; the result shows up as a new `state`. */
export type ChecklistCommand =
  | { type: 'command'; command: WorkflowAction; path: string }
  | { type: 'command'; command: 'openFile' | 'showDossier'; path: string }
  | { type: 'command'; command: 'openDiff'; path: string; commit: string }
  | { type: 'command'; command: 'refresh' | 'exportReport' | 'showLog' | 'removeAdapter' }
  | { type: 'command'; command: 'selectFolder'; root: string }
  | { type: 'command'; command: 'rollout'; action: 'next' | 'rollback' | 'drill' };

/** Webview → host: a question with an answer. */
export type ChecklistRequest = { type: 'request'; id: number; method: 'dossier'; path: string };

export type WebviewMessage = { type: 'ready' } | ChecklistCommand | ChecklistRequest;

/** Host → webview. */
export type HostMessage =
  | { type: 'state'; status: ChecklistStatus | null; error?: string; folders?: { root: string; name: string }[] }
  | { type: 'busy'; action: string | null }
  | { type: 'response'; id: number; dossier?: Dossier; error?: string };

/** What the webview keeps across reloads: UI state only (never data; it asks the host again). */
export interface ChecklistUiState {
  open: string[];
  scrollY: number;
}

const workflowActions = ['analyze', 'migrate', 'verify', 'approve', 'revert'] as const;
const plainCommands = ['refresh', 'exportReport', 'showLog', 'removeAdapter'] as const;
const rolloutActions = ['next', 'rollback', 'drill'] as const;

/** What the host knows when it judges a message: the plan's files, the folders it may show. */
export interface MessageContext {
  /** Workspace-relative paths of the files in the plan shown (actions and diffs name only these). */
  planFiles: ReadonlySet<string>;
  /** The workspace folders' roots. */
  roots: readonly string[];
}

/** A workspace-relative path: text, not empty, no `..` segment, not absolute, no NUL. */
function isRelativePath(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= 4096 &&
    !value.includes('\0') &&
    !value.startsWith('/') &&
    !value.includes('\\') &&
    !/^[a-zA-Z]:/.test(value) &&
    !value.split('/').includes('..')
  );
}

/**
 * Checks a message from the webview at run time against its type: the webview's page is not
 * trusted to send only what its types say. Returns the message, or why it is ignored (the host
 * logs that and does nothing else).
 */
export function parseWebviewMessage(raw: unknown, context: MessageContext): { message: WebviewMessage } | { ignored: string } {
  const ignore = (why: string): { ignored: string } => ({ ignored: `Ignored a checklist message: ${why}.` });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return ignore('it is not an object');
  const m = raw as Record<string, unknown>;
  const shown = (value: unknown): string => JSON.stringify(value)?.slice(0, 120) ?? String(value);
  if (m.type === 'ready') return { message: { type: 'ready' } };
  if (m.type === 'request') {
    if (typeof m.id !== 'number' || !Number.isSafeInteger(m.id)) return ignore(`a request without a numeric id (${shown(m.id)})`);
    if (m.method !== 'dossier') return ignore(`an unknown request ${shown(m.method)}`);
    if (!isRelativePath(m.path)) return ignore(`a dossier request for ${shown(m.path)}, which is not a workspace path`);
    return { message: { type: 'request', id: m.id, method: 'dossier', path: m.path } };
  }
  if (m.type !== 'command') return ignore(`an unknown message type ${shown(m.type)}`);
  const command = m.command;
  if (typeof command !== 'string') return ignore(`a command that is not text (${shown(command)})`);
  if ((workflowActions as readonly string[]).includes(command)) {
    if (!isRelativePath(m.path) || !context.planFiles.has(m.path))
      return ignore(`${command} of ${shown(m.path)}, which is not a file of the plan`);
    return { message: { type: 'command', command: command as WorkflowAction, path: m.path } };
  }
  if ((plainCommands as readonly string[]).includes(command))
    return { message: { type: 'command', command: command as (typeof plainCommands)[number] } };
  switch (command) {
    case 'openFile':
    case 'showDossier':
      if (!isRelativePath(m.path)) return ignore(`${command} of ${shown(m.path)}, which is not a workspace path`);
      return { message: { type: 'command', command, path: m.path } };
    case 'openDiff':
      if (!isRelativePath(m.path) || !context.planFiles.has(m.path))
        return ignore(`openDiff of ${shown(m.path)}, which is not a file of the plan`);
      if (typeof m.commit !== 'string' || !/^[0-9a-f]{4,64}$/i.test(m.commit))
        return ignore(`openDiff at ${shown(m.commit)}, which is not a commit id`);
      return { message: { type: 'command', command, path: m.path, commit: m.commit } };
    case 'selectFolder':
      if (typeof m.root !== 'string' || !context.roots.includes(m.root))
        return ignore(`selectFolder of ${shown(m.root)}, which is not a workspace folder`);
      return { message: { type: 'command', command, root: m.root } };
    case 'rollout':
      if (!(rolloutActions as readonly unknown[]).includes(m.action)) return ignore(`an unknown rollout action ${shown(m.action)}`);
      return { message: { type: 'command', command, action: m.action as (typeof rolloutActions)[number] } };
    default:
      return ignore(`an unknown command ${shown(command)}`);
  }
}
