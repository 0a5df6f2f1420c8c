import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Commands, DossierRequest, WorkflowStatusRequest } from '../../server/src/protocol';
import { parseWebviewMessage } from '../../media/src/messages';
import type { HostMessage, MessageContext, WebviewMessage } from '../../media/src/messages';
import { folderRootOf } from './store';
import type { StatusStore } from './store';

export const checklistViewType = 'stepwise.checklist';

export interface ChecklistHost {
  client(): LanguageClient | undefined;
  /** What the server last pushed per folder. */
  store: StatusStore;
  /** Runs a workflow action the way the command of the same name does (progress, confirmations). */
  runAction(action: 'analyze' | 'migrate' | 'verify' | 'approve' | 'revert', uri: vscode.Uri): Promise<unknown>;
  /** Relays a rollout control (next stage, roll back now, drill) for the folder shown. */
  rollout(action: 'next' | 'rollback' | 'drill', root: string | undefined): Promise<unknown>;
  openDiff(path: string, commit: string, root: string): Promise<unknown>;
  log: vscode.LogOutputChannel;
}

/**
 * The "Stepwise: Migration Checklist" webview. It renders what the server says and relays clicks
 * as commands; a ready handshake comes first, and it is restored after a reload (serializer).
 */
export class ChecklistPanel implements vscode.Disposable {
  private static current: ChecklistPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private busy: string | null = null;
  /** The workspace folder shown (a picker switches it when there are several). */
  private root: string | undefined = folderRootOf();

  /** Opens (or reveals) the checklist, on the folder of `uri` when one is given. */
  static show(context: vscode.ExtensionContext, host: ChecklistHost, uri?: vscode.Uri): ChecklistPanel {
    if (ChecklistPanel.current) {
      if (uri) ChecklistPanel.current.showFolder(folderRootOf(uri));
      ChecklistPanel.current.panel.reveal(vscode.ViewColumn.Active);
      return ChecklistPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      checklistViewType,
      'Stepwise: Migration Checklist',
      vscode.ViewColumn.Active,
      ChecklistPanel.options(context),
    );
    ChecklistPanel.current = new ChecklistPanel(panel, context, host);
    if (uri) ChecklistPanel.current.root = folderRootOf(uri);
    return ChecklistPanel.current;
  }

