import { minimatch } from 'minimatch';
import { templateAwaits } from '../spec/templates';
import type { GraphView } from './graphView';
import { isTestFile, testsCovering } from './graphView';
import type { FileAnalysis, Risk, RiskLevel, RoutingIssueKind } from './types';

export interface RiskInput {
  analysis: FileAnalysis;
  graph: GraphView;
  /** Globs from the spec's `risk.critical`. */
  critical: string[];
}

/** How much each factor can add to the score (the score is capped at 1). */
export const riskWeights = {
  blastRadius: 0.35,
  critical: 0.3,
  untested: 0.15,
  incompatibilities: 0.1,
  routing: 0.1,
  manual: 0.05,
} as const;

const routingLabels: Record<RoutingIssueKind, [string, string]> = {
  reexport: ['re-export', 're-exports'],
  'dynamic-import': ['dynamic import', 'dynamic imports'],
  'computed-member': ['computed member access', 'computed member accesses'],
  'escaping-instance': ['instance leaving the file', 'instances leaving the file'],
  'commonjs-interop': ['CommonJS interop', 'CommonJS interops'],
  'any-receiver': ['any-typed receiver', 'any-typed receivers'],
  'too-large': ['file too large to analyse in full', 'files too large to analyse in full'],
  provider: ['injection provider', 'injection providers'],
};

export function levelOf(score: number): RiskLevel {
  if (score < 0.2) return 'low';
  if (score < 0.4) return 'medium';
  if (score < 0.6) return 'high';
  return 'critical';
}

/**
 * Scores how risky migrating one file is, with a reason for every factor so a person can see why:
 * blast radius (files depending on it), critical globs, test coverage, incompatible member uses,
 * routing issues and usages that need a manual change.
 */
export function assessRisk({ analysis, graph, critical }: RiskInput): Risk {
  const path = analysis.path;
  const reasons: string[] = [];
  let score = 0;

  // A provider's consumers depend on it through injection, not imports.
  const consumers = analysis.routingIssues.flatMap((i) => i.consumers ?? []);
  const dependents = [...new Set([...graph.transitiveDependents(path), ...consumers])].filter((f) => !isTestFile(f));
  const direct = [...new Set([...graph.dependents(path), ...consumers])].filter((f) => !isTestFile(f));
  if (dependents.length === 0) {
    reasons.push('Nothing else imports it, so a mistake stays in this file.');
  } else {
    score += Math.min(1, dependents.length / 8) * riskWeights.blastRadius;
    reasons.push(`${dependents.length === 1 ? '1 file depends' : `${dependents.length} files depend`} on it (${direct.length} directly).`);
  }

  const criticalGlob = critical.find((glob) => minimatch(path, glob, { dot: true }));
  if (criticalGlob) {
    score += riskWeights.critical;
    reasons.push(`It matches the critical pattern ${criticalGlob}.`);
  }

  if (isTestFile(path)) {
    reasons.push('It is a test file.');
  } else {
    const tests = testsCovering(path, graph);
    if (tests.length === 0) {
      score += riskWeights.untested;
      reasons.push('No test imports it, directly or transitively.');
    } else {
      reasons.push(`Covered by ${plural(tests.length, 'test file')} (${tests.slice(0, 3).join(', ')}${tests.length > 3 ? ', …' : ''}).`);
    }
  }

  const incompatible = analysis.usages.filter((u) => u.kind === 'member' && u.rule);
  if (incompatible.length > 0) {
    score += Math.min(1, incompatible.length / 4) * riskWeights.incompatibilities;
    const members = [...new Set(incompatible.map((u) => `${u.member ?? '?'}()`))];
    reasons.push(`${plural(incompatible.length, 'incompatible member use')}: ${members.join(', ')}.`);
  }

  if (analysis.routingIssues.length > 0) {
    score += Math.min(1, analysis.routingIssues.length / 2) * riskWeights.routing;
    const counts = new Map<string, number>();
    for (const issue of analysis.routingIssues) counts.set(issue.kind, (counts.get(issue.kind) ?? 0) + 1);
    const parts = [...counts].map(([kind, n]) => `${n} ${routingLabels[kind as RoutingIssueKind][n === 1 ? 0 : 1]}`);
    reasons.push(`Routing issues: ${parts.join(', ')}.`);
  }

  const manual = analysis.usages.filter(
    (u) =>
      u.rule?.kind === 'manual' ||
      (u.rule?.kind === 'constructor' &&
        (u.rule.manual !== undefined || (templateAwaits(u.rule.template) && u.expression?.awaitBlocked))) ||
      (!u.fixable && u.from === undefined),
  );
  // Arguments whose meaning changed and that no rewrite can change (a callback, options set elsewhere).
  const manualShapes = analysis.shapes.filter((f) => !f.rewrite);
  if (manual.length > 0 || manualShapes.length > 0) {
    score += riskWeights.manual;
    if (manual.length > 0) reasons.push(`${manual.length === 1 ? '1 usage needs' : `${manual.length} usages need`} a manual change.`);
    if (manualShapes.length > 0)
      reasons.push(
        `${manualShapes.length === 1 ? '1 call passes arguments' : `${manualShapes.length} calls pass arguments`} whose meaning changed and that need a manual change (${[...new Set(manualShapes.map((f) => f.rule))].join(', ')}).`,
      );
  }

  score = Math.round(Math.min(1, score) * 100) / 100;
  let level = levelOf(score);
  // A file the spec calls critical is never presented as a routine move.
  if (criticalGlob && (level === 'low' || level === 'medium')) level = 'high';
  return { score, level, reasons };
}

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
