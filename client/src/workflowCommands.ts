import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { ExecuteCommandRequest, WorkDoneProgress } from 'vscode-languageclient/node';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Commands, FileAtCommitRequest, ReportRequest, ServerCommands, actionTitles } from '../../server/src/protocol';
import type { EngineResult, WorkflowAction, WorkflowCommandArgs } from '../../server/src/protocol';

import { uriOfNode } from './migrationView';

export const gitContentScheme = 'stepwise-git';

export interface WorkflowContext {
  client(): LanguageClient | undefined;
  log: vscode.LogOutputChannel;
  /** Called around every action so the checklist can show what is running. */
  busy(action: string | null): void;
}

/**
 * Runs one workflow action on the server with a cancellable progress notification, asks for the
 * confirmation and reason the engine wants when a file is migrated out of plan order, and offers
 * the next step (revert after a failed verification) in the message it shows.
 */
/** Options a caller may pass to a workflow command (the panel and keyboard users pass none). */
export interface ActionOptions {
  version?: number | null;
  force?: boolean;
  reason?: string;
  /** Skip the confirmation dialogs (for automation; the engine's own gates still apply). */
  confirmed?: boolean;
}

export async function runWorkflowAction(
  ctx: WorkflowContext,
  action: WorkflowAction,
  uri: vscode.Uri,
  options: ActionOptions = {},
): Promise<EngineResult | undefined> {
  const { confirmed, ...extra } = options;
  const client = ctx.client();
  if (!client) {
    void vscode.window.showErrorMessage('The Stepwise language server is not running; see the Stepwise log.');
    return undefined;
  }
  if (!confirmed && action !== 'approve' && action !== 'revert' && !vscode.workspace.isTrusted) {
    const choice = await vscode.window.showWarningMessage(
      'This workspace is not trusted, so Stepwise will not run its tests, type check command or benchmark; only its own type check runs. Continue?',
      { modal: true },
      'Continue',
    );
    if (choice !== 'Continue') return undefined;
  }
  if (action === 'revert' && !confirmed) {
    const confirm = await vscode.window.showWarningMessage(
      `Revert the migration of ${vscode.workspace.asRelativePath(uri)}? Stepwise runs git revert of its migration commit.`,
      { modal: true },
      'Revert',
    );
    if (confirm !== 'Revert') return undefined;
  }
  const relative = vscode.workspace.asRelativePath(uri);
  const progressId = randomBytes(8).toString('hex');
  ctx.busy(`${actionTitles[action]} ${relative}…`);
  let result: EngineResult | undefined;
  try {
    result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Stepwise: ${actionTitles[action]} ${relative}`,
        cancellable: action !== 'approve',
      },
      async (progress, token) => {
        // The same path as any LSP client: the server's command, with progress on our token. This
        // client asks its own questions (the input box below), so the server returns them.
        const listener = client.onProgress(WorkDoneProgress.type, progressId, (p) => {
          if (p.kind !== 'end' && p.message) progress.report({ message: p.message });
        });
        const args: WorkflowCommandArgs = { uri: uri.toString(), confirmations: 'return', ...extra };
        try {
          return (await client.sendRequest(
            ExecuteCommandRequest.type,
            { command: ServerCommands[action], arguments: [args], workDoneToken: progressId },
            token,
          )) as EngineResult;
        } finally {
          listener.dispose();
        }
      },
    );
  } catch (error) {
    ctx.log.error(`${action} ${relative} failed: ${(error as Error).message}`);
    void vscode.window.showErrorMessage(`Stepwise could not ${action} ${relative}: ${(error as Error).message}`);
    return undefined;
  } finally {
    ctx.busy(null);
  }

  if (!result.ok && result.needsConfirmation && !confirmed) {
    const reason = await vscode.window.showInputBox({
      title: `Migrate ${relative} out of plan order`,
      prompt: `${result.error} Say why; the reason goes into the commit.`,
      placeHolder: 'e.g. blocks the release; reviewed with the team',
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim().length < 3 ? 'Give a short reason.' : undefined),
    });
    if (!reason) return result;
    return runWorkflowAction(ctx, action, uri, { ...options, force: true, reason });
  }
  if (result.ok) {
    ctx.log.info(result.message);
    void vscode.window.showInformationMessage(result.message);
  } else if (result.verificationFailed) {
    ctx.log.warn(result.error);
    // Not awaited: the command finishes now; the offer stays until the person answers it.
    void vscode.window.showErrorMessage(result.error, 'Revert now', 'Open Checklist', 'Show Log').then(async (choice) => {
      if (choice === 'Revert now') await runWorkflowAction(ctx, 'revert', uri);
      else if (choice === 'Open Checklist') await vscode.commands.executeCommand(Commands.openChecklist);
      else if (choice === 'Show Log') ctx.log.show();
    });
  } else {
    ctx.log.warn(result.error);
    // A refusal says why; the checklist shows what is in flight and what each file allows.
    void vscode.window.showWarningMessage(result.error, 'Open Checklist').then(async (choice) => {
      if (choice === 'Open Checklist') await vscode.commands.executeCommand(Commands.openChecklist);
    });
  }
  return result;
}

/** The file a command applies to: its argument (URI or string), else the active editor's file. */
export function targetUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const node = uriOfNode(arg);
  if (node) return node;
  if (typeof arg === 'string') return vscode.Uri.parse(arg);
  return vscode.window.activeTextEditor?.document.uri;
}

/** Shows a migration commit's change to a file (of the folder at `root`) in VS Code's diff editor. */
export async function openMigrationDiff(path: string, commit: string, root?: string): Promise<void> {
  const folder = root ? vscode.Uri.file(root) : vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) return;
  const file = vscode.Uri.joinPath(folder, ...path.split('/'));
  const at = (ref: string): vscode.Uri =>
    vscode.Uri.from({ scheme: gitContentScheme, path: file.path, query: new URLSearchParams({ ref }).toString() });
  await vscode.commands.executeCommand('vscode.diff', at(`${commit}^`), at(commit), `${path} (${commit.slice(0, 8)}, Stepwise migration)`);
}

/** Serves `stepwise-git:` documents (a file at a commit) from the server, for diffs. */
export class GitContent implements vscode.TextDocumentContentProvider {
  constructor(private readonly client: () => LanguageClient | undefined) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const ref = new URLSearchParams(uri.query).get('ref') ?? 'HEAD';
    const client = this.client();
    if (!client) return '';
    const result = await client.sendRequest(FileAtCommitRequest.type, {
      uri: vscode.Uri.file(uri.path).toString(),
      commit: ref,
    });
    return result.text ?? '';
  }
}

/** Opens the markdown migration report of a folder in an untitled editor (save it where you like). */
export async function exportReport(client: LanguageClient | undefined, root?: string): Promise<void> {
  if (!client) return;
  const { markdown } = await client.sendRequest(ReportRequest.type, { uri: root ? vscode.Uri.file(root).toString() : undefined });
  const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown });
  await vscode.window.showTextDocument(document, { preview: false });
}
