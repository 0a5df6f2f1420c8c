/**
 * The contract between the Stepwise language server and its clients: typed handles for the
 * custom LSP methods and the server's commands (`workspace/executeCommand`), with their parameter
 * and result types, and the identifiers (commands, diagnostic codes, code action kinds, settings)
 * others rely on. A leaf: it imports only the wire types (`protocol/wire.ts`) and the LSP protocol's
 * handle classes, never the core; the core produces these types, the client and the webview
 * compile against them alone.
 */
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type {
  AnalyzeReport,
  Dossier,
  EngineResult,
  FileState,
  FileStatus,
  IndexStatus,
  PlanEntry,
  RolloutState,
  SpecProblem,
  WorkflowAction,
  WorkflowStatus,
} from './protocol/wire';

export type * from './protocol/wire';

/** Identifies a workspace folder (or a file in it) by URI. */
export interface FolderParams {
  /** A workspace folder URI, or any file URI inside one; omitted means the first folder. */
  uri?: string;
}

/** Where one folder's index stands, and its spec's problems. */
export interface IndexSummary {
  root: string;
  status: IndexStatus;
  specProblems: SpecProblem[];
  /** The migration's title, when the spec is valid. */
  title?: string;
}

/** One folder's workflow status as every client surface shows it. */
export interface WorkflowSnapshot extends WorkflowStatus {
  root: string;
  title?: string;
  /** The generated adapter's path (the spec's adapter.module), while there is a valid spec. */
  adapterModule?: string;
  /** Whether commands from the workspace may run (workspace trust). */
  trusted: boolean;
  /** The server's clock (ms), so countdowns agree with the engine's deadlines. */
  now: number;
  /** The adapter's rollout, once there is something to show (an adapter, a mode, a report). */
  rollout?: RolloutState | null;
}

/** `stepwise/indexStatus` — client → server, any time: where indexing stands, and the spec's problems. */
export namespace IndexStatusRequest {
  export const method = 'stepwise/indexStatus' as const;
  export type Params = FolderParams;
  export type Result = IndexSummary;
  export const type = new RequestType<Params, Result | null, void>(method);
}

/** `stepwise/statusChanged` — server → client whenever a folder's index state or counts change. */
export namespace StatusChangedNotification {
  export const method = 'stepwise/statusChanged' as const;
  export type Params = IndexSummary;
  export const type = new NotificationType<Params>(method);
}

/** `stepwise/plan` — client → server: the migration order with each file's risk (waits for the index). */
export namespace PlanRequest {
  export const method = 'stepwise/plan' as const;
  export type Params = FolderParams;
  export interface Result {
    root: string;
    entries: PlanEntry[];
  }
  export const type = new RequestType<Params, Result | null, void>(method);
}

/** `stepwise/dossier` — client → server: the pre-move dossier of one file (the recorded one once it moved). */
export namespace DossierRequest {
  export const method = 'stepwise/dossier' as const;
  export interface Params {
    uri: string;
  }
  export type Result = { dossier: Dossier } | { error: string };
  export const type = new RequestType<Params, Result, void>(method);
}

/** `stepwise/analyze` — client → server: the same report as `stepwise analyze --json`. */
export namespace AnalyzeRequest {
  export const method = 'stepwise/analyze' as const;
  export type Params = FolderParams;
  export type Result = AnalyzeReport;
  export const type = new RequestType<Params, Result | null, void>(method);
}

/**
 * `stepwise/workflowStatus` — client → server: one folder's workflow status. The server also
 * pushes it, whenever it changed, in `stepwise/workflowChanged`; clients keep the last one.
 */
export namespace WorkflowStatusRequest {
  export const method = 'stepwise/workflowStatus' as const;
  export type Params = FolderParams;
  export type Result = WorkflowSnapshot;
  export const type = new RequestType<Params, Result, void>(method);
}

/** `stepwise/workflowChanged` — server → client: a folder's workflow status, pushed when it changed. */
export namespace WorkflowChangedNotification {
  export const method = 'stepwise/workflowChanged' as const;
  export type Params = WorkflowSnapshot;
  export const type = new NotificationType<Params>(method);
}

