/**
 * The data Stepwise's clients see: every type that crosses the wire (LSP results and
 * notifications, `--json` output, the checklist's messages). Plain and serialisable; this file
 * imports nothing, so the client and the webview compile against it alone, and a change here is
 * a change of the contract. The core produces these (its modules re-export the ones they make).
 */

/**
 * Plain data produced by the analysis: no ts-morph nodes, only offsets into the file's text.
 * Lines and columns are 1-based, offsets are 0-based UTF-16 indexes (as in the file's text).
 */

export type UsageKind = 'import' | 'require' | 'reexport' | 'dynamic-import' | 'new' | 'call' | 'member' | 'type';

export type RoutingIssueKind =
  | 'reexport'
  | 'dynamic-import'
  | 'computed-member'
  | 'escaping-instance'
  | 'commonjs-interop'
  | 'any-receiver'
  /** The file is over the analysis budget (size or uses): only its imports were analysed. */
  | 'too-large'
  /**
   * A dependency-injection provider hands a legacy instance to every file that injects it (a
   * NestJS `useFactory` provider, `CacheModule.register`, Express's `app.locals`).
   */
  | 'provider';

export interface Span {
  start: number;
  end: number;
}

export interface RoutingIssue {
  kind: RoutingIssueKind;
  line: number;
  column: number;
  span: Span;
  message: string;
  /** For a provider: how its consumers ask for it (`@Inject('CACHE')`, `locals.cache`). */
  token?: { kind: 'inject' | 'locals'; name: string };
  /** For a provider: the workspace files that consume it (found in the workspace, not in the file). */
  consumers?: string[];
}

export type RiskLevel = 'low' | 'medium' | 'high' | 'critical';

export interface Risk {
  score: number;
  level: RiskLevel;
  reasons: string[];
}

/** A use case: a call site with the member used, for the pre-move dossier. */
export interface UseCase {
  line: number;
  kind: UsageKind;
  symbol: string;
  member: string | null;
  container?: string;
  incompatible: boolean;
  text: string;
}

export interface RollbackPlan {
  commitHint: string;
  steps: string[];
  recheck: string[];
}

export interface Dossier {
  path: string;
  dependencies: string[];
  dependents: string[];
  transitiveDependents: string[];
  coveredBy: string[];
  useCases: UseCase[];
  incompatibilities: UseCase[];
  routingIssues: RoutingIssue[];
  /** Calls whose arguments changed meaning in the new API (absent in analyses recorded before shapes were found). */
  shapes?: { line: number; rule: string; message: string; rewritten: boolean }[];
  risk: Risk;
  rollback: RollbackPlan;
  /** Files whose legacy values come from this file, with how many uses they have (absent in older records). */
  inheritedBy?: { path: string; usages: number }[];
  /**
   * The configuration this file depends on: its own reads and writes of the legacy
   * configuration's variables, and those of the legacy modules it uses (absent in older records).
   */
  configuration?: ConfigurationUse[];
  /**
   * What each construction or factory call becomes in the new API, why this file gets that (a
   * rule's `when` case), and what needs a person (absent in older records).
   */
  replacements?: { line: number; symbol: string; becomes: string; because?: string; manual?: string }[];
  /**
   * Set when this is the analysis recorded before the file's move (from the journal), not one of
   * the file as it is now: when it was recorded (ms) and at which commit.
   */
  recorded?: { at: number; head: string };
}

/**
 * A read or write of an environment variable the legacy configuration depends on (the ones the
 * legacy modules read, `CACHE_*`, `REDIS_*` and the spec's `legacy.environment`).
 */
export interface ConfigurationUse {
  path: string;
  line: number;
  column: number;
  name: string;
  access: 'read' | 'write';
  /** Offsets of the access in the file. */
  span: Span;
  /** A test that sets it for the legacy auto-detection: a fixture to replace with the factory's test method. */
  fixture: boolean;
  message: string;
}

/** One file in `stepwise analyze --json` (the DESIGN.md contract). */
export interface AnalyzedFile {
  path: string;
  usages: {
    line: number;
    column: number;
    kind: UsageKind;
    symbol: string;
    member: string | null;
    fixable: boolean;
    message: string;
  }[];
  routingIssues: { line: number; kind: RoutingIssueKind; message: string }[];
  /** Calls whose arguments changed meaning in the new API; `rewritten`: the cleanup rewrite changes it. */
  shapes: { line: number; column: number; rule: string; message: string; rewritten: boolean }[];
  dependencies: string[];
  dependents: string[];
  risk: Risk;
}

export interface AnalyzeReport {
  summary: { files: number; usages: number; fixable: number };
  files: AnalyzedFile[];
  /** The configuration inventory: each file's reads and writes of the legacy configuration's variables. */
  configuration: { path: string; uses: ConfigurationUse[] }[];
  plan: string[];
}

/** A plan entry as the checklist and `stepwise plan` show it. */
export interface PlanEntry {
  path: string;
  risk: Risk;
  usages: number;
  incompatibilities: number;
  routingIssues: number;
  isTest: boolean;
}

