import { existsSync } from 'node:fs';
import { buildDossier } from '../analysis/dossier';
import { isTestFile } from '../analysis/graphView';
import { buildPlan, isMigratable } from '../analysis/plan';
import { assessRisk } from '../analysis/risk';
import type { Dossier, FileAnalysis, Risk } from '../analysis/types';
import { flagNameOf } from '../rewrite/adapterScaffold';
import type { WorkspaceIndex } from '../workspace/workspaceIndex';
import type { AnalyzeReport, AnalyzedFile, PlanEntry } from '../protocol/wire';
import { configurationDependedOn, configurationInventory } from './configuration';
import { withConsumers } from './providers';

export type { AnalyzeReport, AnalyzedFile, PlanEntry };

function excludedFromPlan(index: WorkspaceIndex): Set<string> {
  const spec = index.currentSpec();
  const excluded = new Set<string>(index.legacyModules().files);
  if (spec) {
    excluded.add(spec.adapter.module);
    excluded.add(spec.target.module);
  }
  return excluded;
}

export function riskOf(index: WorkspaceIndex, analysis: FileAnalysis): Risk {
  return assessRisk({ analysis: withConsumers(index, analysis), graph: index.graph, critical: index.currentSpec()?.risk.critical ?? [] });
}

/**
 * Files with legacy usages, or with calls whose arguments changed meaning (a framework's options
 * for the legacy package), excluding the legacy module, the target and the adapter.
 */
export function filesWithUsages(index: WorkspaceIndex): FileAnalysis[] {
  const excluded = excludedFromPlan(index);
  return index.allAnalyses().filter((a) => (a.usages.length > 0 || a.shapes.length > 0) && !excluded.has(a.path));
}

export function planEntries(index: WorkspaceIndex): PlanEntry[] {
  return entriesOf(index, filesWithUsages(index));
}

function entriesOf(index: WorkspaceIndex, analyses: FileAnalysis[]): PlanEntry[] {
  const risks = new Map(analyses.map((a) => [a.path, riskOf(index, a)]));
  const byPath = new Map(analyses.map((a) => [a.path, a]));
  return buildPlan(analyses, risks, index.graph, excludedFromPlan(index)).map((path) => {
    const analysis = byPath.get(path) as FileAnalysis;
    return {
      path,
      risk: risks.get(path) as Risk,
      usages: analysis.usages.length,
      incompatibilities: analysis.usages.filter((u) => u.kind === 'member' && u.rule).length,
      routingIssues: analysis.routingIssues.length,
      isTest: isTestFile(path),
    };
  });
}

/**
 * The cleanup plan: files that still use the old API through the adapter (or directly), analysed
 * against the legacy modules and the adapter together, lowest risk first; with their usages. Files
 * `recorded` at HEAD (their cleanup was tried there) that no longer use it are being rewritten by
 * hand: they keep their place, by the risk recorded then.
 */
export function cleanupPlanEntries(
  index: WorkspaceIndex,
  recorded: ReadonlyMap<string, Dossier> = new Map(),
): { entries: PlanEntry[]; usages: Map<string, number> } {
  const spec = index.currentSpec();
  if (!spec) return { entries: [], usages: new Map() };
  const legacy = index.legacyModules();
  const modules = { files: new Set([...legacy.files, spec.adapter.module]), packages: legacy.packages, exports: legacy.exports };
  const excluded = excludedFromPlan(index);
  const candidates = new Set([...index.graph.dependents(spec.adapter.module), ...filesWithUsages(index).map((a) => a.path)]);
  const analyses: FileAnalysis[] = [];
  for (const rel of [...candidates].sort()) {
    if (excluded.has(rel)) continue;
    const analysis = index.analyseAgainst(rel, modules);
    if (analysis && analysis.usages.length > 0) analyses.push(analysis);
  }
  const entries = entriesOf(index, analyses);
  const usages = new Map(analyses.map((a) => [a.path, a.usages.length]));
  for (const [rel, dossier] of [...recorded].sort(([a], [b]) => a.localeCompare(b))) {
    if (excluded.has(rel) || usages.has(rel) || !index.hasFile(rel)) continue;
    const entry: PlanEntry = {
      path: rel,
      risk: dossier.risk,
      usages: dossier.useCases.length,
      incompatibilities: dossier.incompatibilities.length,
      routingIssues: dossier.routingIssues.length,
      isTest: isTestFile(rel),
    };
    const at = entries.findIndex((e) => e.risk.score > entry.risk.score);
    entries.splice(at < 0 ? entries.length : at, 0, entry);
    usages.set(rel, 0);
  }
  return { entries, usages };
}

