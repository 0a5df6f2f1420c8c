// A minimal LSP client for tests: starts the built server (dist/server.js) over stdio and speaks
// LSP to it, answering the server's own requests the way an editor would.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ConfigurationRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  InitializeRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShowMessageNotification,
  ShowMessageRequest,
  WorkDoneProgressCreateRequest,
  createProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import type {
  ClientCapabilities,
  InitializeResult,
  ProtocolConnection,
  PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { StatusChangedNotification, WorkflowChangedNotification } from '../../server/src/protocol';
import type { WorkflowSnapshot } from '../../server/src/protocol';
import { repoRoot } from '../support/workspace';

export const serverPath = join(repoRoot, 'dist', 'server.js');

/** What a capable editor announces: pull diagnostics, versioned edits that may create files, progress. */
export const pullCapabilities: ClientCapabilities = {
  textDocument: {
    diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false },
    codeAction: {
      codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source'] } },
      resolveSupport: { properties: ['edit'] },
      dataSupport: true,
    },
    synchronization: { didSave: true },
  },
  workspace: {
    workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'] },
    diagnostics: { refreshSupport: true },
    configuration: true,
    workspaceFolders: true,
  },
  window: { workDoneProgress: true },
};

/** An editor without pull diagnostics: the server must push. */
export const pushCapabilities: ClientCapabilities = {
  ...pullCapabilities,
  textDocument: { ...pullCapabilities.textDocument, diagnostic: undefined },
};

export function uriOf(root: string, rel: string): string {
  return pathToFileURL(join(root, rel)).toString();
}

export class TestClient {
  readonly connection: ProtocolConnection;
  readonly published = new Map<string, PublishDiagnosticsParams>();
  readonly refreshes: number[] = [];
  private readonly process: ChildProcess;
  private readonly waiters: { test: () => boolean; resolve: () => void }[] = [];
  private ready = false;
  /** Folders whose index reported ready. */
  readonly readyRoots = new Set<string>();
  /** The last index state each folder reported (stepwise/statusChanged). */
  readonly indexStates = new Map<string, string>();
  /** Every workflow status the server pushed (stepwise/workflowChanged), oldest first. */
  readonly workflows: WorkflowSnapshot[] = [];
  stderr = '';
  /** The server's questions (window/showMessageRequest), and the answer a test wants given. */
  readonly questions: string[] = [];
  answer: string | null = null;
  /** What the server logged (window/logMessage). */
  readonly logs: string[] = [];
  /** Messages the server showed (window/showMessage). */
  readonly messages: string[] = [];

  /** The settings this editor answers `workspace/configuration` with, per scope URI (default: none). */
  settingsFor: (scopeUri: string | undefined) => unknown = () => ({});

  private constructor(
    readonly root: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    if (!existsSync(serverPath)) throw new Error(`${serverPath} is missing; run "node scripts/build.mjs" first.`);
    this.process = spawn(process.execPath, [serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.process.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.connection = createProtocolConnection(this.process.stdout!, this.process.stdin!);
    this.connection.onRequest(WorkDoneProgressCreateRequest.type, () => null);
    this.connection.onRequest(RegistrationRequest.type, () => null);
    this.connection.onRequest(ConfigurationRequest.type, (params) => params.items.map((item) => this.settingsFor(item.scopeUri)));
    this.connection.onRequest('workspace/diagnostic/refresh', () => {
      this.refreshes.push(Date.now());
      this.check();
      return null;
    });
    this.connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      this.published.set(params.uri, params);
      this.check();
    });
    this.connection.onNotification(StatusChangedNotification.method, (params: StatusChangedNotification.Params) => {
      this.indexStates.set(params.root, params.status.state);
      if (params.status.state === 'ready' || params.status.state === 'no-spec') {
        this.ready = true;
        this.readyRoots.add(params.root);
      }
      this.check();
    });
    this.connection.onNotification('window/logMessage', (params: { message: string }) => {
      this.logs.push(params.message);
      this.check();
    });
    this.connection.onNotification(WorkflowChangedNotification.type, (params) => {
      this.workflows.push(params);
      this.check();
    });
    this.connection.onRequest(ShowMessageRequest.type, (params) => {
      this.questions.push(params.message);
      return params.actions?.find((a) => a.title === this.answer) ?? null;
    });
    this.connection.onNotification(ShowMessageNotification.type, (params) => {
      this.messages.push(params.message);
      this.check();
    });
    this.connection.listen();
  }

  /** Starts a server for `root`, initializes it and waits until its index is ready. */
  static async start(
    root: string,
    capabilities: ClientCapabilities = pullCapabilities,
    initializationOptions?: Record<string, unknown>,
    options: { folders?: string[]; env?: NodeJS.ProcessEnv; settingsFor?: (scopeUri: string | undefined) => unknown } = {},
  ): Promise<{ client: TestClient; init: InitializeResult }> {
    const client = new TestClient(root, options.env);
    if (options.settingsFor) client.settingsFor = options.settingsFor;
    const folders = options.folders ?? [root];
    const init = await client.connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(root).toString(),
      workspaceFolders: folders.map((f, i) => ({ uri: pathToFileURL(f).toString(), name: `ws${i}` })),
      capabilities,
      initializationOptions,
    });
    await client.connection.sendNotification(InitializedNotification.type, {});
    await client.until(() => client.ready, 'the index to be ready');
    return { client, init };
  }

  uri(rel: string): string {
    return uriOf(this.root, rel);
  }

  async open(rel: string, text: string, version = 1, languageId = 'typescript'): Promise<void> {
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: this.uri(rel), languageId, version, text },
    });
  }

  async change(rel: string, text: string, version: number): Promise<void> {
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: this.uri(rel), version },
      contentChanges: [{ text }],
    });
  }

  /** Resolves when `test` holds, re-checked on every message from the server (no polling by time). */
  until(test: () => boolean, what: string, timeoutMs = 60000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}. Server stderr:\n${this.stderr}`)), timeoutMs);
      this.waiters.push({
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Writes bytes to the server's stdin as they are, framed or not (the fuzz tests' way in). */
  writeRaw(bytes: string | Buffer): void {
    this.process.stdin?.write(bytes);
  }

  /** The server process's id (to read its memory). */
  get pid(): number | undefined {
    return this.process.pid;
  }

  /** Whether the server process is still running. */
  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  async stop(): Promise<void> {
    try {
      await this.connection.sendRequest('shutdown');
      await this.connection.sendNotification('exit');
    } catch {
      // The process may already be gone.
    }
    this.connection.dispose();
    this.process.kill();
  }

  private check(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.test()) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}
