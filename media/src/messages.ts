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
  | { type: 'command'; command: 'refresh' | 'exportReport' | 'showLog' }
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