  static revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, host: ChecklistHost): void {
    panel.webview.options = ChecklistPanel.options(context);
    ChecklistPanel.current?.dispose();
    ChecklistPanel.current = new ChecklistPanel(panel, context, host);
  }

  /** Tells the open panel (if any) that the store changed. */
  static refresh(): void {
    void ChecklistPanel.current?.sendState();
  }

  private showFolder(root: string | undefined): void {
    if (!root || root === this.root) return;
    this.root = root;
    void this.sendState();
  }

  static setBusy(action: string | null): void {
    const current = ChecklistPanel.current;
    if (!current) return;
    current.busy = action;
    void current.post({ type: 'busy', action });
  }

  private static options(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'media'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    };
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    private readonly host: ChecklistHost,
  ) {
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        // Checked against its type at run time: anything else is logged and ignored.
        const parsed = parseWebviewMessage(raw, this.messageContext());
        if ('ignored' in parsed) this.host.log.warn(parsed.ignored);
        else void this.receive(parsed.message);
      }),
      panel.onDidChangeViewState(() => {
        if (panel.visible) void this.sendState();
      }),
    );
  }

  /** What a webview message may name: the shown plan's files, the workspace's folders. */
  private messageContext(): MessageContext {
    const status = this.root ? this.host.store.workflow(this.root) : undefined;
    return {
      planFiles: new Set((status?.files ?? []).map((f) => f.path)),
      roots: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
    };
  }

  private async receive(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        await this.sendState();
        if (this.busy) await this.post({ type: 'busy', action: this.busy });
        return;
      case 'request': {
        const client = this.host.client();
        const uri = this.uriOf(message.path);
        if (!client || !uri) return this.post({ type: 'response', id: message.id, error: 'The Stepwise server is not running.' });
        try {
          const result = await client.sendRequest(DossierRequest.type, { uri: uri.toString() });
          return this.post({
            type: 'response',
            id: message.id,
            ...('error' in result ? { error: result.error } : { dossier: result.dossier }),
          });
        } catch (error) {
          return this.post({ type: 'response', id: message.id, error: (error as Error).message });
        }
      }
      case 'command':
        return this.command(message);
    }
  }

  private async command(message: WebviewMessage & { type: 'command' }): Promise<void> {
    switch (message.command) {
      case 'refresh':
        return this.sendState(true);
      case 'exportReport':
        await vscode.commands.executeCommand(Commands.exportReport, this.root ? vscode.Uri.file(this.root) : undefined);
        return;
      case 'showLog':
        this.host.log.show();
        return;
      case 'removeAdapter':
        await vscode.commands.executeCommand(Commands.removeAdapter, this.root ? vscode.Uri.file(this.root) : undefined);
        return;
      case 'openFile': {
        const uri = this.uriOf(message.path);
        if (uri) await vscode.window.showTextDocument(uri, { preview: false });
        return;
      }
      case 'showDossier': {
        const uri = this.uriOf(message.path);
        if (uri) await vscode.commands.executeCommand(Commands.showDossier, uri.toString());
        return;
      }
      case 'openDiff':
        if (this.root) await this.host.openDiff(message.path, message.commit, this.root);
        return;
      case 'rollout':
        // Only the controls the panel has, whatever the message says.
        if (message.action === 'next' || message.action === 'rollback' || message.action === 'drill')
          await this.host.rollout(message.action, this.root);
        else this.host.log.warn(`Ignored a checklist message with an unknown rollout action: ${JSON.stringify(message.action)}`);
        return;
      case 'selectFolder':
        // Only a folder of this workspace, whatever the message says.
        if ((vscode.workspace.workspaceFolders ?? []).some((f) => f.uri.fsPath === message.root)) this.showFolder(message.root);
        return;
      default: {
        const uri = this.uriOf(message.path);
        if (uri) await this.host.runAction(message.command, uri);
      }
    }
  }

  /** A workspace-relative path of the folder shown, as a URI (paths with `..` are refused). */
  private uriOf(path: string): vscode.Uri | undefined {
    if (!this.root || typeof path !== 'string' || path.split('/').includes('..')) return undefined;
    return vscode.Uri.joinPath(vscode.Uri.file(this.root), ...path.split('/'));
  }

  /** Sends the shown folder's status from the store (asking the server only when it has none yet). */
  private async sendState(fetch = false): Promise<void> {
    if (!this.ready) return;
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => ({ root: f.uri.fsPath, name: f.name }));
    if (!this.root || !folders.some((f) => f.root === this.root)) this.root = folders[0]?.root;
    const client = this.host.client();
    if (!client)
      return this.post({ type: 'state', status: null, error: 'The Stepwise language server is not running; see the Stepwise log.' });
    let status = this.host.store.workflow(this.root);
    try {
      if ((fetch || !status) && this.root) {
        status = await client.sendRequest(WorkflowStatusRequest.type, { uri: vscode.Uri.file(this.root).toString() });
        this.host.store.setWorkflow(status);
      }
      await this.post({ type: 'state', status: status ?? null, folders });
    } catch (error) {
      await this.post({ type: 'state', status: null, folders, error: `Could not read the migration status: ${(error as Error).message}` });
    }
  }

  private async post(message: HostMessage): Promise<void> {
    if (this.ready) await this.panel.webview.postMessage(message);
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'media', 'checklist.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'media', 'checklist.css'));
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource}; img-src ${webview.cspSource} data:; font-src ${webview.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Stepwise: Migration Checklist</title>
</head>
<body>
<main id="root" aria-live="off"></main>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (ChecklistPanel.current === this) ChecklistPanel.current = undefined;
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
    this.panel.dispose();
  }
}
