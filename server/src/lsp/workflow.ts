import { ErrorCodes, ResponseError } from 'vscode-languageserver';
import type { CancellationToken, Connection } from 'vscode-languageserver';
import {
  AdvanceClockRequest,
  FileAtCommitRequest,
  ObservationEndedNotification,
  OutputNotification,
  ProgressNotification,
  ReportRequest,
  SetTrustNotification,
  WorkflowActionRequest,
  WorkflowChangedNotification,
  WorkflowStatusRequest,
} from '../protocol';
import type { StepwiseSettings } from '../protocol';
import type { Logger } from '../util/logger';
import { AdjustableClock, systemClock } from '../workflow/clock';
import type { Clock } from '../workflow/clock';
import { WorkflowEngine } from '../workflow/engine';
import type { WorkspaceIndex } from '../workspace/workspaceIndex';
import type { Folders } from './folders';

export interface WorkflowWiring {
  /** The engine of a folder, created on first use. */
  engineFor(index: WorkspaceIndex): WorkflowEngine;
  /** Starts watching git for every folder (after the first index). */
  start(): Promise<void>;
}

/**
 * Wires the per-file workflow to LSP: status, actions with progress and cancellation, the report,
 * file contents at a commit, trust, and the notifications that keep the client's view current.
 */
export function wireWorkflow(
  connection: Connection,
  folders: Folders,
  settings: () => StepwiseSettings,
  logger: Logger,
  initiallyTrusted: boolean,
): WorkflowWiring {
  const testClock = process.env.STEPWISE_TEST_CLOCK === '1' ? new AdjustableClock() : undefined;
  const clock: Clock = testClock ?? systemClock;
  let trusted = initiallyTrusted;
  const engines = new Map<WorkspaceIndex, WorkflowEngine>();
  const pending = new Map<string, NodeJS.Timeout>();

  const changed = (root: string): void => {
    clearTimeout(pending.get(root));
    pending.set(
      root,
      setTimeout(() => {
        pending.delete(root);
        void connection.sendNotification(WorkflowChangedNotification.method, { root });
      }, 100),
    );
  };

  const engineFor = (index: WorkspaceIndex): WorkflowEngine => {
    let engine = engines.get(index);
    if (!engine) {
      engine = new WorkflowEngine(index, {
        clock,
        logger,
        trusted: () => trusted,
        autoRevert: () => settings().verification.autoRevert,
        output: (text) => void connection.sendNotification(OutputNotification.method, { text }),
      });
      engine.onDidChange.on(() => changed(index.root));
      engine.onObservationEnded.on(
        (path) => void connection.sendNotification(ObservationEndedNotification.method, { root: index.root, path }),
      );
      index.onDidChangeAnalyses.on(() => changed(index.root));
      engines.set(index, engine);
    }
    return engine;
  };

  const folderOf = (uri: string | undefined): WorkspaceIndex => {
    const index = folders.forUri(uri);
    if (!index) throw new ResponseError(ErrorCodes.InvalidParams, 'This is not a Stepwise workspace folder.');
    return index;
  };

  connection.onRequest(
    WorkflowStatusRequest.method,
    async (params: WorkflowStatusRequest.Params): Promise<WorkflowStatusRequest.Result> => {
      const index = folderOf(params?.uri);
      const status = await engineFor(index).status();
      return { ...status, root: index.root, title: index.currentSpec()?.title, trusted, now: clock.now() };
    },
  );

  connection.onRequest(
    WorkflowActionRequest.method,
    async (params: WorkflowActionRequest.Params, token: CancellationToken): Promise<WorkflowActionRequest.Result> => {
      const found = folders.locate(params.uri);
      if (!found) throw new ResponseError(ErrorCodes.InvalidParams, 'This file is not in a Stepwise workspace folder.');
      const { index, rel } = found;
      const engine = engineFor(index);
      if (params.version !== undefined && params.version !== (index.versionOf(rel) ?? null)) {
        return { ok: false, file: rel, error: `${rel} changed since this was offered; ask again.` };
      }
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      const control = {
        signal: abort.signal,
        progress: (message: string) => {
          if (params.progressId) void connection.sendNotification(ProgressNotification.method, { progressId: params.progressId, message });
        },
      };
      switch (params.action) {
        case 'analyze':
          return engine.analyze(rel, control);
        case 'migrate':
          return engine.migrate(rel, { force: params.force, reason: params.reason }, control);
        case 'verify':
          return engine.verify(rel, control);
        case 'approve':
          return engine.approve(rel);
        case 'revert':
          return engine.revert(rel, params.reason ?? 'reverted from the editor', control);
      }
    },
  );

  connection.onRequest(ReportRequest.method, async (params: ReportRequest.Params): Promise<ReportRequest.Result> => ({
    markdown: await engineFor(folderOf(params?.uri)).report(),
  }));

  connection.onRequest(FileAtCommitRequest.method, async (params: FileAtCommitRequest.Params): Promise<FileAtCommitRequest.Result> => {
    const found = folders.locate(params.uri);
    if (!found) return { text: null };
    return { text: (await engineFor(found.index).showAt(params.commit, found.rel)) ?? null };
  });

  connection.onNotification(SetTrustNotification.method, (params: SetTrustNotification.Params) => {
    trusted = params.trusted;
    for (const index of engines.keys()) changed(index.root);
  });

  connection.onRequest(AdvanceClockRequest.method, async (params: AdvanceClockRequest.Params) => {
    if (!testClock)
      throw new ResponseError(ErrorCodes.MethodNotFound, 'The test clock is off (start the server with STEPWISE_TEST_CLOCK=1).');
    testClock.advance(params.ms);
    await Promise.all([...engines.values()].map((e) => e.clockChanged()));
    return { now: testClock.now() };
  });

  return {
    engineFor,
    start: async () => {
      await Promise.all(folders.all().map((index) => engineFor(index).startWatching()));
    },
  };
}
