import type { Dossier, Risk, RiskLevel, RollbackPlan, RoutingIssue, RoutingIssueKind, Span, UsageKind, UseCase } from '../protocol/wire';

export type { Dossier, Risk, RiskLevel, RollbackPlan, RoutingIssue, RoutingIssueKind, Span, UsageKind, UseCase };
/** A member rule from the spec as it applies to one usage. */
export type AppliedRule = (
  | { kind: 'rename'; to: string; note?: string }
  | { kind: 'replace'; template: string; note?: string }
  | { kind: 'manual'; message: string; note?: string }
  | {
      kind: 'constructor';
      template: string;
      note?: string;
      shared?: boolean;
      /** What the rewrite cannot carry over (an option the factory method does not take): a manual change. */
      manual?: string;
    }
) & {
  /** Why this file gets this replacement, when a `when` case chose it: `it matches src/llm/**`. */
  because?: string;
};

/** Where an expression's pieces are, for rewrites. */
export interface ExpressionShape {
  /** The whole call or `new` expression, or the member access when it is not called. */
  span: Span;
  /** Each argument's span; null when the expression is not a call. */
  args: Span[] | null;
  /** Whether `await` may be added at this call: inside an async function or a module's top level. */
  awaitAllowed: boolean;
  /** Why `await` may not be added here: `TextProcessor.constructor is not async`. */
  awaitBlocked?: string;
  /** Whether the call's result is used as the object of a member access or call (needs parentheses). */
  usedAsObject: boolean;
}

export interface Usage {
  kind: UsageKind;
  /** The legacy export this usage resolves to (`*` for a whole-module import). */
  symbol: string;
  /** The member name for `member` usages; null otherwise (and for computed member access). */
  member: string | null;
  line: number;
  column: number;
  span: Span;
  /** Whether migrating this file through the adapter takes care of it. */
  fixable: boolean;
  /** Whether this usage is shown as a diagnostic (compatible members are only listed). */
  incompatible: boolean;
  message: string;
  rule?: AppliedRule;
  /** For member usages: the receiver expression's span. */
  receiver?: Span;
  /** For member, call and new usages: the expression a rewrite replaces. */
  expression?: ExpressionShape;
  /** The member name's span (for renames). */
  name?: Span;
  /** The function or class member that contains the usage, e.g. `SessionStore.load`. */
  container?: string;
  /** For values made in another workspace file: that file (its migration changes this usage). */
  from?: string;
}

/** One binding an import-like construct brings in. */
export interface ImportBinding {
  /** The legacy export it resolves to (for legacy bindings), else the name as written. */
  name: string;
  /** The name as written in the statement: `default`, `*`, or the imported/exported property. */
  imported: string;
  /** The local name (for re-exports: the name it is exported as), when there is one. */
  local?: string;
  isTypeOnly: boolean;
  /** Whether this binding resolves to a legacy export. */
  legacy: boolean;
  /** The element's span in the list, for splitting a mixed import. */
  span?: Span;
}

export type ImportSiteKind = 'import' | 'import-equals' | 'require' | 'reexport' | 'dynamic-import';

/** An import-like construct whose module is legacy or carries legacy exports (a barrel). */
export interface ImportSite {
  kind: ImportSiteKind;
  /** The statement (or the dynamic `import()` call). */
  span: Span;
  /** The module specifier's string literal, quotes included. */
  specifier: Span;
  specifierText: string;
  /** Whether the module itself is a legacy module (as opposed to a file that re-exports it). */
  direct: boolean;
  /** Workspace-relative path or package name the specifier resolves to. */
  resolved: string;
  isTypeOnly: boolean;
  /** For named lists, the bindings; namespace/default/whole-module sites have one binding. */
  bindings: ImportBinding[];
  /** The span of the `{ … }` list when the site has one (named imports/exports or destructuring). */
  list?: Span;
  /** The quote character used by the specifier. */
  quote: '"' | "'" | '`';
  /** Whether the statement ends with a semicolon. */
  semicolon: boolean;
}

/** Where a legacy export is declared (for "related information" on diagnostics). */
export interface DeclarationRef {
  path: string;
  start: number;
  end: number;
  line: number;
  column: number;
}

/**
 * A call whose names the new API keeps but whose arguments changed meaning (a positional TTL, a
 * callback, an option renamed or in another unit), from the preset's shape rules.
 */
export interface ShapeFinding {
  /** The rule's id, e.g. `lru-cache/positional-ttl`. */
  rule: string;
  symbol: string;
  member: string | null;
  line: number;
  column: number;
  /** What the finding points at: the argument, the option, the callback. */
  span: Span;
  message: string;
  /** The new form as changes to this file (applied by the cleanup rewrite); absent: a manual change. */
  rewrite?: { start: number; end: number; newText: string }[];
  /** Where the shape is set when it is not in this file's call (`src/options.js:9`). */
  at?: string;
  /**
   * The new form when the shape is set in another workspace file (`at`): changes to that file,
   * which the cleanup makes with this file's only when nothing else imports it.
   */
  elsewhere?: { path: string; changes: { start: number; end: number; newText: string }[] };
}

export interface FileAnalysis {
  path: string;
  usages: Usage[];
  routingIssues: RoutingIssue[];
  importSites: ImportSite[];
  /** Calls whose arguments changed meaning in the new API (the preset's shape rules). */
  shapes: ShapeFinding[];
  /** Whether the file hands legacy values or exports to files that import it. */
  carriesLegacy: boolean;
  /** Declarations of the legacy exports and classes this file uses, by name. */
  declarations: Record<string, DeclarationRef>;
  /** Syntax errors in the file (the analysis still runs on the recovered tree). */
  parseErrors: { line: number; column: number; message: string }[];
}
