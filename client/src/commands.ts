import * as vscode from 'vscode';
import { Commands, DossierRequest, PlanRequest } from '../../server/src/protocol';
import type { WorkflowAction } from '../../server/src/protocol';
import { ChecklistPanel } from './checklistPanel';
import { createSpec, openNextFile } from './gettingStarted';
import type { MigrationNode } from './migrationView';
import type { DossierDocuments } from './dossierView';
import { folderRootOf } from './store';
import type { StatusStore } from './store';
import { removeAdapter, runRollout, setRedisPassword } from './rolloutCommands';
import { exportReport, openMigrationDiff, runWorkflowAction, targetUri } from './workflowCommands';
import type { ActionOptions, WorkflowContext } from './workflowCommands';

export interface CommandContext extends WorkflowContext {
  extension: vscode.ExtensionContext;
  restart(): Promise<void>;
  dossiers: DossierDocuments;
  store: StatusStore;
}

/** A command that runs one workflow action on a file (its argument, or the active editor's). */
function workflowCommand(action: WorkflowAction): Handler {
  return async (ctx, uriArg, second) => {
    const uri = targetUri(uriArg);
    if (!uri) {
      void vscode.window.showInformationMessage(`Open the file to ${action} first, or use the Migration Checklist.`);
      return undefined;
    }
    // The quick fix passes the document version; automation may pass options instead.
    const options: ActionOptions = typeof second === 'number' || second === null ? { version: second } : (second ?? {});
    return runWorkflowAction(ctx, action, uri, options);
  };
}

/** The checklist needs these to relay its buttons. */
export function checklistHost(ctx: CommandContext): Parameters<typeof ChecklistPanel.show>[1] {
  return {
    client: () => ctx.client(),
    store: ctx.store,
    log: ctx.log,
    runAction: (action, uri) => runWorkflowAction(ctx, action, uri),
    rollout: (action, root) => runRollout(ctx.client(), action, root),
    openDiff: (path, commit, root) => openMigrationDiff(path, commit, root),
  };
}

type Handler = (ctx: CommandContext, ...args: unknown[]) => unknown;

const riskIcon: Record<string, string> = { low: '$(pass)', medium: '$(info)', high: '$(warning)', critical: '$(error)' };

/** Every command of the extension, registered from this one table. */
export const commandTable: Record<string, Handler> = {
  [Commands.showDossier]: async (ctx, uriArg) => {
    const client = ctx.client();
    const uri = typeof uriArg === 'string' ? uriArg : targetUri(uriArg)?.toString();
    if (!client || !uri) {
      void vscode.window.showInformationMessage('Open a file that uses the legacy API to see its pre-move analysis.');
      return;
    }
    const result = await client.sendRequest(DossierRequest.type, { uri });
    if ('error' in result) {
      void vscode.window.showInformationMessage(result.error);
      return;
    }
    const doc = await vscode.workspace.openTextDocument(ctx.dossiers.show(result.dossier));
    // The document has no .md extension (its name is the tab's title); say it is markdown.
    await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    await vscode.commands.executeCommand('markdown.showPreview', doc.uri);
  },
  [Commands.showPlan]: async (ctx, uriArg) => {
    const client = ctx.client();
    if (!client) return;
    const root = folderRootOf(targetUri(uriArg));
    const plan = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Stepwise: computing the plan' }, () =>
      client.sendRequest(PlanRequest.type, { uri: root ? vscode.Uri.file(root).toString() : undefined }),
    );
    if (!plan || plan.entries.length === 0) {
      void vscode.window.showInformationMessage('Stepwise found no file left to migrate.');
      return;
    }
    const picked = await vscode.window.showQuickPick(
      plan.entries.map((e, i) => ({
        label: `${riskIcon[e.risk.level] ?? ''} ${i + 1}. ${e.path}`,
        description: `${e.risk.level} risk · ${e.usages} usages`,
        detail: e.risk.reasons.join(' '),
        path: e.path,
      })),
      { title: 'Stepwise: migration plan (lowest risk first)', matchOnDetail: true },
    );
    if (picked) await vscode.window.showTextDocument(vscode.Uri.joinPath(vscode.Uri.file(plan.root), ...picked.path.split('/')));
  },
  [Commands.showLog]: (ctx) => ctx.log.show(),
  [Commands.restartServer]: (ctx) => ctx.restart(),
  [Commands.openChecklist]: (ctx, uriArg) =>
    ChecklistPanel.show(ctx.extension, checklistHost(ctx), uriArg === undefined ? undefined : targetUri(uriArg)),
  [Commands.analyzeFile]: workflowCommand('analyze'),
  [Commands.migrateFile]: workflowCommand('migrate'),
  [Commands.verifyFile]: workflowCommand('verify'),
  [Commands.approveFile]: workflowCommand('approve'),
  [Commands.revertFile]: workflowCommand('revert'),
  [Commands.openMigrationDiff]: (_ctx, path, commit, root) => {
    // From the Migration view: the file's node, with its live commit.
    const node = path as MigrationNode | undefined;
    if (node && typeof node === 'object' && node.kind === 'file')
      return node.file.commit ? openMigrationDiff(node.file.path, node.file.commit, node.root) : undefined;
    return typeof path === 'string' && typeof commit === 'string'
      ? openMigrationDiff(path, commit, typeof root === 'string' ? root : undefined)
      : undefined;
  },
  [Commands.createSpec]: (ctx, uriArg) => createSpec(ctx.client(), folderRootOf(targetUri(uriArg))),
  [Commands.openNextFile]: (ctx, uriArg) => openNextFile(ctx.store, folderRootOf(targetUri(uriArg))),
  [Commands.exportReport]: (ctx, uriArg) => exportReport(ctx.client(), folderRootOf(targetUri(uriArg))),
  [Commands.rolloutNext]: (ctx, uriArg) => runRollout(ctx.client(), 'next', folderRootOf(targetUri(uriArg))),
  [Commands.rollback]: (ctx, uriArg) => runRollout(ctx.client(), 'rollback', folderRootOf(targetUri(uriArg))),
  [Commands.rolloutDrill]: (ctx, uriArg) => runRollout(ctx.client(), 'drill', folderRootOf(targetUri(uriArg))),
  [Commands.setRedisPassword]: (ctx) => setRedisPassword(ctx.client(), ctx.extension.secrets),
  [Commands.removeAdapter]: (ctx, uriArg) => removeAdapter(ctx.client(), folderRootOf(targetUri(uriArg))),
};