export function analyzeReport(index: WorkspaceIndex): AnalyzeReport {
  const analyses = filesWithUsages(index);
  const risks = new Map(analyses.map((a) => [a.path, riskOf(index, a)]));
  const files: AnalyzedFile[] = analyses
    .map((found) => withConsumers(index, found))
    .map((a) => ({
      path: a.path,
      usages: a.usages.map((u) => ({
        line: u.line,
        column: u.column,
        kind: u.kind,
        symbol: u.symbol,
        member: u.member,
        fixable: u.fixable,
        message: u.message,
      })),
      routingIssues: a.routingIssues.map((r) => ({ line: r.line, kind: r.kind, message: r.message })),
      shapes: a.shapes.map((f) => ({
        line: f.line,
        column: f.column,
        rule: f.rule,
        message: f.message,
        rewritten: f.rewrite !== undefined,
      })),
      dependencies: index.graph.dependencies(a.path),
      dependents: index.graph.dependents(a.path),
      risk: risks.get(a.path) as Risk,
    }));
  const usages = analyses.reduce((n, a) => n + a.usages.length, 0);
  const fixable = analyses.reduce((n, a) => n + a.usages.filter((u) => u.fixable).length, 0);
  return {
    summary: { files: files.length, usages, fixable },
    files,
    configuration: configurationInventory(index),
    plan: buildPlan(analyses, risks, index.graph, excludedFromPlan(index)),
  };
}

/** The pre-move dossier of one file, or a sentence saying why there is none. */
/** The pre-move analysis of one file: against the legacy modules, or (`cleanup`) the adapter with them. */
export function dossierOf(index: WorkspaceIndex, rel: string, cleanup = false): Dossier | { error: string } {
  const spec = index.currentSpec();
  if (!spec) return { error: 'There is no valid .stepwise/migration.json yet.' };
  const legacy = index.legacyModules();
  const modules = { files: new Set([...legacy.files, spec.adapter.module]), packages: legacy.packages, exports: legacy.exports };
  const found = cleanup ? index.analyseAgainst(rel, modules) : index.analysisOf(rel);
  const analysis = found && withConsumers(index, found);
  const text = index.textOf(rel);
  if (!analysis || text === undefined || analysis.usages.length === 0) {
    return { error: `${rel} does not use the legacy API.` };
  }
  // In the cleanup, the files that use the caches it makes through the adapter.
  const others = cleanup
    ? index.graph.transitiveDependents(rel).flatMap((d) => {
        const theirs = index.analyseAgainst(d, modules);
        return theirs ? [theirs] : [];
      })
    : index.allAnalyses();
  const inheritedBy = others
    .map((a) => ({ path: a.path, usages: a.usages.filter((u) => u.from === rel).length }))
    .filter((i) => i.usages > 0);
  const dossier = buildDossier({
    analysis,
    graph: index.graph,
    risk: riskOf(index, analysis),
    text,
    adapterModule: spec.adapter.module,
    adapterExists: index.hasFile(spec.adapter.module) || existsSync(index.paths.toAbsolute(spec.adapter.module)),
    flagName: flagNameOf(spec.id),
    inheritedBy,
    configuration: configurationDependedOn(index, rel),
  });
  if (!isMigratable(analysis)) {
    dossier.rollback.steps.unshift(
      `${rel} has no legacy import of its own: its legacy values come from ${[...new Set(analysis.usages.map((u) => u.from).filter(Boolean))].join(', ')}.`,
    );
  }
  return dossier;
}
