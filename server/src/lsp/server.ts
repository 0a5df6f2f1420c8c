import {
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
import { analyzeReport, dossierOf, planEntries } from '../operations/overview';
import { AnalyzeRequest, DossierRequest, IndexStatusRequest, PlanRequest, StatusChangedNotification, defaultSettings } from '../protocol';
import type { StepwiseSettings } from '../protocol';
import { specRelativePath } from '../spec/validate';
import type { Logger } from '../util/logger';
import type { WorkspaceIndex } from '../workspace/workspaceIndex';
import { codeActionKinds, provideCodeActions, resolveCodeAction } from './codeActions';
import type { EditCapabilities } from './codeActions';
import { uriToPath } from './convert';
import { DiagnosticStore } from './diagnostics';
import { Folders } from './folders';
import { isGitWorkspace } from './gitWorkspace';
import { wireWorkflow } from './workflow';
import type { WorkflowWiring } from './workflow';

/**
 * Starts the Stepwise language server on the transport given on the command line (`--stdio`,
 * `--node-ipc`, `--socket=N`). This is the only layer that speaks LSP; everything it answers
 * comes from the workspace index and the operations on it.
 */
export function startServer(): Connection {
  const connection = createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(TextDocument);
  const logger: Logger = {
    error: (m) => connection.console.error(m),
    warn: (m) => connection.console.warn(m),
    info: (m) => connection.console.info(m),
    debug: (m) => connection.console.log(m),
  };
  let settings: StepwiseSettings = defaultSettings;
  const folders = new Folders(logger, settings.exclude);
  const store = new DiagnosticStore(folders, () => settings);
  let capabilities: ClientCapabilities = {};
  let editCapabilities: EditCapabilities = { documentChanges: false, createFiles: false };
  let pull = false;
  let ready: Promise<void> = Promise.resolve();
  let workflow: WorkflowWiring | undefined;

  const statusOf = (index: WorkspaceIndex): IndexStatusRequest.Result => ({
    root: index.root,
    status: index.status(),
    specProblems: index.specProblems(),
    title: index.currentSpec()?.title,
  });

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

  const watch = (index: WorkspaceIndex): void => {
    index.onDidChangeAnalyses.on((rels) => publish(store.update(index, rels)));
    index.onDidChangeSpec.on(() => publish(store.refreshAll(index)));
    index.onDidChangeStatus.on(() => void connection.sendNotification(StatusChangedNotification.method, statusOf(index)));
  };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    capabilities = params.capabilities;
    pull = capabilities.textDocument?.diagnostic !== undefined;
    const workspaceEdit = capabilities.workspace?.workspaceEdit;
    editCapabilities = {
      documentChanges: workspaceEdit?.documentChanges === true,
      createFiles: workspaceEdit?.resourceOperations?.includes('create') === true,
    };
    const initOptions = params.initializationOptions as { settings?: Partial<StepwiseSettings>; trusted?: boolean } | undefined;
    if (initOptions?.settings) settings = mergeSettings(initOptions.settings);
    // Without a word from the client (another editor), commands from the workspace do not run.
    workflow = wireWorkflow(connection, folders, () => settings, logger, initOptions?.trusted === true);
    const roots =
      params.workspaceFolders?.map((f) => uriToPath(f.uri)).filter((p): p is string => p !== undefined) ??
      (params.rootUri ? [uriToPath(params.rootUri)].filter((p): p is string => p !== undefined) : []);
    for (const root of roots) watch(folders.add(root));
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeActionProvider: { codeActionKinds, resolveProvider: true },
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
      connection.workspace.onDidChangeWorkspaceFolders((event) => {
        for (const removed of event.removed) {
          const root = uriToPath(removed.uri);
          if (root) folders.remove(root);
        }
        for (const added of event.added) {
          const root = uriToPath(added.uri);
          if (!root) continue;
          const index = folders.add(root);
          watch(index);
          void index.start();
        }
      });
    }
    ready = indexAll();
  });

  async function indexAll(): Promise<void> {
    const progress = capabilities.window?.workDoneProgress ? await connection.window.createWorkDoneProgress() : undefined;
    progress?.begin('Stepwise: indexing', 0, 'Reading files', true);
    let lastReport = 0;
    try {
      await folders.startAll((phase, done, total) => {
        const now = Date.now();
        if (now - lastReport < 200 && done < total) return;
        lastReport = now;
        progress?.report(total > 0 ? Math.round((done / total) * 100) : 0, `${phase} ${done}/${total}`);
      });
      for (const index of folders.all()) publish(store.refreshAll(index));
    } catch (error) {
      logger.error(`Indexing failed: ${(error as Error).stack ?? String(error)}`);
    } finally {
      progress?.done();
    }
    await workflow?.start();
  }

  connection.onDidChangeConfiguration(async (change) => {
    let next: Partial<StepwiseSettings> | undefined = (change.settings as { stepwise?: Partial<StepwiseSettings> } | undefined)?.stepwise;
    if (capabilities.workspace?.configuration) {
      next = (await connection.workspace.getConfiguration('stepwise')) as Partial<StepwiseSettings>;
    }
    if (!next) return;
    settings = mergeSettings(next);
    await folders.setExclude(settings.exclude);
    for (const index of folders.all()) publish(store.refreshAll(index));
  });

  documents.onDidChangeContent((event) => {
    const found = folders.locate(event.document.uri);
    if (found) found.index.setDocument(found.rel, event.document.getText(), event.document.version);
  });
  documents.onDidClose((event) => {
    const found = folders.locate(event.document.uri);
    if (found) void found.index.closeDocument(found.rel);
  });

  connection.onDidChangeWatchedFiles(async (event) => {
    // One batch per folder, in order, so a request arriving meanwhile waits for all of it.
    const byIndex = new Map<WorkspaceIndex, string[]>();
    for (const change of event.changes) {
      const found = folders.locate(change.uri);
      if (!found) continue;
      // An open document's text comes from the editor, unless the file appeared or went away.
      if (change.type !== FileChangeType.Deleted && change.type !== FileChangeType.Created && documents.get(change.uri)) continue;
      byIndex.set(found.index, [...(byIndex.get(found.index) ?? []), found.rel]);
    }
    await Promise.all([...byIndex].map(([index, rels]) => index.filesChangedOnDisk(rels)));
  });

  connection.languages.diagnostics.on(async (params) => {
    // An open document does not wait for the whole workspace: once the files are read, its own
    // analysis jumps the queue (the index refreshes diagnostics as the rest completes).
    await Promise.all(folders.all().map((i) => i.whenRead()));
    const found = folders.locate(params.textDocument.uri);
    if (!found) return { kind: DocumentDiagnosticReportKind.Full, items: [] };
    store.update(found.index, [found.rel]);
    const report = store.get(params.textDocument.uri);
    if (params.previousResultId === report.resultId) return { kind: DocumentDiagnosticReportKind.Unchanged, resultId: report.resultId };
    return { kind: DocumentDiagnosticReportKind.Full, resultId: report.resultId, items: report.items };
  });

  connection.languages.diagnostics.onWorkspace(async (params, token) => {
    await ready;
    await Promise.all(folders.all().map((i) => i.whenIdle()));
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

  connection.onCodeAction((params) => provideCodeActions(folders, params, (index) => isGitWorkspace(index.root)));
  connection.onCodeActionResolve((action) => resolveCodeAction(folders, action, editCapabilities));

  connection.onRequest(IndexStatusRequest.method, (params: IndexStatusRequest.Params) => {
    const index = folders.forUri(params?.uri);
    return index ? statusOf(index) : null;
  });
  connection.onRequest(PlanRequest.method, async (params: PlanRequest.Params): Promise<PlanRequest.Result | null> => {
    await ready;
    const index = folders.forUri(params?.uri);
    if (!index) return null;
    await index.whenIdle();
    return { root: index.root, entries: planEntries(index) };
  });
  connection.onRequest(DossierRequest.method, async (params: DossierRequest.Params): Promise<DossierRequest.Result> => {
    await ready;
    const found = folders.locate(params.uri);
    if (!found) return { error: 'This file is not in a Stepwise workspace folder.' };
    await found.index.whenIdle();
    const result = dossierOf(found.index, found.rel);
    if (!('error' in result)) return { dossier: result };
    // A migrated file no longer uses the legacy API; its analysis is the one recorded before the move.
    const recorded = workflow ? await workflow.engineFor(found.index).recordedDossier(found.rel) : undefined;
    return recorded ? { dossier: recorded } : result;
  });
  connection.onRequest(AnalyzeRequest.method, async (params: AnalyzeRequest.Params): Promise<AnalyzeRequest.Result | null> => {
    await ready;
    const index = folders.forUri(params?.uri);
    if (!index) return null;
    await index.whenIdle();
    return analyzeReport(index);
  });

  documents.listen(connection);
  connection.listen();
  logger.info(`Stepwise server started (pid ${process.pid}); spec file: ${specRelativePath}.`);
  return connection;
}

function mergeSettings(partial: Partial<StepwiseSettings>): StepwiseSettings {
  return {
    exclude: Array.isArray(partial.exclude) ? partial.exclude : defaultSettings.exclude,
    diagnostics: { ...defaultSettings.diagnostics, ...(partial.diagnostics ?? {}) },
    verification: { ...defaultSettings.verification, ...(partial.verification ?? {}) },
  };
}
