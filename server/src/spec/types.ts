import type { SpecProblem } from '../protocol/wire';
import type { ShapeRule } from './shapeRules';

export type { SpecProblem };
/**
 * The migration spec (`.stepwise/migration.json`) after validation and preset merging.
 * Paths are workspace-relative with `/`; package names are kept as written.
 */
export interface MigrationSpec {
  id: string;
  title: string;
  preset?: string;
  legacy: {
    modules: string[];
    exports: string[];
    /** Declarations of legacy packages' APIs (package → the body of `declare module`), from the preset. */
    api: Record<string, string>;
    /**
     * The last major version of each legacy package the preset migrates from (`lru-cache` → 6): a
     * file whose package depends on a later major is already on the new API, and installed types
     * of a later major are not the legacy API.
     */
    lastMajors: Record<string, number>;
    /**
     * Environment variables the legacy configuration reads (`CACHE_TYPE`, `REDIS_URL`), as the
     * spec lists them; the analysis adds those the legacy modules read and `CACHE_*`/`REDIS_*`.
     */
    environment: string[];
  };
  target: { module: string; exports: string[] };
  adapter: { module: string };
  /** Member rules per legacy export name, then per member name. */
  members: Record<string, Record<string, MemberRule>>;
  /** Calls whose arguments changed meaning, from the preset (see spec/shapeRules.ts). */
  shapes: readonly ShapeRule[];
  /** Construction/factory rules per legacy export name. */
  constructors: Record<string, ConstructorRule>;
  /**
   * Named sets of files that rules' `when` cases refer to (`ai` → `src/llm/**`). `tests` is always
   * there: the spec's own, else the test runner's globs, else the usual test folders and names.
   */
  contexts: Record<string, FileContext>;
  risk: { critical: string[] };
  verify: VerifySpec;
  observation: {
    hours: number;
    requireApproval: boolean;
    /** Calls the new side must have served before its figures are judged. */
    minimumCalls: number;
    /** The stages `rollout next` moves through (shadow, percentages of keys, new). */
    stages: string[];
    thresholds: Thresholds;
    /** How shadow answers may differ and still agree (written into the generated adapter). */
    compare: CompareRules;
    /** Minutes each stage must be observed before "next stage" moves on (0: the verdict alone decides). */
    stageMinutes: number;
    /** Whether Stepwise sets legacy by itself when the roll-back criteria hold. */
    autoRollback: boolean;
    /** Seconds between the samples of a window kept in the evidence. */
    sampleSeconds: number;
  };
  redis?: { url: string; prefix: string };
}

/** Shadow comparison rules: fields to ignore, order-insensitive arrays, numeric tolerance, TTL skew (ms). */
export interface CompareRules {
  ignoreFields: string[];
  unordered: boolean;
  numericTolerance: number;
  ttlSkewMs: number;
}

export const defaultCompareRules: CompareRules = { ignoreFields: [], unordered: false, numericTolerance: 0, ttlSkewMs: 1000 };

/** Limits on the new side's figures against legacy's: p99 increase and error rate (%), shadow agreement (%). */
export interface ThresholdSet {
  p99IncreasePercent: number;
  errorRatePercent: number;
  /** Below this agreement the set applies (undefined: agreement does not decide it). */
  shadowAgreementPercent?: number;
}

/** When the figures say advance, pause or roll back (the seeds' defaults in `defaultThresholds`). */
export interface Thresholds {
  advance: ThresholdSet;
  pause: ThresholdSet;
  rollback: ThresholdSet;
}

/** The seeds' thresholds: advance within +10 % p99, +0.01 pp errors, ≥ 99.9 % agreement; pause at +20 %, 0.1 %, < 99.5 %; roll back at +50 %, 0.5 %. */
export const defaultThresholds: Thresholds = {
  advance: { p99IncreasePercent: 10, errorRatePercent: 0.01, shadowAgreementPercent: 99.9 },
  pause: { p99IncreasePercent: 20, errorRatePercent: 0.1, shadowAgreementPercent: 99.5 },
  rollback: { p99IncreasePercent: 50, errorRatePercent: 0.5 },
};

export const defaultStages = ['shadow', '10', '25', '50', '100', 'new'];

/** A named set of files: its globs, and where they come from (for "because" in messages). */
export interface FileContext {
  globs: string[];
  /** `the spec's contexts.ai`, `the test runner's spec in .mocharc.json`, `the usual test folders and names`. */
  from: string;
}

/**
 * One case of a rule's `when`: files matching `files` (or the named context) get `template`
 * instead of the rule's own replacement. The first matching case wins.
 */
export interface ContextCase {
  files?: string[];
  context?: string;
  template: string;
  note?: string;
}

/** Exactly one of `rename`, `replace`, `manual` is set; `note` is shown to people. */
export type MemberRule = (
  | { kind: 'rename'; to: string; note?: string }
  | { kind: 'replace'; template: string; note?: string }
  | { kind: 'manual'; message: string; note?: string }
) & { when?: ContextCase[] };

export interface ConstructorRule {
  template: string;
  note?: string;
  /** The legacy call hands out one shared instance, where the replacement makes a new one per call. */
  shared?: boolean;
  /** Replacements by file context; the first case matching the file wins, else `template`. */
  when?: ContextCase[];
}

export interface VerifySpec {
  test?: string;
  typecheck?: string;
  bench?: string;
  benchTolerance: number;
  logs?: { glob: string; pattern: string };
  timeoutSeconds: number;
  /** A baseline older than this (hours) is measured again beside the migrated code: tests and type check. */
  baselineMaxAgeHours: number;
}
