import * as vscode from 'vscode';
import type { FileStatus, WorkflowSnapshot } from '../../server/src/protocol';
import { nextStepSentence, stateWords } from '../../server/src/protocol';
import type { StatusStore } from './store';

/** A state's badge (at most two characters) and theme colour in the Explorer and in editor tabs. */
const looks: Record<FileStatus['state'], { badge: string; colour: string }> = {
  pending: { badge: 'L', colour: 'stepwise.legacyForeground' },
  analyzed: { badge: 'L', colour: 'stepwise.legacyForeground' },
  migrated: { badge: 'F', colour: 'stepwise.inFlightForeground' },
  verified: { badge: 'F', colour: 'stepwise.inFlightForeground' },
  failed: { badge: 'F!', colour: 'stepwise.failedForeground' },
  observing: { badge: 'O', colour: 'stepwise.observingForeground' },
  'awaiting-approval': { badge: 'A', colour: 'stepwise.awaitingForeground' },
  approved: { badge: '✓', colour: 'stepwise.approvedForeground' },
  reverted: { badge: 'R', colour: 'stepwise.revertedForeground' },
};

/** What a file of the plan (or the adapter) shows, from a folder's status. */
export function decorationsOf(status: WorkflowSnapshot): Map<string, vscode.FileDecoration> {
  const result = new Map<string, vscode.FileDecoration>();
  const uriOf = (rel: string): string => vscode.Uri.joinPath(vscode.Uri.file(status.root), ...rel.split('/')).toString();
  for (const file of status.files) {
    const look = looks[file.state];
    const decoration = new vscode.FileDecoration(
      look.badge,
      `Stepwise: ${stateWords[file.state]}. ${nextStepSentence(file)}`,
      new vscode.ThemeColor(look.colour),
    );
    result.set(uriOf(file.path), decoration);
  }
  if (status.adapterModule)
    result.set(
      uriOf(status.adapterModule),
      new vscode.FileDecoration(
        'AD',
        'Stepwise: the generated adapter. Migrated files import it; it routes each call by the rollout mode.',
        new vscode.ThemeColor('stepwise.adapterForeground'),
      ),
    );
  return result;
}

/**
 * Badges and colours on every file of the plan, in the Explorer and in editor tabs, read from the
 * store the checklist and the status bar read (no request of its own). Only what changed is
 * announced again.
 */
export class MigrationDecorations implements vscode.FileDecorationProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri[]>();
  readonly onDidChangeFileDecorations = this.changed.event;
  private readonly byRoot = new Map<string, Map<string, vscode.FileDecoration>>();
  private readonly listeners: vscode.Disposable[];

  constructor(store: StatusStore) {
    this.listeners = [store.onDidChangeWorkflow((status) => this.update(status))];
    for (const root of store.roots()) {
      const status = store.workflow(root);
      if (status) this.update(status);
    }
  }

  private update(status: WorkflowSnapshot): void {
    const before = this.byRoot.get(status.root) ?? new Map<string, vscode.FileDecoration>();
    const after = decorationsOf(status);
    this.byRoot.set(status.root, after);
    const same = (a: vscode.FileDecoration | undefined, b: vscode.FileDecoration | undefined): boolean =>
      a?.badge === b?.badge &&
      a?.tooltip === b?.tooltip &&
      (a?.color as { id?: string } | undefined)?.id === (b?.color as { id?: string } | undefined)?.id;
    const touched = [...new Set([...before.keys(), ...after.keys()])].filter((uri) => !same(before.get(uri), after.get(uri)));
    if (touched.length > 0) this.changed.fire(touched.map((uri) => vscode.Uri.parse(uri)));
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    const key = uri.toString();
    for (const decorations of this.byRoot.values()) {
      const found = decorations.get(key);
      if (found) return found;
    }
    return undefined;
  }

  dispose(): void {
    for (const l of this.listeners) l.dispose();
    this.changed.dispose();
  }
}
