import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind } from 'vscode-languageclient/node';
import type { LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import {
  Commands,
  IndexStatusRequest,
  ObservationEndedNotification,
  OutputNotification,
  SetTrustNotification,
  StatusChangedNotification,
  WorkflowChangedNotification,
  WorkflowStatusRequest,
} from '../../server/src/protocol';
import { ChecklistPanel, checklistViewType } from './checklistPanel';
import { checklistHost, commandTable } from './commands';
import type { CommandContext } from './commands';
import { Config } from './config';
import { DossierDocuments, dossierScheme } from './dossierView';
import { languageClientChannel } from './logChannel';
import { StatusBar } from './statusBar';
import { GitContent, gitContentScheme, runWorkflowAction } from './workflowCommands';

// When this module began to run, for the activation time the log reports.
const moduleStarted = performance.now();

let client: LanguageClient | undefined;
/** Disposables that live as long as one server process (dropped on restart). */
let serverDisposables: vscode.Disposable[] = [];

/** The API the extension returns from `activate` (used by the integration tests). */
export interface StepwiseApi {
  client(): LanguageClient | undefined;
  /** Resolves when the server reports its index ready (or without a spec). */
  whenIndexed(): Promise<IndexStatusRequest.Result>;
  /** Fires after the server reports a workflow change and the status bar and checklist caught up. */
  onDidChangeWorkflow: vscode.Event<WorkflowStatusRequest.Result>;
}

/** How the log line that gives the activation time begins (the benchmark reads it). */
export const activationMessagePrefix = 'Stepwise activated in';

export function activate(context: vscode.ExtensionContext): StepwiseApi {
  const log = vscode.window.createOutputChannel('Stepwise', { log: true });
  const statusBar = new StatusBar();
  const dossiers = new DossierDocuments();
  context.subscriptions.push(log, statusBar, dossiers, vscode.workspace.registerTextDocumentContentProvider(dossierScheme, dossiers));

  const workflowChanged = new vscode.EventEmitter<WorkflowStatusRequest.Result>();
  context.subscriptions.push(workflowChanged);
  let indexed: (result: IndexStatusRequest.Result) => void = () => undefined;
  let whenIndexed = new Promise<IndexStatusRequest.Result>((resolve) => (indexed = resolve));

  const start = async (): Promise<void> => {
    const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.ipc },
      debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'typescript' },
        { scheme: 'file', language: 'typescriptreact' },
        { scheme: 'file', language: 'javascript' },
        { scheme: 'file', language: 'javascriptreact' },
        { scheme: 'file', pattern: '**/.stepwise/migration.json' },
      ],
      synchronize: {
        fileEvents: [
          vscode.workspace.createFileSystemWatcher('**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'),
          vscode.workspace.createFileSystemWatcher('**/.stepwise/migration.json'),
          vscode.workspace.createFileSystemWatcher('**/{tsconfig,jsconfig}.json'),
          vscode.workspace.createFileSystemWatcher('**/.gitignore'),
        ],
      },
      // Commands from the workspace (tests, benchmarks) run only in a trusted workspace.
      initializationOptions: { settings: Config.read(), trusted: vscode.workspace.isTrusted },
      outputChannel: languageClientChannel(log),
      diagnosticPullOptions: { onChange: true, onSave: true },
    };
    client = new LanguageClient('stepwise', 'Stepwise', serverOptions, clientOptions);
    const running = client;
    const refreshWorkflow = async (): Promise<void> => {
      try {
        const status = await running.sendRequest<WorkflowStatusRequest.Result>(WorkflowStatusRequest.method, {});
        statusBar.updateWorkflow(status);
        ChecklistPanel.refresh();
        workflowChanged.fire(status);
      } catch (error) {
        log.warn(`Could not read the workflow status: ${(error as Error).message}`);
      }
    };
    serverDisposables.push(
      client.onNotification(StatusChangedNotification.method, (result: StatusChangedNotification.Params) => {
        statusBar.update(result);
        if (result.status.state === 'ready' || result.status.state === 'no-spec') {
          indexed(result);
          void refreshWorkflow();
        }
      }),
      client.onNotification(WorkflowChangedNotification.method, () => void refreshWorkflow()),
      client.onNotification(OutputNotification.method, (params: OutputNotification.Params) => log.append(params.text)),
      client.onNotification(ObservationEndedNotification.method, async (params: ObservationEndedNotification.Params) => {
        const choice = await vscode.window.showInformationMessage(
          `The observation of ${params.path} has ended. Approve it to unlock the next file.`,
          'Approve',
          'Open Checklist',
        );
        const uri = vscode.Uri.file(path.join(params.root, ...params.path.split('/')));
        if (choice === 'Approve') await runWorkflowAction(ctx, 'approve', uri);
        else if (choice === 'Open Checklist') await vscode.commands.executeCommand(Commands.openChecklist);
      }),
    );
    await client.start();
    const current = await client.sendRequest<IndexStatusRequest.Result | null>(IndexStatusRequest.method, {});
    if (current) {
      statusBar.update(current);
      if (current.status.state === 'ready' || current.status.state === 'no-spec') indexed(current);
    }
  };

  const stop = async (): Promise<void> => {
    for (const d of serverDisposables) d.dispose();
    serverDisposables = [];
    const running = client;
    client = undefined;
    if (running) await running.stop();
  };

  const ctx: CommandContext = {
    extension: context,
    client: () => client,
    log,
    dossiers,
    busy: (action) => ChecklistPanel.setBusy(action),
    restart: async () => {
      await stop();
      whenIndexed = new Promise((resolve) => (indexed = resolve));
      await start();
    },
  };
  for (const [id, handler] of Object.entries(commandTable)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, (...args: unknown[]) => handler(ctx, ...args)));
  }
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(checklistViewType, {
      deserializeWebviewPanel: (panel) => {
        ChecklistPanel.revive(panel, context, checklistHost(ctx));
        return Promise.resolve();
      },
    }),
    vscode.workspace.registerTextDocumentContentProvider(gitContentScheme, new GitContent(() => client)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      void client?.sendNotification(SetTrustNotification.method, { trusted: true } satisfies SetTrustNotification.Params);
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (Config.affects(event))
        void client?.sendNotification('workspace/didChangeConfiguration', { settings: { stepwise: Config.read() } });
    }),
    { dispose: () => void stop() },
  );

  // The server starts and indexes in the background (the status bar says so): activation does
  // not wait for it, so the editor never does either.
  start().catch((error: unknown) => {
    log.error(`Stepwise could not start its language server: ${(error as Error).message}`);
    void vscode.window
      .showErrorMessage(`Stepwise could not start its language server: ${(error as Error).message}`, 'Show Log')
      .then((choice) => {
        if (choice) log.show();
      });
  });
  log.info(
    `${activationMessagePrefix} ${Math.round(performance.now() - moduleStarted)} ms (running the extension's code and activate()); the language server starts in the background.`,
  );
  return { client: () => client, whenIndexed: () => whenIndexed, onDidChangeWorkflow: workflowChanged.event };
}

export async function deactivate(): Promise<void> {
  for (const d of serverDisposables) d.dispose();
  serverDisposables = [];
  await client?.stop();
  client = undefined;
}
