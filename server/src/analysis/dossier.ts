import { describeTemplate, templateAwaits } from '../spec/templates';
import type { GraphView } from './graphView';
import { testsCovering } from './graphView';
import type { ConfigurationUse } from '../protocol/wire';
import type { Dossier, FileAnalysis, Risk, RollbackPlan, UseCase } from './types';

export interface DossierInput {
  analysis: FileAnalysis;
  graph: GraphView;
  risk: Risk;
  /** The file's text, to quote use cases. */
  text: string;
  adapterModule: string;
  /** Whether the adapter exists yet (if not, this file's migration commit creates it). */
  adapterExists: boolean;
  /** The environment variable of the adapter's rollout flag. */
  flagName: string;
  /** Files whose legacy values come from this file, with how many uses they have. */
  inheritedBy: { path: string; usages: number }[];
  /** The configuration the file depends on (its own, and the legacy modules' it reaches). */
  configuration: ConfigurationUse[];
}

/**
 * The pre-move dossier: everything to know before moving one file — what it imports and what
 * imports it, each use of the legacy API, the routing issues, the risk and a rollback plan written
 * for this file.
 */
export function buildDossier(input: DossierInput): Dossier {
  const { analysis, graph, risk, text } = input;
  const lines = text.split(/\r?\n/);
  const useCases: UseCase[] = analysis.usages.map((u) => ({
    line: u.line,
    kind: u.kind,
    symbol: u.symbol,
    member: u.member,
    container: u.container,
    incompatible: u.incompatible && (u.kind !== 'member' || u.rule !== undefined),
    text: (lines[u.line - 1] ?? '').trim(),
  }));
  const coveredBy = testsCovering(analysis.path, graph);
  return {
    path: analysis.path,
    dependencies: graph.dependencies(analysis.path),
    dependents: graph.dependents(analysis.path),
    transitiveDependents: graph.transitiveDependents(analysis.path),
    coveredBy,
    useCases,
    incompatibilities: useCases.filter((u) => u.kind === 'member' && u.incompatible),
    routingIssues: analysis.routingIssues,
    shapes: analysis.shapes.map((f) => ({ line: f.line, rule: f.rule, message: f.message, rewritten: f.rewrite !== undefined })),
    risk,
    rollback: rollbackPlan(input, coveredBy),
    inheritedBy: input.inheritedBy,
    configuration: input.configuration,
    replacements: replacementsOf(analysis, text),
  };
}

/** What each construction or factory call becomes, why, and what needs a person. */
function replacementsOf(analysis: FileAnalysis, text: string): NonNullable<Dossier['replacements']> {
  return analysis.usages.flatMap((u) => {
    if ((u.kind !== 'new' && u.kind !== 'call') || u.rule?.kind !== 'constructor') return [];
    const args = u.expression?.args?.map((a) => text.slice(a.start, a.end).replace(/\s+/g, ' '));
    const becomes = describeTemplate(u.rule.template, { args });
    const blocked = templateAwaits(u.rule.template) ? u.expression?.awaitBlocked : undefined;
    const manual = [u.rule.manual, blocked && `${becomes} needs await, but ${blocked}`].filter(Boolean).join('; ');
    return [
      {
        line: u.line,
        symbol: u.symbol,
        becomes,
        ...(u.rule.because ? { because: u.rule.because } : {}),
        ...(manual ? { manual } : {}),
      },
    ];
  });
}

function rollbackPlan(input: DossierInput, coveredBy: string[]): RollbackPlan {
  const { analysis, graph } = input;
  const path = analysis.path;
  const commitHint = `stepwise: route ${path} through the adapter`;
  const steps: string[] = [
    `Revert the migration commit ("${commitHint}") with Stepwise: Revert, or git revert <commit>; only ${path} changes back${input.adapterExists ? '' : ', plus the adapter it adds'}.`,
    `To roll back at run time without a deploy, set ${input.flagName}=legacy: every adapted call goes back to the legacy implementation.`,
  ];
  if (!input.adapterExists) {
    steps.push(
      `This is the first migration: its commit also creates ${input.adapterModule}. Revert any later migration first, or the files routed after it lose their adapter.`,
    );
  }
  const handsOn = analysis.routingIssues.filter((i) => i.kind === 'reexport' || i.kind === 'escaping-instance');
  const inherited = input.inheritedBy.map((i) => i.path);
  if (handsOn.length > 0 || inherited.length > 0) {
    const who = inherited.length > 0 ? inherited : graph.dependents(path);
    steps.push(
      `It hands legacy values or exports on${who.length > 0 ? ` to ${who.join(', ')}` : ''}; reverting switches ${who.length === 1 ? 'that file' : 'those files'} back too.`,
    );
  }
  for (const issue of analysis.routingIssues.filter((i) => i.kind === 'dynamic-import')) {
    steps.push(`Line ${issue.line} loads the module lazily; make sure that path runs after reverting.`);
  }
  const recheck = [...new Set([...graph.dependents(path), ...inherited, ...coveredBy])].sort();
  if (recheck.length > 0)
    steps.push(
      `Afterwards re-run ${coveredBy.length > 0 ? coveredBy.join(', ') : 'the test suite'} and re-check ${recheck.length} dependent file(s).`,
    );
  else steps.push('Afterwards re-run the test suite.');
  return { commitHint, steps, recheck };
}
