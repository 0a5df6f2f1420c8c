/**
 * The contract between the Stepwise language server and its clients: custom LSP methods with
 * their parameter and result types, and the identifiers (commands, diagnostic codes, code action
 * kinds, settings) that other parts rely on. Defined once here; the client imports it (types
 * only, plus these constants), the server's `lsp/` layer implements it.
 */
import type { Dossier } from './analysis/types';
import type { AnalyzeReport, PlanEntry } from './operations/overview';
import type { SpecProblem } from './spec/types';
import type { EngineResult } from './workflow/engine';
import type { FileState, FileStatus, WorkflowAction, WorkflowStatus } from './workflow/state';
import type { VerificationResults } from './workflow/verification';
import type { IndexStatus } from './workspace/workspaceIndex';

export type {
  AnalyzeReport,
  Dossier,
  EngineResult,
  FileState,
  FileStatus,
  IndexStatus,
  PlanEntry,
  SpecProblem,
  VerificationResults,
  WorkflowAction,
  WorkflowStatus,
};

/** Identifies a workspace folder (or a file in it) by URI. */
export interface FolderParams {
  /** A workspace folder URI, or any file URI inside one; omitted means the first folder. */
  uri?: string;
}

/**
 * `stepwise/indexStatus` — client → server, any time: where indexing stands, and the spec's
 * problems. The server also pushes `stepwise/statusChanged` with the same payload.
 */
export namespace IndexStatusRequest {
  export const method = 'stepwise/indexStatus' as const;
  export type Params = FolderParams;
  export interface Result {
    root: string;
    status: IndexStatus;
    specProblems: SpecProblem[];
    /** The migration's title, when the spec is valid. */
    title?: string;
  }
}

/** `stepwise/statusChanged` — server → client whenever the index state or counts change. */
export namespace StatusChangedNotification {
  export const method = 'stepwise/statusChanged' as const;
  export type Params = IndexStatusRequest.Result;
}

/** `stepwise/plan` — client → server: the migration order with each file's risk (waits for the index). */
export namespace PlanRequest {
  export const method = 'stepwise/plan' as const;
  export type Params = FolderParams;
  export interface Result {
    root: string;
    entries: PlanEntry[];
  }
}

/** `stepwise/dossier` — client → server: the pre-move dossier of one file. */
export namespace DossierRequest {
  export const method = 'stepwise/dossier' as const;
  export interface Params {
    uri: string;
  }
  export type Result = { dossier: Dossier } | { error: string };
}

/** `stepwise/analyze` — client → server: the same report as `stepwise analyze --json`. */
export namespace AnalyzeRequest {
  export const method = 'stepwise/analyze' as const;
  export type Params = FolderParams;
  export type Result = AnalyzeReport;
}

/**
 * `stepwise/workflowStatus` — client → server: every file's workflow state, what each allows and
 * its evidence. The server sends `stepwise/workflowChanged` whenever this may have changed (git,
 * the journal, the index), and the client asks again.
 */
export namespace WorkflowStatusRequest {
  export const method = 'stepwise/workflowStatus' as const;
  export type Params = FolderParams;
  export interface Result extends WorkflowStatus {
    root: string;
    title?: string;
    /** Whether commands from the workspace may run (workspace trust). */
    trusted: boolean;
    /** The server's clock (ms), so countdowns agree with the engine's deadlines. */
    now: number;
    /** What the engine is doing, when it is busy. */
    busy?: string;
  }
}

/** `stepwise/workflowChanged` — server → client: ask for the workflow status again. */
export namespace WorkflowChangedNotification {
  export const method = 'stepwise/workflowChanged' as const;
  export interface Params {
    root: string;
  }
}

/**
 * `stepwise/workflowAction` — client → server: run one step on one file. Long (baseline and
 * verification run commands); cancellable through the request's cancellation; progress arrives as
 * `stepwise/progress` notifications carrying `progressId`.
 */
export namespace WorkflowActionRequest {
  export const method = 'stepwise/workflowAction' as const;
  export interface Params {
    action: WorkflowAction;
    uri: string;
    /** For migrate: go ahead although lower-risk files come first, with the reason. */
    force?: boolean;
    reason?: string;
    /** For migrate from a code action: the document version it was offered for. */
    version?: number | null;
    progressId?: string;
  }
  export type Result = EngineResult;
}

