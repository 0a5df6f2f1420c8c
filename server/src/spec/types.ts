import type { SpecProblem } from '../protocol/wire';

export type { SpecProblem };
/**
 * The migration spec (`.stepwise/migration.json`) after validation and preset merging.
 * Paths are workspace-relative with `/`; package names are kept as written.
 */
export interface MigrationSpec {
  id: string;
  title: string;
  preset?: string;
  legacy: { modules: string[]; exports: string[] };
  target: { module: string; exports: string[] };
  adapter: { module: string };
  /** Member rules per legacy export name, then per member name. */
  members: Record<string, Record<string, MemberRule>>;
  /** Construction/factory rules per legacy export name. */
  constructors: Record<string, ConstructorRule>;
  risk: { critical: string[] };
  verify: VerifySpec;
  observation: { hours: number; requireApproval: boolean };
  redis?: { url: string; prefix: string };
}

/** Exactly one of `rename`, `replace`, `manual` is set; `note` is shown to people. */
export type MemberRule =
  | { kind: 'rename'; to: string; note?: string }
  | { kind: 'replace'; template: string; note?: string }
  | { kind: 'manual'; message: string; note?: string };

export interface ConstructorRule {
  template: string;
  note?: string;
}

export interface VerifySpec {
  test?: string;
  typecheck?: string;
  bench?: string;
  benchTolerance: number;
  logs?: { glob: string; pattern: string };
  timeoutSeconds: number;
}