/** `stepwise/output` — server → client: output of the commands verification runs (for the log). */
export namespace OutputNotification {
  export const method = 'stepwise/output' as const;
  export interface Params {
    text: string;
  }
  export const type = new NotificationType<Params>(method);
}

/** `stepwise/observationEnded` — server → client: a file's observation ended; it awaits approval. */
export namespace ObservationEndedNotification {
  export const method = 'stepwise/observationEnded' as const;
  export interface Params {
    root: string;
    path: string;
  }
  export const type = new NotificationType<Params>(method);
}

/** `stepwise/report` — client → server: the markdown migration report. */
export namespace ReportRequest {
  export const method = 'stepwise/report' as const;
  export type Params = FolderParams;
  export interface Result {
    markdown: string;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** `stepwise/fileAtCommit` — client → server: a file's text at a commit (to show a migration's diff). */
export namespace FileAtCommitRequest {
  export const method = 'stepwise/fileAtCommit' as const;
  export interface Params {
    /** A file URI in the workspace folder. */
    uri: string;
    /** An object id, optionally followed by `^` (its parent); anything else is refused. */
    commit: string;
  }
  export interface Result {
    text: string | null;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** A module that looks like the legacy cache (what `stepwise init` offers), best first. */
export interface SpecCandidate {
  module: string;
  exports: string[];
  preset?: string;
  reasons: string[];
}

/** `stepwise/legacyCandidates` — client → server: modules that look like the legacy cache (for a first spec). */
export namespace LegacyCandidatesRequest {
  export const method = 'stepwise/legacyCandidates' as const;
  export type Params = FolderParams;
  export interface Result {
    root: string;
    /** Whether the folder has a spec already (writing one would replace it). */
    specExists: boolean;
    candidates: SpecCandidate[];
  }
  export const type = new RequestType<Params, Result | null, void>(method);
}

/** `stepwise/initSpec` — client → server: writes a starter `.stepwise/migration.json` (as `stepwise init`). */
export namespace InitSpecRequest {
  export const method = 'stepwise/initSpec' as const;
  export interface Params extends FolderParams {
    legacyModule: string;
    exports?: string[];
    preset?: string;
    /** Replace a spec that exists. */
    force?: boolean;
  }
  export type Result = { ok: true; root: string; written: string } | { ok: false; error: string };
  export const type = new RequestType<Params, Result, void>(method);
}

/** One legacy usage of a file, as the Migration view lists it under the file. */
export interface FileUsageItem {
  /** Zero-based, as in LSP. */
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  /** Short: `new AsyncTTLCache(…)`, `cache.get`, `import AsyncTTLCache`. */
  label: string;
  /** The usage's message (what happens to it when the file moves). */
  detail: string;
  /** Whether the move leaves it to a person or changes its meaning (it is squiggled). */
  needsChange: boolean;
  /** The function or class member it is in, e.g. `SessionStore.load`. */
  container?: string;
}

/** `stepwise/fileUsages` — client → server: a file's legacy usages with where they are (waits for the index). */
export namespace FileUsagesRequest {
  export const method = 'stepwise/fileUsages' as const;
  export interface Params {
    uri: string;
  }
  export interface Result {
    usages: FileUsageItem[];
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** `stepwise/setTrust` — client → server: workspace trust changed (commands may run when trusted). */
export namespace SetTrustNotification {
  export const method = 'stepwise/setTrust' as const;
  export interface Params {
    trusted: boolean;
  }
  export const type = new NotificationType<Params>(method);
}

/**
 * `stepwise/test/advanceClock` — tests only: moves the workflow clock forward (the server accepts
 * it only when started with STEPWISE_TEST_CLOCK=1), so observation timers end without waiting.
 */
export namespace AdvanceClockRequest {
  export const method = 'stepwise/test/advanceClock' as const;
  export interface Params {
    ms: number;
  }
  export const type = new RequestType<Params, { now: number }, void>(method);
}

/**
 * `stepwise/test/sessions` — tests only (STEPWISE_TEST_CLOCK=1): the folders the server has a
 * session for, and the timers and watchers the process holds, so a test can see a removed
 * folder leave nothing behind.
 */
export namespace SessionsRequest {
  export const method = 'stepwise/test/sessions' as const;
  export interface Result {
    roots: string[];
    /** Live timers and watchers by folder and kind (`{ "/work/a": { timer: 1, watcher: 3 } }`). */
    resources: Record<string, Record<string, number>>;
  }
  export const type = new RequestType<Record<string, never>, Result, void>(method);
}

/**
 * The server's commands, run through `workspace/executeCommand` by any LSP client (the code
 * actions carry them). Each takes one `WorkflowCommandArgs` and answers an `EngineResult`.
 * Progress arrives as `$/progress` (on the request's `workDoneToken`, or one the server creates);
 * cancelling the request cancels the action.
 */
export const ServerCommands = {
  analyze: 'stepwise.server.analyze',
  migrate: 'stepwise.server.migrate',
  verify: 'stepwise.server.verify',
  approve: 'stepwise.server.approve',
  revert: 'stepwise.server.revert',
} as const satisfies Record<WorkflowAction, string>;

/** How progress names each action ("Migrating src/a.ts"), in every client. */
export const actionTitles: Record<WorkflowAction, string> = {
  analyze: 'Recording the pre-move analysis and baseline of',
  migrate: 'Migrating',
  verify: 'Verifying',
  approve: 'Approving',
  revert: 'Reverting',
};

export interface WorkflowCommandArgs {
  /** The file's URI. */
  uri: string;
  /** The document version the command was offered for (code actions); another version is refused. */
  version?: number | null;
  /** For migrate out of plan order: go ahead, with the reason (recorded in the commit). */
  force?: boolean;
  reason?: string;
  /**
   * How questions are asked. `ask` (the default): the server asks through
   * `window/showMessageRequest` (migrate out of plan order, revert). `return`: the client asked
   * already, or asks itself when the result says `needsConfirmation` (VS Code's input box).
   */
  confirmations?: 'ask' | 'return';
}

export type WorkflowCommandResult = EngineResult;

/** The workflow action a server command runs, if it is one. */
export function actionOfCommand(command: string): WorkflowAction | undefined {
  return (Object.keys(ServerCommands) as WorkflowAction[]).find((action) => ServerCommands[action] === command);
}

/** Data carried by Stepwise code actions until `codeAction/resolve` computes their edit. */
export interface CodeActionData {
  action: 'migrate-file' | 'route-site';
  uri: string;
  /** The document version the action was offered for; a different version at resolve is refused. */
  version: number | null;
  /** For `route-site`: the offset where the import-like statement starts. */
  siteStart?: number;
}

/** Stable diagnostic codes (shown in the Problems panel, usable in filters). */
export const DiagnosticCodes = {
  import: 'legacy-import',
  require: 'legacy-require',
  reexport: 'legacy-reexport',
  dynamicImport: 'legacy-dynamic-import',
  new: 'legacy-new',
  call: 'legacy-call',
  type: 'legacy-type',
  incompatibleMember: 'incompatible-member',
  manualMember: 'manual-member',
  /** A construction or factory call whose rewrite needs a person: an option with no counterpart, an await the code cannot take. */
  manualConstruction: 'manual-construction',
  /** A read or write of a variable the legacy configuration depends on (information). */
  configuration: 'legacy-configuration',
  /** A test that sets the legacy configuration: a fixture to replace with the factory's test method. */
  configurationFixture: 'legacy-configuration-fixture',
  routingPrefix: 'routing-',
  /** Followed by the shape rule's id: `shape-lru-cache/positional-ttl`. */
  shapePrefix: 'shape-',
  specError: 'spec-error',
  specWarning: 'spec-warning',
} as const;

export const diagnosticSource = 'stepwise';

/** Code action kinds (hierarchical, so clients can filter on `quickfix.stepwise`). */
export const CodeActionKinds = {
  migrateFile: 'quickfix.stepwise.migrateFile',
  routeSite: 'quickfix.stepwise.routeImport',
  showDossier: 'quickfix.stepwise.showDossier',
  openChecklist: 'quickfix.stepwise.openChecklist',
  sourceMigrateFile: 'source.stepwise.migrateFile',
} as const;

/** Commands the VS Code client implements (the server refers to the first two in code actions). */
export const Commands = {
  showDossier: 'stepwise.showDossier',
  openChecklist: 'stepwise.openChecklist',
  showPlan: 'stepwise.showPlan',
  showLog: 'stepwise.showLog',
  restartServer: 'stepwise.restartServer',
  analyzeFile: 'stepwise.analyzeFile',
  migrateFile: 'stepwise.migrateFile',
  verifyFile: 'stepwise.verifyFile',
  approveFile: 'stepwise.approveFile',
  revertFile: 'stepwise.revertFile',
  openMigrationDiff: 'stepwise.openMigrationDiff',
  exportReport: 'stepwise.exportReport',
  rolloutNext: 'stepwise.rolloutNext',
  rollback: 'stepwise.rollback',
  rolloutDrill: 'stepwise.rolloutDrill',
  setRedisPassword: 'stepwise.setRedisPassword',
  removeAdapter: 'stepwise.removeAdapter',
  createSpec: 'stepwise.createSpec',
  openNextFile: 'stepwise.openNextFile',
} as const;

/** Settings (all under `stepwise.`, per workspace folder), read by the server through `workspace/configuration`. */
export interface StepwiseSettings {
  /** Globs left out of the index, in addition to .gitignore. */
  exclude: string[];
  diagnostics: {
    /** Severity of legacy usages. */
    severity: 'error' | 'warning' | 'information' | 'hint';
    /** Whether routing issues are shown as information diagnostics. */
    routingIssues: boolean;
  };
  verification: {
    /** Revert a file's migration at once when its verification fails. */
    autoRevert: boolean;
  };
  redis: {
    /** The rollout's control plane on Redis (empty: the spec's redis.url, else the local file store). */
    url: string;
  };
  codeLens: {
    /** Whether lenses above legacy code say its usages, the next step and the pre-move analysis. */
    enabled: boolean;
  };
}

export const defaultSettings: StepwiseSettings = {
  exclude: [],
  diagnostics: { severity: 'warning', routingIssues: true },
  verification: { autoRevert: false },
  redis: { url: '' },
  codeLens: { enabled: true },
};

/** Settings from a client (any shape) merged over the defaults. */
export function mergeSettings(partial: Partial<StepwiseSettings> | null | undefined): StepwiseSettings {
  return {
    exclude: Array.isArray(partial?.exclude) ? partial.exclude.filter((e): e is string => typeof e === 'string') : defaultSettings.exclude,
    diagnostics: { ...defaultSettings.diagnostics, ...(partial?.diagnostics ?? {}) },
    verification: { ...defaultSettings.verification, ...(partial?.verification ?? {}) },
    redis: { url: typeof partial?.redis?.url === 'string' ? partial.redis.url.trim() : defaultSettings.redis.url },
    codeLens: { enabled: typeof partial?.codeLens?.enabled === 'boolean' ? partial.codeLens.enabled : defaultSettings.codeLens.enabled },
  };
}

/** A rollout control: the next stage, a mode, a rollback (legacy at once), or a rollback drill. */
export type RolloutAction = 'next' | 'set' | 'rollback' | 'drill';

/** `stepwise/rollout` — client → server: steers the adapter's rollout of a folder's migration. */
export namespace RolloutRequest {
  export const method = 'stepwise/rollout' as const;
  export interface Params extends FolderParams {
    action: RolloutAction;
    /** For `set`: legacy, shadow, a percentage, new. */
    value?: string;
    reason?: string;
  }
  export type Result = { ok: true; message: string } | { ok: false; error: string };
  export const type = new RequestType<Params, Result, void>(method);
}

/**
 * `stepwise/removeAdapter` — client → server: removes a folder's adapter once nothing imports it
 * (a one-way door). `confirmation` is the adapter's path as the person typed it.
 */
export namespace RemoveAdapterRequest {
  export const method = 'stepwise/removeAdapter' as const;
  export interface Params extends FolderParams {
    confirmation: string;
  }
  export type Result = { ok: true; message: string } | { ok: false; error: string };
  export const type = new RequestType<Params, Result, void>(method);
}

/**
 * `stepwise/redisPassword` — client → server: the Redis password from the editor's secret storage
 * (null: none). Kept in memory only; never logged, recorded or echoed.
 */
export namespace RedisPasswordNotification {
  export const method = 'stepwise/redisPassword' as const;
  export interface Params {
    password: string | null;
  }
  export const type = new NotificationType<Params>(method);
}

// ---- file states, as every surface names them ---------------------------------------------------
// The CodeLens, the Migration view and the Explorer's decorations name a file's state and the step
// that comes next in the same words.

/** A file's state in a few plain words ("under observation"). */
export const stateWords: Record<FileState, string> = {
  pending: 'still on the legacy API',
  analyzed: 'analysed, ready to migrate',
  migrated: 'migrated, not yet verified',
  verified: 'verified',
  failed: 'verification failed',
  observing: 'under observation',
  'awaiting-approval': 'awaiting approval',
  approved: 'approved',
  reverted: 'reverted',
};

/** What each workflow action is called on a button or a lens. */
export const actionWords: Record<WorkflowAction, string> = {
  analyze: 'Record pre-move analysis',
  migrate: 'Migrate this file',
  verify: 'Verify',
  approve: 'Approve',
  revert: 'Revert',
};

/** The step a file's state leads to, whether or not the engine allows it yet. */
export function expectedStep(state: FileState): WorkflowAction {
  switch (state) {
    case 'migrated':
    case 'failed':
      return 'verify';
    case 'verified':
    case 'observing':
    case 'awaiting-approval':
      return 'approve';
    case 'approved':
      return 'revert';
    default:
      return 'migrate';
  }
}

/**
 * The next step: the first of migrate, verify, approve the engine allows now (`reason` is then the
 * confirmation it asks for, if any), else the step the state leads to, with why it must wait.
 */
export function nextAction(file: FileStatus): { action: WorkflowAction; allowed: boolean; reason?: string } {
  const allowed = (['migrate', 'verify', 'approve'] as const).find((a) => file.allowed[a].ok);
  if (allowed) return { action: allowed, allowed: true, reason: file.allowed[allowed].needsReason };
  const expected = expectedStep(file.state);
  return { action: expected, allowed: false, reason: file.allowed[expected].reason };
}

/** The Migration view's groups, in the order it shows them. */
export type StateGroup = 'in-flight' | 'observing' | 'awaiting-approval' | 'pending' | 'approved' | 'reverted';

export const stateGroups: { group: StateGroup; label: string }[] = [
  { group: 'in-flight', label: 'In flight' },
  { group: 'observing', label: 'Under observation' },
  { group: 'awaiting-approval', label: 'Awaiting approval' },
  { group: 'pending', label: 'Pending, in plan order' },
  { group: 'approved', label: 'Approved' },
  { group: 'reverted', label: 'Reverted' },
];

export function groupOf(state: FileState): StateGroup {
  switch (state) {
    case 'migrated':
    case 'verified':
    case 'failed':
      return 'in-flight';
    case 'observing':
    case 'awaiting-approval':
    case 'approved':
    case 'reverted':
      return state;
    default:
      return 'pending';
  }
}

/**
 * The Migration view item's context value for a file: the actions it offers (inline and in its
 * context menu) between colons, `stepwiseFile:migrate:dossier:`, so a menu's `when` clause matches
 * one action with `viewItem =~ /^stepwiseFile:(.*:)?migrate:/`.
 */
export function viewItemOf(file: FileStatus): string {
  const offered = (['migrate', 'verify', 'approve', 'revert'] as WorkflowAction[]).filter((a) => file.allowed[a].ok);
  const extra = [file.commit ? 'diff' : undefined, 'dossier'].filter((x): x is string => x !== undefined);
  return `stepwiseFile:${[...offered, ...extra].map((name) => `${name}:`).join('')}`;
}

/** One sentence on what comes next for a file, for tooltips. */
export function nextStepSentence(file: FileStatus): string {
  const next = nextAction(file);
  const name = actionWords[next.action].replace(/ this file$/, '');
  if (next.allowed) return next.reason ? `Next: ${name}, out of plan order (${next.reason})` : `Next: ${name}.`;
  return `Next: ${name}, once allowed${next.reason ? `: ${next.reason.replace(/\.$/, '')}` : ''}.`;
}