/** A problem found in the spec, located in the spec file's text. */
export interface SpecProblem {
  /** JSON path such as `members.AsyncTTLCache.size`; empty for the document itself. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
  /** Offset and length in the spec text; line and column are 1-based. */
  offset: number;
  length: number;
  line: number;
  column: number;
}

export interface TestCounts {
  framework: 'mocha' | 'jest' | 'vitest' | 'node:test' | 'tap';
  passed: number;
  failed: number;
  skipped: number;
}

export interface BenchComparison {
  key: string;
  /** The median of the baseline's runs. */
  baseline: number;
  /** The median of the migrated code's runs. */
  value: number;
  /** The lowest and highest value of each side's runs: the noise the verdict weighs. */
  baselineRange: [number, number];
  valueRange: [number, number];
  /** Relative change of the medians in the bad direction (0.12 = 12 % worse); negative means better. */
  regression: number;
  /** Whether the two sides' runs overlap, so the difference is within what the runs spread. */
  withinNoise: boolean;
  ok: boolean;
}

/** What one baseline or verification run found; plain data, kept in the journal. */
export interface VerificationResults {
  kind: 'baseline' | 'verification';
  at: number;
  head: string;
  trusted: boolean;
  /** Steps not run, with why (untrusted workspace, not configured, cancelled). */
  skipped: string[];
  test?: TestStep;
  typecheck?: TypecheckStep;
  bench?: BenchStep;
  logs?: LogsStep;
  /** Sentences saying what failed; empty when everything passed. */
  failures: string[];
  /** Set when a spec command cannot run at all (it needs a shell, a quote is open…). */
  specProblem?: string;
  /**
   * Set in a verification whose recorded baseline was older than `verify.baselineMaxAgeHours`:
   * the baseline commit's tests and type check, run again beside the migrated code in this run,
   * which the comparison used instead.
   */
  remeasured?: {
    commit: string;
    reason: string;
    test?: { counts?: TestCounts; exitCode: number | null };
    typecheckErrors?: Record<string, number>;
  };
  ok: boolean;
}

export interface TestStep {
  command: string;
  exitCode: number | null;
  counts?: TestCounts;
  durationMs: number;
  ok: boolean;
  /** What went wrong, in a sentence, when not ok. */
  problem?: string;
  /** The last lines of output, for the evidence. */
  tail: string;
  /** Set in verification: how the counts compare with the baseline. */
  note?: string;
}

export interface TypecheckStep {
  source: 'command' | 'built-in';
  command?: string;
  errors: number;
  byFile: Record<string, number>;
  durationMs: number;
  ok: boolean;
  problem?: string;
  /** Set in verification: files with more errors than in the baseline. */
  newErrors?: { file: string; before: number; after: number }[];
}

export interface BenchStep {
  command: string;
  /** Runs of the command on this side. */
  runs: number;
  /** The median of each figure over the runs. */
  values: Record<string, number>;
  /** Every run's value of each figure, in the order they ran. */
  samples?: Record<string, number[]>;
  durationMs: number;
  ok: boolean;
  problem?: string;
  /** Set in verification. */
  comparisons?: BenchComparison[];
  /**
   * Set in verification: the baseline's runs the comparison used. Taken side by side with the
   * migrated code (the baseline commit in a temporary worktree, runs interleaved) when that was
   * possible, else the runs recorded before the move.
   */
  baselineSamples?: Record<string, number[]>;
  /** How the baseline was measured for the comparison, in a sentence. */
  comparedWith?: string;
}

export interface LogsStep {
  glob: string;
  pattern: string;
  /** Size of each matching log file when measured. */
  offsets: Record<string, number>;
  /** Lines matching the pattern written since the migration (verification only). */
  matches: string[];
  /** Why the logs could not be scanned (a pattern that ran past its time budget). */
  problem?: string;
  ok: boolean;
}

/** Who did something, from git's configuration. */
export interface Person {
  name: string;
  email: string;
}

export type FileState =
  'pending' | 'analyzed' | 'migrated' | 'verified' | 'failed' | 'observing' | 'awaiting-approval' | 'approved' | 'reverted';

export type WorkflowAction = 'analyze' | 'migrate' | 'verify' | 'approve' | 'revert';

/** Whether the engine allows an action now, and why not when it doesn't. */
export interface Allowed {
  ok: boolean;
  reason?: string;
  /**
   * Allowed, but only with a confirmation and a reason (migrating out of plan order): the
   * sentence that asks for it. Surfaces show it before the action; the engine enforces it.
   */
  needsReason?: string;
}

export interface FileStatus {
  path: string;
  state: FileState;
  /** The live migration commit (null when none). */
  commit: string | null;
  /** ISO time the observation ends, while observing or awaiting approval. */
  observeUntil: string | null;
  /** Position in the plan (1-based), or null when the file is no longer in it. */
  planPosition: number | null;
  risk?: PlanEntry['risk'];
  usages: number;
  allowed: Record<WorkflowAction, Allowed>;
  evidence: {
    dossierAt?: number;
    baseline?: VerificationResults;
    verification?: VerificationResults;
    migratedBy?: Person;
    migratedAt?: string;
    forced?: string;
    approvedBy?: string;
    approvedAt?: string;
    /** Commits that reverted earlier migrations of this file. */
    reverts: { commit: string; revertCommit: string | null; how: string }[];
  };
}