/** `stepwise/progress` — server → client: what a running workflow action is doing now. */
export namespace ProgressNotification {
  export const method = 'stepwise/progress' as const;
  export interface Params {
    progressId: string;
    message: string;
  }
}

/** `stepwise/output` — server → client: output of the commands verification runs (for the log). */
export namespace OutputNotification {
  export const method = 'stepwise/output' as const;
  export interface Params {
    text: string;
  }
}

/** `stepwise/observationEnded` — server → client: a file's observation ended; it awaits approval. */
export namespace ObservationEndedNotification {
  export const method = 'stepwise/observationEnded' as const;
  export interface Params {
    root: string;
    path: string;
  }
}

/** `stepwise/report` — client → server: the markdown migration report. */
export namespace ReportRequest {
  export const method = 'stepwise/report' as const;
  export type Params = FolderParams;
  export interface Result {
    markdown: string;
  }
}

/** `stepwise/fileAtCommit` — client → server: a file's text at a commit (to show a migration's diff). */
export namespace FileAtCommitRequest {
  export const method = 'stepwise/fileAtCommit' as const;
  export interface Params {
    /** A file URI in the workspace folder. */
    uri: string;
    commit: string;
  }
  export interface Result {
    text: string | null;
  }
}

/** `stepwise/setTrust` — client → server: workspace trust changed (commands may run when trusted). */
export namespace SetTrustNotification {
  export const method = 'stepwise/setTrust' as const;
  export interface Params {
    trusted: boolean;
  }
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
  routingPrefix: 'routing-',
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

/** Commands the client implements (the server refers to them in code actions). */
export const Commands = {
  showDossier: 'stepwise.showDossier',
  showPlan: 'stepwise.showPlan',
  showLog: 'stepwise.showLog',
  restartServer: 'stepwise.restartServer',
  openChecklist: 'stepwise.openChecklist',
  analyzeFile: 'stepwise.analyzeFile',
  migrateFile: 'stepwise.migrateFile',
  verifyFile: 'stepwise.verifyFile',
  approveFile: 'stepwise.approveFile',
  revertFile: 'stepwise.revertFile',
  openMigrationDiff: 'stepwise.openMigrationDiff',
  exportReport: 'stepwise.exportReport',
} as const;

/** Settings (all under `stepwise.`), read by the server through `workspace/configuration`. */
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
}

export const defaultSettings: StepwiseSettings = {
  exclude: [],
  diagnostics: { severity: 'warning', routingIssues: true },
  verification: { autoRevert: false },
};

// ---- How every surface writes the same figures ----------------------------------------------
// The status bar, the checklist, notifications, commit trailers and the report all show these;
// formatting them in one place is what keeps two surfaces from disagreeing.

/** A measured figure: whole numbers from 100 up (1536337), four significant digits below (0.9512). */
export function formatFigure(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 100 ? String(Math.round(value)) : String(Number(value.toPrecision(4)));
}

/** A type check's error count: "no errors", "1 error", "3 errors". */
export function describeErrors(count: number): string {
  return count === 0 ? 'no errors' : `${count} ${count === 1 ? 'error' : 'errors'}`;
}

/** A date and time in the reader's locale and zone, for the UI ("Dec 2, 2026, 11:10 AM"). */
export function formatLocalDateTime(at: number | string): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * The time left until `untilMs`, as the observation countdown shows it: "23 h 59 min left",
 * "5 min left", "less than a minute left", or "ended". Whole minutes are rounded up, so the
 * countdown reads "1 min left" until it ends.
 */
export function formatRemaining(untilMs: number, nowMs: number): string {
  const ms = untilMs - nowMs;
  if (!Number.isFinite(ms)) return 'unknown';
  if (ms <= 0) return 'ended';
  if (ms < 60_000) return 'less than a minute left';
  const minutes = Math.ceil(ms / 60_000);
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours} h ${minutes % 60} min left` : `${minutes} min left`;
}

/**
 * How long until the countdown's text for `untilMs` changes (a little after the minute turns), so
 * every surface re-renders at the same moment instead of each on its own interval.
 */
export function msUntilCountdownChanges(untilMs: number, nowMs: number): number {
  const ms = untilMs - nowMs;
  if (!Number.isFinite(ms) || ms <= 0) return 60_000;
  // The text changes when the rounded-up minute count drops, i.e. when `ms` crosses a multiple of
  // a minute (and at the last minute, when it becomes "less than a minute").
  const intoMinute = ms % 60_000 || 60_000;
  return Math.min(60_000, intoMinute + 20);
}
