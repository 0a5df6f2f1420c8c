/**
 * The contract between the Stepwise language server and its clients: custom LSP methods with
 * their parameter and result types, and the identifiers (commands, diagnostic codes, code action
 * kinds, settings) that other parts rely on. Defined once here; the client imports it (types
 * only, plus these constants), the server's `lsp/` layer implements it.
 */
import type { Dossier } from './analysis/types';
import type { AnalyzeReport, PlanEntry } from './operations/overview';
import type { SpecProblem } from './spec/types';
import type { IndexStatus } from './workspace/workspaceIndex';

export type { AnalyzeReport, Dossier, IndexStatus, PlanEntry, SpecProblem };

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
  sourceMigrateFile: 'source.stepwise.migrateFile',
} as const;

/** Commands the client implements (the server refers to them in code actions). */
export const Commands = {
  showDossier: 'stepwise.showDossier',
  showPlan: 'stepwise.showPlan',
  showLog: 'stepwise.showLog',
  restartServer: 'stepwise.restartServer',
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
}

export const defaultSettings: StepwiseSettings = {
  exclude: [],
  diagnostics: { severity: 'warning', routingIssues: true },
};
