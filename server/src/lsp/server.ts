import {
  CodeLensRefreshRequest,
  DiagnosticRefreshRequest,
  DidChangeConfigurationNotification,
  DocumentDiagnosticReportKind,
  FileChangeType,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver';
import { createConnection } from 'vscode-languageserver/node';
import type {
  ClientCapabilities,
  Connection,
  InitializeParams,
  InitializeResult,
  WorkspaceDocumentDiagnosticReport,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  AnalyzeRequest,
  DossierRequest,
  FileUsagesRequest,
  IndexStatusRequest,
  InitSpecRequest,
  LegacyCandidatesRequest,
  ObservationEndedNotification,
  OutputNotification,
  PlanRequest,
  StatusChangedNotification,
  WorkflowChangedNotification,
  mergeSettings,
} from '../protocol';
import type { StepwiseSettings } from '../protocol';
import type { MigrationSession } from '../session/session';
import { specRelativePath } from '../spec/validate';
import type { Logger } from '../util/logger';
import { AdjustableClock, systemClock } from '../workflow/clock';
import { codeActionKinds, provideCodeActions, resolveCodeAction } from './codeActions';
import { provideCodeLenses, resolveCodeLens } from './codeLens';
import type { CodeLensOptions } from './codeLens';
import { RangeConverter, pathToUri, uriToPath } from './convert';
import { DiagnosticStore } from './diagnostics';
import { FrameGuard } from './framing';
import { LspEdits } from './edits';
import type { EditCapabilities } from './edits';
import { isGitWorkspace } from './gitWorkspace';
import { Sessions } from './sessions';
import { wireRollout } from './rollout';
import { wireWorkflow } from './workflow';

/** What the VS Code client (or any client) says in `initializationOptions`. */
interface InitOptions {
  settings?: Partial<StepwiseSettings>;
  trusted?: boolean;
  /** The client implements Stepwise's own commands (dossier view, checklist): code actions may use them. */
  clientCommands?: boolean;
}

/**
 * A connection over stdin and stdout whose input passes the frame guard first: a malformed
 * header is dropped and logged, and the server goes on answering the messages after it. The
 * console goes to stderr, since stdout carries the protocol.
 */
function stdioConnection(): Connection {
  const box: { connection?: Connection } = {};
  const guard = new FrameGuard((reason) => box.connection?.console.warn(reason) ?? process.stderr.write(`${reason}\n`));
  process.stdin.pipe(guard);
  // eslint-disable-next-line no-console -- what a library prints must not corrupt the protocol on stdout
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) console[level] = toStderr;
  box.connection = createConnection(ProposedFeatures.all, guard, process.stdout);
  return box.connection;
}

function toStderr(...args: unknown[]): void {
  process.stderr.write(`${args.map(String).join(' ')}\n`);
}

/**
 * Starts the Stepwise language server on the transport given on the command line (`--stdio`,
 * `--node-ipc`, `--socket=N`). The only layer that speaks LSP, and a thin one: every answer comes
 * from the folder's `MigrationSession`.
 */
