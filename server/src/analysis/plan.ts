import type { GraphView } from './graphView';
import type { FileAnalysis, Risk } from './types';

/** Whether a file has legacy imports of its own to route (not only values made elsewhere). */
export function isMigratable(analysis: FileAnalysis): boolean {
  return analysis.importSites.some((s) => s.direct || s.bindings.some((b) => b.legacy));
}

/**
 * The migration order: files with legacy imports of their own, lowest risk first; among equal
 * scores, a file comes after the plan files it depends on; then by path.
 */
export function buildPlan(analyses: FileAnalysis[], risks: Map<string, Risk>, graph: GraphView, excluded: Set<string>): string[] {
  const files = analyses.filter((a) => !excluded.has(a.path) && a.usages.length > 0 && isMigratable(a)).map((a) => a.path);
  const inPlan = new Set(files);
  const depth = new Map<string, number>();
  for (const file of files) {
    depth.set(file, graph.transitiveDependencies(file).filter((d) => inPlan.has(d)).length);
  }
  return files.sort(
    (a, b) => (risks.get(a)?.score ?? 0) - (risks.get(b)?.score ?? 0) || (depth.get(a) ?? 0) - (depth.get(b) ?? 0) || a.localeCompare(b),
  );
}
