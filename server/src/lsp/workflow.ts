import { ErrorCodes, MessageType, ResponseError, ShowMessageNotification } from 'vscode-languageserver';
import type { CancellationToken, Connection, ExecuteCommandParams, WorkDoneProgressReporter } from 'vscode-languageserver';
import {
  AdvanceClockRequest,
  FileAtCommitRequest,
  ReportRequest,
  ServerCommands,
  SessionsRequest,
  SetTrustNotification,
  RemoveAdapterRequest,
  WorkflowStatusRequest,
  actionOfCommand,
  actionTitles,
} from '../protocol';
import type { WorkflowCommandArgs, WorkflowCommandResult } from '../protocol';
import { liveResources } from '../util/resources';
import type { AdjustableClock } from '../workflow/clock';
import type { Sessions } from './sessions';

export interface WorkflowWiring {
  /** The commands to announce in `executeCommandProvider`. */
  commands: string[];
  /** Whether commands from the workspace may run now. */
  trusted(): boolean;
}

/**
 * Wires the per-file workflow to LSP: the actions as `workspace/executeCommand` (usable from any
 * LSP client: questions through `window/showMessageRequest`, progress through `$/progress`,
 * cancellation through the request), the status, the report, a file at a commit, and trust.
 */
export function wireWorkflow(
  connection: Connection,
  sessions: Sessions,
  options: {
    initiallyTrusted: boolean;
    clientName: () => string;
    serverProgress: () => boolean;
    testClock?: AdjustableClock;
  },
): WorkflowWiring {
  let trusted = options.initiallyTrusted;

  const located = (uri: unknown): NonNullable<ReturnType<Sessions['locate']>> => {
    const found = typeof uri === 'string' ? sessions.locate(uri) : undefined;
    if (!found) throw new ResponseError(ErrorCodes.InvalidParams, 'This file is not in a Stepwise workspace folder.');
    return found;
  };

  const folder = (uri: string | undefined): NonNullable<ReturnType<Sessions['forUri']>> => {
    const session = sessions.forUri(uri);
    if (!session) throw new ResponseError(ErrorCodes.InvalidParams, 'This is not a Stepwise workspace folder.');
    return session;
  };

  /** The progress to report on: the client's token, else one the server creates (when the client can show it). */
  const progressFor = async (
    params: ExecuteCommandParams,
    reporter: WorkDoneProgressReporter,
  ): Promise<WorkDoneProgressReporter | undefined> => {
    if (params.workDoneToken !== undefined) return reporter;
    return options.serverProgress() ? connection.window.createWorkDoneProgress() : undefined;
  };

  const ask = async (message: string, yes: string): Promise<boolean> =>
    (await connection.window.showWarningMessage(message, { title: yes }, { title: 'Cancel' }))?.title === yes;

  connection.onExecuteCommand(async (params, token, reporter): Promise<WorkflowCommandResult> => {
    const action = actionOfCommand(params.command);
    if (!action) throw new ResponseError(ErrorCodes.MethodNotFound, `Stepwise has no command ${params.command}.`);
    const args = (params.arguments?.[0] ?? {}) as Partial<WorkflowCommandArgs>;
    const { session, rel } = located(args.uri);
    const problem = argumentProblem(args);
    if (problem) throw new ResponseError(ErrorCodes.InvalidParams, problem);
    const asks = args.confirmations !== 'return';
    if (
      asks &&
      action === 'revert' &&
      !(await ask(`Revert the migration of ${rel}? Stepwise runs git revert of its migration commit.`, 'Revert'))
    )
      return { ok: false, file: rel, error: `The migration of ${rel} was not reverted (cancelled).` };
    const progress = await progressFor(params, reporter);
    progress?.begin(`Stepwise: ${actionTitles[action]} ${rel}`, undefined, undefined, action !== 'approve');
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    (progress as { token?: CancellationToken } | undefined)?.token?.onCancellationRequested(() => abort.abort());
    const control = { signal: abort.signal, progress: (message: string) => progress?.report(message) };
    try {
      let result = await session.run(action, rel, { version: args.version, force: args.force, reason: args.reason }, control);
      if (!result.ok && result.needsConfirmation && asks && (await ask(`${result.error} Migrate it anyway?`, 'Migrate anyway'))) {
        const reason = `confirmed out of plan order in ${options.clientName()}`;
        result = await session.run(action, rel, { force: true, reason }, control);
      }
      // A client that asks its own questions also says how it went; for the others the server does.
      if (asks) {
        const shown = result.ok ? { type: MessageType.Info, message: result.message } : { type: MessageType.Error, message: result.error };
        void connection.sendNotification(ShowMessageNotification.type, shown);
      }
      return result;
    } finally {
      progress?.done();
    }
  });

  connection.onRequest(WorkflowStatusRequest.type, (params) => folder(params?.uri).workflow());
  connection.onRequest(RemoveAdapterRequest.type, async (params): Promise<RemoveAdapterRequest.Result> => {
    if (typeof params?.confirmation !== 'string') return { ok: false, error: "Type the adapter's path to confirm." };
    const result = await folder(params.uri).removeAdapter(params.confirmation);
    return result.ok ? { ok: true, message: result.message } : { ok: false, error: result.error };
  });
  connection.onRequest(ReportRequest.type, async (params) => ({ markdown: await folder(params?.uri).report() }));
  connection.onRequest(FileAtCommitRequest.type, async (params) => {
    const found = sessions.locate(params.uri);
    if (!found || typeof params.commit !== 'string') return { text: null };
    return { text: (await found.session.fileAt(params.commit, found.rel)) ?? null };
  });

  connection.onNotification(SetTrustNotification.type, (params) => {
    trusted = params.trusted === true;
    for (const session of sessions.all()) session.trustChanged();
  });

  // Tests only: the clock moves when a test says so, and the sessions can be inspected.
  connection.onRequest(AdvanceClockRequest.type, async (params) => {
    const clock = options.testClock;
    if (!clock) throw new ResponseError(ErrorCodes.MethodNotFound, 'The test clock is off (start the server with STEPWISE_TEST_CLOCK=1).');
    clock.advance(params.ms);
    await Promise.all(sessions.all().map((s) => s.clockChanged()));
    return { now: clock.now() };
  });
  connection.onRequest(SessionsRequest.type, () => {
    if (!options.testClock)
      throw new ResponseError(ErrorCodes.MethodNotFound, 'Only for tests (start the server with STEPWISE_TEST_CLOCK=1).');
    return { roots: sessions.all().map((s) => s.root), resources: liveResources() };
  });

  return { commands: Object.values(ServerCommands), trusted: () => trusted };
}

/** What is wrong with a workflow command's arguments (their types), or undefined. */
function argumentProblem(args: Partial<WorkflowCommandArgs>): string | undefined {
  if (typeof args !== 'object' || args === null) return 'The command takes one object argument.';
  if (args.force !== undefined && typeof args.force !== 'boolean') return 'force must be true or false.';
  if (args.version !== undefined && args.version !== null && !Number.isInteger(args.version)) return 'version must be a number.';
  if (args.reason !== undefined && typeof args.reason !== 'string') return 'reason must be text.';
  if (args.confirmations !== undefined && args.confirmations !== 'return' && args.confirmations !== 'ask')
    return 'confirmations must be "ask" or "return".';
  return undefined;
}
