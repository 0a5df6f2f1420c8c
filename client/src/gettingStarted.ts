import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { InitSpecRequest, LegacyCandidatesRequest } from '../../server/src/protocol';
import type { StatusStore } from './store';

/**
 * "Create a migration spec": the modules that look like the legacy cache, best first (what
 * `stepwise init` offers), one picked, the starter spec written and opened.
 */
export async function createSpec(client: LanguageClient | undefined, root: string | undefined): Promise<void> {
  if (!root) {
    void vscode.window.showInformationMessage('Open a folder first: a migration spec belongs to a workspace folder.');
    return;
  }
  if (!client) {
    void vscode.window.showErrorMessage('The Stepwise language server is not running; see the Stepwise log.');
    return;
  }
  const specUri = vscode.Uri.joinPath(vscode.Uri.file(root), '.stepwise', 'migration.json');
  const found = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Stepwise: looking for the legacy cache' },
    () => client.sendRequest(LegacyCandidatesRequest.type, { uri: vscode.Uri.file(root).toString() }),
  );
  if (!found) return;
  let force = false;
  if (found.specExists) {
    const choice = await vscode.window.showWarningMessage(
      'This folder has a migration spec already.',
      { modal: true, detail: 'Open it to edit it, or replace it with a new starter spec (what it says now is lost).' },
      'Open the Spec',
      'Replace It',
    );
    if (choice === 'Open the Spec') await vscode.window.showTextDocument(specUri);
    if (choice !== 'Replace It') return;
    force = true;
  }
  if (found.candidates.length === 0) {
    void vscode.window.showWarningMessage(
      'Stepwise found no module that looks like a legacy cache (one that defines or constructs a cache and that two or more files import, or a known cache package). Run "npx stepwise init --legacy MODULE" to name it.',
    );
    return;
  }
  const picked = await vscode.window.showQuickPick(
    found.candidates.map((c) => ({
      label: c.module,
      description: [c.preset ? `preset ${c.preset}` : undefined, c.exports.join(', ') || undefined].filter(Boolean).join(' · '),
      detail: c.reasons.join('; '),
      candidate: c,
    })),
    {
      title: 'Stepwise: which module is being replaced?',
      placeHolder: 'Modules that look like the legacy cache, best first',
      matchOnDetail: true,
    },
  );
  if (!picked) return;
  const result = await client.sendRequest(InitSpecRequest.type, {
    uri: vscode.Uri.file(root).toString(),
    legacyModule: picked.candidate.module,
    exports: picked.candidate.exports,
    preset: picked.candidate.preset,
    force,
  });
  if (!result.ok) {
    void vscode.window.showErrorMessage(result.error);
    return;
  }
  await vscode.window.showTextDocument(specUri);
  void vscode.window.showInformationMessage(
    `Wrote ${result.written} for ${picked.candidate.module}. Check its target and verify commands; Stepwise indexes the workspace with it now.`,
  );
}

/** Opens the plan's next file (the first pending one, lowest risk first), where its lenses and quick fix are. */
export async function openNextFile(store: StatusStore, root: string | undefined): Promise<void> {
  const status =
    store.workflow(root) ??
    store
      .roots()
      .map((r) => store.workflow(r))
      .find((s) => s !== undefined);
  const next = status?.files
    .filter((f) => f.state === 'pending' || f.state === 'analyzed')
    .sort((a, b) => (a.planPosition ?? Infinity) - (b.planPosition ?? Infinity))[0];
  if (!status || !next) {
    void vscode.window.showInformationMessage(
      status ? 'No file of the plan is waiting to be migrated.' : 'Stepwise has no plan yet: create the migration spec first.',
    );
    return;
  }
  await vscode.window.showTextDocument(vscode.Uri.joinPath(vscode.Uri.file(status.root), ...next.path.split('/')));
}

/**
 * Context keys the welcome view and the walkthrough read, kept from the store: a spec exists, the
 * index is ready, a file was migrated, verified, is observed, was reverted.
 */
export function trackContextKeys(store: StatusStore): vscode.Disposable {
  const last = new Map<string, boolean>();
  const set = (key: string, value: boolean): void => {
    if (last.get(key) === value) return;
    last.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  };
  const update = (): void => {
    const roots = store.roots();
    const summaries = roots.map((r) => store.index(r)).filter((s) => s !== undefined);
    const statuses = roots.map((r) => store.workflow(r)).filter((s) => s !== undefined);
    const files = statuses.flatMap((s) => s.files);
    const reached = (...states: string[]): boolean => files.some((f) => states.includes(f.state));
    set(
      'stepwise.hasSpec',
      summaries.some((s) => s.status.state !== 'no-spec'),
    );
    set('stepwise.noSpec', summaries.length > 0 && summaries.every((s) => s.status.state === 'no-spec'));
    set(
      'stepwise.indexed',
      summaries.some((s) => s.status.state === 'ready'),
    );
    set('stepwise.migratedOne', reached('migrated', 'verified', 'failed', 'observing', 'awaiting-approval', 'approved', 'reverted'));
    set('stepwise.verifiedOne', reached('observing', 'awaiting-approval', 'approved'));
    set('stepwise.observedOrReverted', reached('awaiting-approval', 'approved', 'reverted'));
  };
  update();
  return vscode.Disposable.from(store.onDidChangeIndex(update), store.onDidChangeWorkflow(update));
}