export function startServer(): Connection {
  const connection = process.argv.includes('--stdio') ? stdioConnection() : createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(TextDocument);
  const logger: Logger = {
    error: (m) => connection.console.error(m),
    warn: (m) => connection.console.warn(m),
    info: (m) => connection.console.info(m),
    debug: (m) => connection.console.log(m),
  };
  const testClock = process.env.STEPWISE_TEST_CLOCK === '1' ? new AdjustableClock() : undefined;
  let capabilities: ClientCapabilities = {};
  let editCapabilities: EditCapabilities = { documentChanges: false, createFiles: false };
  let initOptions: InitOptions = {};
  let clientName = 'an LSP client';
  let pull = false;
  let ready: Promise<void> = Promise.resolve();
  let trusted = (): boolean => false;

  const sessions: Sessions = new Sessions((root) => ({
    clock: testClock ?? systemClock,
    logger,
    trusted: () => trusted(),
    autoRevert: () => sessions.settingsOf(root).verification.autoRevert,
    output: (text) => void connection.sendNotification(OutputNotification.type, { text }),
    edits: new LspEdits(connection, root, () => editCapabilities),
    redis: () => ({
      url: sessions.settingsOf(root).redis.url || process.env.STEPWISE_REDIS_URL || undefined,
      password: rollout.password() ?? (process.env.STEPWISE_REDIS_PASSWORD || undefined),
      caFile: process.env.STEPWISE_REDIS_CA || undefined,
    }),
    actor: clientName,
  }));
  const rollout = wireRollout(connection, sessions);
  const store = new DiagnosticStore(sessions, (root) => sessions.settingsOf(root));

  /** Tells the client which diagnostics changed: a refresh for pull clients, the reports for push ones. */
  const publish = (uris: string[]): void => {
    if (uris.length === 0) return;
    if (pull) {
      if (capabilities.workspace?.diagnostics?.refreshSupport) void connection.sendRequest(DiagnosticRefreshRequest.type);
      return;
    }
    for (const uri of uris) {
      const version = documents.get(uri)?.version;
      void connection.sendDiagnostics({ uri, version, diagnostics: store.get(uri).items });
    }
  };

  /** Asks the client to ask for the lenses again (what they say follows the workflow status). */
  const refreshLenses = (): void => {
    if (capabilities.workspace?.codeLens?.refreshSupport) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  };

  /** Relays what a session announces: diagnostics, index and workflow status, the end of an observation. */
  const watch = (session: MigrationSession): void => {
    const { index } = session;
    index.onDidChangeAnalyses.on((rels) => publish(store.update(index, rels)));
    index.onDidChangeSpec.on(() => publish(store.refreshAll(index)));
    index.onDidChangeStatus.on(() => void connection.sendNotification(StatusChangedNotification.type, session.indexSummary()));
    session.onDidChangeWorkflow.on((status) => {
      void connection.sendNotification(WorkflowChangedNotification.type, status);
      refreshLenses();
    });
    session.onObservationEnded.on(
      (path) => void connection.sendNotification(ObservationEndedNotification.type, { root: session.root, path }),
    );
    session.onRecovered.on((message) => void connection.window.showWarningMessage(message));
  };

  /** The folder's own settings (`workspace/configuration` scoped to it), else what the client said at start. */
  const settingsFor = async (root: string): Promise<StepwiseSettings> => {
    if (!capabilities.workspace?.configuration) return mergeSettings(initOptions.settings);
    const value: unknown = await connection.workspace.getConfiguration({ scopeUri: pathToUri(root), section: 'stepwise' });
    return mergeSettings(value as Partial<StepwiseSettings> | null);
  };

  const addFolder = async (root: string): Promise<MigrationSession> => {
    const { session, created } = sessions.add(root, await settingsFor(root).catch(() => mergeSettings(initOptions.settings)));
    if (created) watch(session);
    return session;
  };

  const removeFolder = (root: string): void => {
    if (!sessions.remove(root)) return;
    const gone = store.forget(root);
    if (pull) publish(gone);
    else for (const uri of gone) void connection.sendDiagnostics({ uri, diagnostics: [] });
    logger.info(`Stopped Stepwise for ${root} (the folder left the workspace).`);
  };

  let roots: string[] = [];
  connection.onInitialize((params: InitializeParams): InitializeResult => {
    capabilities = params.capabilities;
    clientName = params.clientInfo?.name ?? clientName;
    pull = capabilities.textDocument?.diagnostic !== undefined;
    const workspaceEdit = capabilities.workspace?.workspaceEdit;
    editCapabilities = {
      documentChanges: workspaceEdit?.documentChanges === true,
      createFiles: workspaceEdit?.resourceOperations?.includes('create') === true,
    };
    initOptions = (params.initializationOptions as InitOptions | undefined) ?? {};
    // Without a word from the client (another editor), commands from the workspace do not run.
    const workflow = wireWorkflow(connection, sessions, {
      initiallyTrusted: initOptions.trusted === true,
      clientName: () => clientName,
      serverProgress: () => capabilities.window?.workDoneProgress === true,
      testClock,
    });
    trusted = () => workflow.trusted();
    roots =
      params.workspaceFolders?.map((f) => uriToPath(f.uri)).filter((p): p is string => p !== undefined) ??
      (params.rootUri ? [uriToPath(params.rootUri)].filter((p): p is string => p !== undefined) : []);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeActionProvider: { codeActionKinds, resolveProvider: true },
        codeLensProvider: { resolveProvider: true },
        executeCommandProvider: { commands: workflow.commands },
        diagnosticProvider: pull ? { identifier: 'stepwise', interFileDependencies: true, workspaceDiagnostics: true } : undefined,
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'stepwise', version: '0.1.0' },
    };
  });

  connection.onInitialized(() => {
    if (capabilities.workspace?.didChangeConfiguration?.dynamicRegistration) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: 'stepwise' });
    }
    if (capabilities.workspace?.workspaceFolders) {
      connection.workspace.onDidChangeWorkspaceFolders(async (event) => {
        for (const removed of event.removed) {
          const root = uriToPath(removed.uri);
          if (root) removeFolder(root);
        }
        for (const added of event.added) {
          const root = uriToPath(added.uri);
          if (root) void startFolder(await addFolder(root));
        }
      });
    }
    ready = startAll();
  });

  async function startFolder(session: MigrationSession, report?: (phase: string, done: number, total: number) => void): Promise<void> {
    try {
      await session.start(report);
      publish(store.refreshAll(session.index));
    } catch (error) {
      logger.error(`Indexing ${session.root} failed: ${(error as Error).stack ?? String(error)}`);
    }
  }

  async function startAll(): Promise<void> {
    const all = await Promise.all(roots.map((root) => addFolder(root)));
    const progress = capabilities.window?.workDoneProgress ? await connection.window.createWorkDoneProgress() : undefined;
    progress?.begin('Stepwise: indexing', 0, 'Reading files', true);
    let lastReport = 0;
    const report = (phase: string, done: number, total: number): void => {
      const now = Date.now();
      if (now - lastReport < 200 && done < total) return;
      lastReport = now;
      progress?.report(total > 0 ? Math.round((done / total) * 100) : 0, `${phase} ${done}/${total}`);
    };
    await Promise.all(all.map((session) => startFolder(session, report)));
    progress?.done();
  }

  connection.onDidChangeConfiguration(async (change) => {
    for (const session of sessions.all()) {
      const pushed = (change.settings as { stepwise?: Partial<StepwiseSettings> } | undefined)?.stepwise;
      const next = capabilities.workspace?.configuration ? await settingsFor(session.root) : pushed ? mergeSettings(pushed) : undefined;
      if (!next) continue;
      await sessions.setSettings(session.root, next);
      publish(store.refreshAll(session.index));
    }
    refreshLenses();
  });

  documents.onDidChangeContent((event) => {
    const found = sessions.locate(event.document.uri);
    if (found) found.index.setDocument(found.rel, event.document.getText(), event.document.version);
  });
  documents.onDidClose((event) => {
    const found = sessions.locate(event.document.uri);
    if (found) void found.index.closeDocument(found.rel);
  });

  connection.onDidChangeWatchedFiles(async (event) => {
    // One batch per folder, in order, so a request arriving meanwhile waits for all of it.
    const byFolder = new Map<MigrationSession, string[]>();
    for (const change of event.changes) {
      const found = sessions.locate(change.uri);
      if (!found) continue;
      // An open document's text comes from the editor, unless the file appeared or went away.
      if (change.type !== FileChangeType.Deleted && change.type !== FileChangeType.Created && documents.get(change.uri)) continue;
      byFolder.set(found.session, [...(byFolder.get(found.session) ?? []), found.rel]);
    }
    await Promise.all([...byFolder].map(([session, rels]) => session.index.filesChangedOnDisk(rels)));
  });

  connection.languages.diagnostics.on(async (params) => {
    // An open document does not wait for the whole workspace: once the files are read, its own
    // analysis jumps the queue (the index refreshes diagnostics as the rest completes).
    await Promise.all(sessions.all().map((s) => s.index.whenRead()));
    const found = sessions.locate(params.textDocument.uri);
    if (!found) return { kind: DocumentDiagnosticReportKind.Full, items: [] };
    store.update(found.index, [found.rel]);
    const report = store.get(params.textDocument.uri);
    if (params.previousResultId === report.resultId) return { kind: DocumentDiagnosticReportKind.Unchanged, resultId: report.resultId };
    return { kind: DocumentDiagnosticReportKind.Full, resultId: report.resultId, items: report.items };
  });

  connection.languages.diagnostics.onWorkspace(async (params, token) => {
    await ready;
    await Promise.all(sessions.all().map((s) => s.index.whenIdle()));
    if (token.isCancellationRequested) return { items: [] };
    const previous = new Map(params.previousResultIds.map((p) => [p.uri, p.value]));
    const items: WorkspaceDocumentDiagnosticReport[] = [];
    for (const uri of new Set([...store.uris(), ...previous.keys()])) {
      const report = store.get(uri);
      const version = documents.get(uri)?.version ?? null;
      if (previous.get(uri) === report.resultId)
        items.push({ kind: DocumentDiagnosticReportKind.Unchanged, uri, resultId: report.resultId, version });
      else items.push({ kind: DocumentDiagnosticReportKind.Full, uri, resultId: report.resultId, version, items: report.items });
    }
    return { items };
  });

  connection.onCodeAction((params) =>
    provideCodeActions(sessions, params, { usesGit: (s) => isGitWorkspace(s.root), clientCommands: initOptions.clientCommands === true }),
  );
  connection.onCodeActionResolve((action) => resolveCodeAction(sessions, action, editCapabilities));
  const lensOptions = (): CodeLensOptions => ({ clientCommands: initOptions.clientCommands === true, usesGit: isGitWorkspace });
  connection.onCodeLens((params) => provideCodeLenses(sessions, params, lensOptions()));
  connection.onCodeLensResolve((lens) => resolveCodeLens(sessions, lens, lensOptions()));

  connection.onRequest(IndexStatusRequest.type, (params) => sessions.forUri(params?.uri)?.indexSummary() ?? null);
  connection.onRequest(PlanRequest.type, async (params) => {
    await ready;
    const session = sessions.forUri(params?.uri);
    return session ? { root: session.root, entries: await session.plan() } : null;
  });
  connection.onRequest(DossierRequest.type, async (params) => {
    await ready;
    const found = sessions.locate(params.uri);
    if (!found) return { error: 'This file is not in a Stepwise workspace folder.' };
    const result = await found.session.dossier(found.rel);
    return 'error' in result ? result : { dossier: result };
  });
  connection.onRequest(FileUsagesRequest.type, async (params) => {
    await ready;
    const found = sessions.locate(params.uri);
    if (!found) return { usages: [] };
    const items = await found.session.usages(found.rel);
    const ranges = new RangeConverter(found.index.textOf(found.rel) ?? '');
    return { usages: items.map(({ span, ...item }) => ({ ...item, range: ranges.range(span) })) };
  });
  connection.onRequest(LegacyCandidatesRequest.type, async (params) => {
    await ready;
    const session = sessions.forUri(params?.uri);
    if (!session) return null;
    const candidates = await session.legacyCandidates();
    return {
      root: session.root,
      specExists: session.index.specText() !== undefined,
      candidates: candidates.map((c) => ({ module: c.module, exports: c.exports, preset: c.preset, reasons: c.reasons })),
    };
  });
  connection.onRequest(InitSpecRequest.type, async (params): Promise<InitSpecRequest.Result> => {
    await ready;
    const session = sessions.forUri(params?.uri);
    if (!session) return { ok: false, error: 'Open a folder first: a migration spec belongs to a workspace folder.' };
    if (typeof params.legacyModule !== 'string' || params.legacyModule.trim() === '')
      return { ok: false, error: 'Say which module is the legacy cache.' };
    const written = await session.init({
      legacyModule: params.legacyModule,
      exports: Array.isArray(params.exports) ? params.exports.filter((e): e is string => typeof e === 'string') : undefined,
      preset: typeof params.preset === 'string' ? params.preset : undefined,
      force: params.force === true,
    });
    // The index reads the new spec as soon as it is on disk (its own watcher or the editor's).
    if ('error' in written) return { ok: false, error: written.error };
    await session.index.filesChangedOnDisk([written.written]);
    return { ok: true, root: session.root, written: written.written };
  });
  connection.onRequest(AnalyzeRequest.type, async (params) => {
    await ready;
    return (await sessions.forUri(params?.uri)?.analyze()) ?? null;
  });

  documents.listen(connection);
  connection.listen();
  logger.info(`Stepwise server started (pid ${process.pid}); spec file: ${specRelativePath}.`);
  return connection;
}
