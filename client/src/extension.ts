import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind } from 'vscode-languageclient/node';
import type { LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import { IndexStatusRequest, StatusChangedNotification } from '../../server/src/protocol';
import { commandTable } from './commands';
import type { CommandContext } from './commands';
import { Config } from './config';
import { DossierDocuments, dossierScheme } from './dossierView';
import { StatusBar } from './statusBar';

let client: LanguageClient | undefined;
/** Disposables that live as long as one server process (dropped on restart). */
let serverDisposables: vscode.Disposable[] = [];

/** The API the extension returns from `activate` (used by the integration tests). */
export interface StepwiseApi {
  client(): LanguageClient | undefined;
  /** Resolves when the server reports its index ready (or without a spec). */
  whenIndexed(): Promise<IndexStatusRequest.Result>;
}

export async function activate(context: vscode.ExtensionContext): Promise<StepwiseApi> {
  const log = vscode.window.createOutputChannel('Stepwise', { log: true });
  const statusBar = new StatusBar();
  const dossiers = new DossierDocuments();
  context.subscriptions.push(log, statusBar, dossiers, vscode.workspace.registerTextDocumentContentProvider(dossierScheme, dossiers));

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
      initializationOptions: { settings: Config.read() },
      outputChannel: log,
      diagnosticPullOptions: { onChange: true, onSave: true },
    };
    client = new LanguageClient('stepwise', 'Stepwise', serverOptions, clientOptions);
    serverDisposables.push(
      client.onNotification(StatusChangedNotification.method, (result: StatusChangedNotification.Params) => {
        statusBar.update(result);
        if (result.status.state === 'ready' || result.status.state === 'no-spec') indexed(result);
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
    client: () => client,
    log,
    dossiers,
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
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (Config.affects(event))
        void client?.sendNotification('workspace/didChangeConfiguration', { settings: { stepwise: Config.read() } });
    }),
    { dispose: () => void stop() },
  );

  try {
    await start();
  } catch (error) {
    log.error(`Stepwise could not start its language server: ${(error as Error).message}`);
    void vscode.window
      .showErrorMessage(`Stepwise could not start its language server: ${(error as Error).message}`, 'Show Log')
      .then((choice) => {
        if (choice) log.show();
      });
  }
  return { client: () => client, whenIndexed: () => whenIndexed };
}

export async function deactivate(): Promise<void> {
  for (const d of serverDisposables) d.dispose();
  serverDisposables = [];
  await client?.stop();
  client = undefined;
}
