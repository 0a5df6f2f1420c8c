// Hand-made inputs for the pure analysis functions (risk, plan, dossier): an import graph from an
// adjacency table and FileAnalysis objects from a few words per usage. Plain data, no workspace.
import type { GraphView } from '../../server/src/analysis/graphView';
import type {
  AppliedRule,
  FileAnalysis,
  ImportSite,
  RoutingIssue,
  RoutingIssueKind,
  ShapeFinding,
  Usage,
  UsageKind,
} from '../../server/src/analysis/types';

/**
 * A graph from "file → the workspace files it imports". Files that only appear as imports are
 * nodes too. Lists come back sorted and without the file itself, like ImportGraph's.
 */
export function graphOf(imports: Record<string, string[]>): GraphView {
  const forward = new Map<string, Set<string>>();
  const reverse = new Map<string, Set<string>>();
  const edge = (map: Map<string, Set<string>>, from: string, to: string): void => {
    if (!map.has(from)) map.set(from, new Set());
    map.get(from)?.add(to);
  };
  for (const [file, deps] of Object.entries(imports)) {
    for (const dep of deps) {
      edge(forward, file, dep);
      edge(reverse, dep, file);
    }
  }
  const closure = (start: string, map: Map<string, Set<string>>): string[] => {
    const seen = new Set<string>();
    const queue = [...(map.get(start) ?? [])];
    while (queue.length > 0) {
      const next = queue.shift() as string;
      if (next === start || seen.has(next)) continue;
      seen.add(next);
      queue.push(...(map.get(next) ?? []));
    }
    return [...seen].sort();
  };
  return {
    dependencies: (file) => [...(forward.get(file) ?? [])].sort(),
    dependents: (file) => [...(reverse.get(file) ?? [])].sort(),
    transitiveDependencies: (file) => closure(file, forward),
    transitiveDependents: (file) => closure(file, reverse),
  };
}

export interface UsageSketch {
  kind: UsageKind;
  line?: number;
  symbol?: string;
  member?: string | null;
  /** Default: true when the usage is in this file's own import chain (no `from`). */
  fixable?: boolean;
  /** Default: true, except for compatible members (no rule). */
  incompatible?: boolean;
  rule?: AppliedRule;
  from?: string;
  container?: string;
}

export function usage(sketch: UsageSketch): Usage {
  const line = sketch.line ?? 1;
  const member = sketch.member ?? null;
  return {
    kind: sketch.kind,
    symbol: sketch.symbol ?? 'LegacyCache',
    member,
    line,
    column: 1,
    span: { start: 0, end: 1 },
    fixable: sketch.fixable ?? sketch.from === undefined,
    incompatible: sketch.incompatible ?? (sketch.kind !== 'member' || sketch.rule !== undefined),
    message: `${sketch.kind} ${member ?? ''}`.trim(),
    rule: sketch.rule,
    from: sketch.from,
    container: sketch.container,
  };
}

/** Member usages with the edge spec's rules. */
export const renamed = (member: string, line = 1): Usage =>
  usage({ kind: 'member', member, line, rule: { kind: 'rename', to: `${member}2` } });
export const replaced = (member: string, line = 1): Usage =>
  usage({ kind: 'member', member, line, rule: { kind: 'replace', template: '(await {receiver}.count())' } });
export const manual = (member: string, line = 1): Usage =>
  usage({ kind: 'member', member, line, rule: { kind: 'manual', message: 'by hand' } });
export const compatible = (member: string, line = 1): Usage => usage({ kind: 'member', member, line });

export function issue(kind: RoutingIssueKind, line = 1): RoutingIssue {
  return { kind, line, column: 1, span: { start: 0, end: 1 }, message: `${kind} issue` };
}

/** An import of the legacy module itself (`direct`), or of a barrel that hands on legacy names. */
export function importSite(how: 'direct' | 'barrel' | 'barrel-without-legacy-names'): ImportSite {
  return {
    kind: 'import',
    span: { start: 0, end: 10 },
    specifier: { start: 5, end: 9 },
    specifierText: how === 'direct' ? "'./legacy/cache'" : "'./index'",
    direct: how === 'direct',
    resolved: how === 'direct' ? 'src/legacy/cache.ts' : 'src/index.ts',
    isTypeOnly: false,
    bindings: [
      {
        name: how === 'barrel-without-legacy-names' ? 'formatBytes' : 'LegacyCache',
        imported: 'LegacyCache',
        isTypeOnly: false,
        legacy: how !== 'barrel-without-legacy-names',
      },
    ],
    quote: "'",
    semicolon: true,
  };
}

export interface AnalysisSketch {
  usages?: Usage[];
  issues?: RoutingIssue[];
  /** Default: one direct import of the legacy module. */
  imports?: ImportSite[];
  carriesLegacy?: boolean;
  shapes?: ShapeFinding[];
}

export function analysisOf(path: string, sketch: AnalysisSketch = {}): FileAnalysis {
  return {
    path,
    usages: sketch.usages ?? [usage({ kind: 'import' })],
    routingIssues: sketch.issues ?? [],
    shapes: sketch.shapes ?? [],
    importSites: sketch.imports ?? [importSite('direct')],
    carriesLegacy: sketch.carriesLegacy ?? false,
    declarations: {},
    parseErrors: [],
  };
}
