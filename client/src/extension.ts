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
  actionOfCommand,
} from '../../server/src/protocol';
import type { IndexSummary, WorkflowCommandArgs, WorkflowSnapshot } from '../../server/src/protocol';
import { ChecklistPanel, checklistViewType } from './checklistPanel';
import { checklistHost, commandTable } from './commands';
import type { CommandContext } from './commands';
import { Config } from './config';
import { DossierDocuments, dossierScheme } from './dossierView';
import { MigrationDecorations } from './fileDecorations';
import { trackContextKeys } from './gettingStarted';
import { languageClientChannel } from './logChannel';
import { registerMigrationView } from './migrationView';
import { StatusBar } from './statusBar';
import { StatusStore, folderRootOf } from './store';
import { redisPasswordKey, sendRedisPassword } from './rolloutCommands';
import { GitContent, gitContentScheme, runWorkflowAction } from './workflowCommands';

// When this module began to run, for the activation time the log reports.
const moduleStarted = performance.now();

let client: LanguageClient | undefined;
/** Disposables that live as long as one server process (dropped on restart). */
let serverDisposables: vscode.Disposable[] = [];

/** The API the extension returns from `activate` (used by the integration tests). */
export interface StepwiseApi {
  client(): LanguageClient | undefined;
  /** Resolves when the server reports an index ready (or without a spec). */
  whenIndexed(): Promise<IndexSummary>;
  /** Fires after the server pushed a folder's workflow status and the status bar and checklist caught up. */
  onDidChangeWorkflow: vscode.Event<WorkflowSnapshot>;
  /** The last workflow status the server pushed for a folder (the first folder when omitted). */
  workflowStatus(root?: string): WorkflowSnapshot | undefined;
}

/** How the log line that gives the activation time begins (the benchmark reads it). */
export const activationMessagePrefix = 'Stepwise activated in';