export interface WorkflowStatus {
  /** The migration id the commits and the journal carry: the spec's id, or `<id>/cleanup` in the cleanup phase. */
  migration: string;
  /**
   * `route`: files move onto the adapter, one at a time. `cleanup`: once every file is approved on
   * the adapter, files move onto the new API, through the same gates. `done`: the adapter is gone.
   */
  phase?: WorkflowPhase;
  /** Removing the adapter (a one-way door): allowed once nothing imports it. */
  removeAdapter?: Allowed;
  /** The adapter module's path (in the cleanup phase, for the confirmation a person types). */
  adapter?: string;
  /** The file in flight (migrated, not yet approved or reverted), or null. */
  inFlight: string | null;
  files: FileStatus[];
  /** Problems that disable every action (no git repository, no valid spec…). */
  blocked?: string;
  /**
   * What the engine is doing right now and to which file ("verifying", "recording the baseline"),
   * so every surface can say "verifying…" instead of the state the checks will replace.
   */
  activity?: { file: string; doing: string } | null;
  progress: { done: number; inFlight: number; pending: number; usagesRemaining: number };
}

export type WorkflowPhase = 'route' | 'cleanup' | 'done';

export type EngineResult =
  | { ok: true; message: string; file: string; commit?: string; verification?: VerificationResults; notes?: string[] }
  | {
      ok: false;
      error: string;
      file: string;
      /** The operation needs a confirmation (migrating out of plan order). */
      needsConfirmation?: boolean;
      /** The operation ran and the verification failed (as opposed to being refused). */
      verificationFailed?: boolean;
    };

export type IndexState = 'starting' | 'indexing' | 'ready' | 'no-spec';

export interface IndexStatus {
  state: IndexState;
  filesTotal: number;
  /** Files whose imports reach the legacy API and so need a full analysis. */
  candidates: number;
  analysed: number;
  filesWithUsages: number;
  /** Every legacy usage found, including compatible member uses that need no change. */
  usages: number;
  /** The usages shown as diagnostics (those that need a change). */
  shownUsages: number;
  /** Routing issues (shown as information diagnostics when that setting is on). */
  routingIssues: number;
  specErrors: number;
  /** Milliseconds the initial index took (0 until it is ready). */
  indexMs: number;
}

/** One point of an observation's charts: the window's figures at a sample. */
export interface RolloutPoint {
  at: number;
  errorRatePercent: number | null;
  shadowAgreementPercent: number | null;
  p99LegacyMs: number | null;
  p99NewMs: number | null;
}

/**
 * The rollout of the migration's adapter as every surface shows it: where the mode lives, the
 * mode, the current window's figures and verdict, what may happen next, the processes reporting,
 * the store's health, and the last rollback's measured time.
 */
export interface RolloutState {
  migration: string;
  plane: { kind: 'file' | 'redis'; where: string; error?: string };
  mode: string;
  setAt: number | null;
  setBy: string | null;
  /** The stage "next stage" moves to, or null at the last. */
  next: string | null;
  canNext: { ok: boolean; reason?: string };
  /** The current stage: since when, and its minimum observation. */
  stage: { since: number | null; minutes: number; minimumMinutes: number };
  /** What the window's figures say, with one sentence per reason. */
  verdict: 'advance' | 'hold' | 'pause' | 'rollback';
  reasons: string[];
  /** The window's figures (since the file's verification or the last stage change, whichever is later). */
  window: { since: number | null; file: string | null };
  figures: {
    legacyCalls: number;
    newCalls: number;
    errors: number;
    fallbacks: number;
    readThroughs: number;
    fills: number;
    circuitOpens: number;
    shadowComparisons: number;
    errorRatePercent: number | null;
    p99LegacyMs: number | null;
    p99NewMs: number | null;
    p99IncreasePercent: number | null;
    shadowAgreementPercent: number | null;
  };
  /** Shadow differences by category (match, acceptable, ordering, precision, semantic, missing). */
  categories: Record<string, number>;
  samples: { member: string; category: string; key: string; legacy: string; new: string; at: number }[];
  processes: { instance: string; mode: string; at: number }[];
  health?: {
    pingMs?: number;
    hitRatePercent?: number | null;
    baselineHitRatePercent?: number | null;
    usedMemoryBytes?: number;
    evictedKeys?: number;
    opsPerSecond?: number;
    error?: string;
    infoError?: string;
  };
  series: RolloutPoint[];
  lastRollback?: { at: number; ms: number | null; processes: number; waitingFor: string[] } | null;
  lastDrill?: { at: number; stage: string; rollbackMs: number | null; restoreMs: number | null; ok: boolean; error?: string } | null;
  observedAt: number;
}