export function activate(context: vscode.ExtensionContext): StepwiseApi {
  const log = vscode.window.createOutputChannel('Stepwise', { log: true });
  const store = new StatusStore();
  const statusBar = new StatusBar(store);
  const dossiers = new DossierDocuments();
  context.subscriptions.push(
    log,
    store,
    statusBar,
    dossiers,
    vscode.workspace.registerTextDocumentContentProvider(dossierScheme, dossiers),
  );

  const decorations = new MigrationDecorations(store);
  // The Migration view, the Explorer's decorations and the walkthrough's context keys read the
  // same store the status bar and the checklist read.
  context.subscriptions.push(
    registerMigrationView(store, () => client),
    decorations,
    vscode.window.registerFileDecorationProvider(decorations),
    trackContextKeys(store),
  );

  const workflowChanged = new vscode.EventEmitter<WorkflowSnapshot>();
  context.subscriptions.push(workflowChanged);
  let indexed: (result: IndexSummary) => void = () => undefined;
  let whenIndexed = new Promise<IndexSummary>((resolve) => (indexed = resolve));

  const start = async (): Promise<void> => {
    const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
    // Read once per start: the server's git calls are bounded by it.
    const gitTimeout = vscode.workspace.getConfiguration('stepwise').get<number>('git.timeoutSeconds', 120);
    const env = { ...process.env, STEPWISE_GIT_TIMEOUT_SECONDS: String(gitTimeout) };
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.ipc, options: { env } },
      debug: { module: serverModule, transport: TransportKind.ipc, options: { env, execArgv: ['--nolazy', '--inspect=6019'] } },
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
          // The version of the legacy package each part of the workspace asks for.
          vscode.workspace.createFileSystemWatcher('**/package.json'),
        ],
      },
      // Commands from the workspace (tests, benchmarks) run only in a trusted workspace. This client
      // implements the dossier view and the checklist, so code actions may offer them.
      initializationOptions: { settings: Config.read(), trusted: vscode.workspace.isTrusted, clientCommands: true },
      middleware: {
        // The server's workflow commands (the quick fix) run with VS Code's own questions and
        // messages; they still reach the server as workspace/executeCommand.
        executeCommand: async (command, args, next) => {
          const action = actionOfCommand(command);
          const first = args[0] as Partial<WorkflowCommandArgs> | undefined;
          if (!action || typeof first?.uri !== 'string') return (await next(command, args)) as unknown;
          return runWorkflowAction(ctx, action, vscode.Uri.parse(first.uri), { version: first.version });
        },
      },
      outputChannel: languageClientChannel(log),
      diagnosticPullOptions: { onChange: true, onSave: true },
    };
    client = new LanguageClient('stepwise', 'Stepwise', serverOptions, clientOptions);
    const running = client;
    /** Asks for a folder's workflow status once (after its index is ready); the server pushes changes. */
    const fetchWorkflow = async (root: string): Promise<void> => {
      try {
        shown(await running.sendRequest(WorkflowStatusRequest.type, { uri: vscode.Uri.file(root).toString() }));
      } catch (error) {
        log.warn(`Could not read the workflow status of ${root}: ${(error as Error).message}`);
      }
    };
    const shown = (status: WorkflowSnapshot): void => {
      store.setWorkflow(status);
      ChecklistPanel.refresh();
      workflowChanged.fire(status);
    };
    serverDisposables.push(
      client.onNotification(StatusChangedNotification.type, (result) => {
        store.setIndex(result);
        if (result.status.state === 'ready' || result.status.state === 'no-spec') {
          indexed(result);
          if (!store.workflow(result.root)) void fetchWorkflow(result.root);
        }
      }),
      client.onNotification(WorkflowChangedNotification.type, shown),
      client.onNotification(OutputNotification.type, (params) => log.append(params.text)),
      client.onNotification(ObservationEndedNotification.type, async (params) => {
        const choice = await vscode.window.showInformationMessage(
          `The observation of ${params.path} has ended. Approve it to unlock the next file.`,
          'Approve',
          'Open Checklist',
        );
        const uri = vscode.Uri.file(path.join(params.root, ...params.path.split('/')));
        if (choice === 'Approve') await runWorkflowAction(ctx, 'approve', uri);
        else if (choice === 'Open Checklist') await vscode.commands.executeCommand(Commands.openChecklist, uri);
      }),
    );
    await client.start();
    await sendRedisPassword(client, context.secrets);
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const current = await client.sendRequest(IndexStatusRequest.type, { uri: folder.uri.toString() });
      if (!current) continue;
      store.setIndex(current);
      if (current.status.state === 'ready' || current.status.state === 'no-spec') {
        indexed(current);
        if (!store.workflow(current.root)) void fetchWorkflow(current.root);
      }
    }
  };

  const stop = async (): Promise<void> => {
    for (const d of serverDisposables) d.dispose();
    serverDisposables = [];
    const running = client;
    client = undefined;
    store.clear();
    if (running) await running.stop();
  };

  const ctx: CommandContext = {
    extension: context,
    client: () => client,
    log,
    dossiers,
    store,
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
    context.secrets.onDidChange((event) => {
      if (event.key === redisPasswordKey) void sendRedisPassword(client, context.secrets);
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      void client?.sendNotification(SetTrustNotification.method, { trusted: true } satisfies SetTrustNotification.Params);
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      // The server reads each folder's settings again (workspace/configuration, scoped to the folder).
      if (Config.affects(event))
        void client?.sendNotification('workspace/didChangeConfiguration', { settings: { stepwise: Config.read() } });
    }),
    vscode.workspace.onDidChangeWorkspaceFolders((event) => {
      for (const removed of event.removed) store.clear(removed.uri.fsPath);
      ChecklistPanel.refresh();
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
  return {
    client: () => client,
    whenIndexed: () => whenIndexed,
    onDidChangeWorkflow: workflowChanged.event,
    workflowStatus: (root) => store.workflow(root ?? folderRootOf()),
  };
}

export async function deactivate(): Promise<void> {
  for (const d of serverDisposables) d.dispose();
  serverDisposables = [];
  await client?.stop();
  client = undefined;
}
