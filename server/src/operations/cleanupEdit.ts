import { buildAdapterModel } from '../analysis/adapterModel';
import { planNativeRewrite } from '../rewrite/nativeRewrite';
import { relativeSpecifier, styleOf } from '../rewrite/specifiers';
import { applyTextChanges } from '../rewrite/textChange';
import type { TextChange } from '../rewrite/textChange';
import type { LegacyModules } from '../analysis/legacyContext';
import { describeTemplate } from '../spec/templates';
import { isPackageSpecifier } from '../spec/validate';
import type { WorkspaceIndex } from '../workspace/workspaceIndex';
import { describeProblems } from '../workspace/editCheck';
import type { MigrationEdit } from './migrationEdit';

/** Where the workspace still calls a legacy export through the adapter or directly: `path:line`, by file. */
function sharedCallSites(index: WorkspaceIndex, modules: LegacyModules, symbol: string, roots: string[]): string[] {
  const files = new Set<string>([roots[0]]);
  // The migration's own modules (the adapter calls the legacy accessor it wraps) are not call sites.
  const own = new Set(roots.slice(1));
  for (const root of own) for (const dependent of index.graph.dependents(root)) if (!own.has(dependent)) files.add(dependent);
  const sites: string[] = [];
  for (const file of [...files].sort()) {
    if (!index.hasFile(file)) continue;
    const theirs = index.analyseAgainst(file, modules);
    for (const usage of theirs?.usages ?? []) if (usage.kind === 'call' && usage.symbol === symbol) sites.push(`${file}:${usage.line}`);
  }
  return sites;
}

/**
 * The cleanup step a person wrote: the file as it is now (saved, not committed) must no longer use
 * the old API, directly or through the adapter, and must parse. Nothing is computed or applied;
 * the verification after the commit checks it against the baseline like every step.
 */
export function checkHandCleanup(index: WorkspaceIndex, rel: string): MigrationEdit {
  const spec = index.currentSpec();
  const result: MigrationEdit = {
    path: rel,
    version: index.versionOf(rel) ?? null,
    files: [],
    createsAdapter: false,
    routed: 0,
    notes: [],
  };
  const fail = (error: string): MigrationEdit => ({ ...result, error });
  if (!spec) return fail('There is no valid .stepwise/migration.json, so Stepwise does not know what the old API is.');
  if (index.textOf(rel) === undefined) return fail(`${rel} is not a source file of this workspace.`);
  const legacy = index.legacyModules();
  const modules = { files: new Set([...legacy.files, spec.adapter.module]), packages: legacy.packages, exports: legacy.exports };
  const analysis = index.analyseAgainst(rel, modules);
  if (analysis && analysis.parseErrors.length > 0)
    return fail(`${rel} does not parse (line ${analysis.parseErrors[0].line}); fix your rewrite first. Nothing was committed.`);
  const left = analysis?.usages ?? [];
  if (left.length > 0) {
    const lines = [...new Set(left.map((u) => u.line))].slice(0, 5).join(', ');
    return fail(
      `${rel} still uses the old API (line${left.length === 1 ? '' : 's'} ${lines}${left.length > 5 ? ', …' : ''}); finish the rewrite, then run this again. Nothing was committed.`,
    );
  }
  result.notes.push(`${rel} was rewritten by hand; the verification checks it against the baseline from before the rewrite.`);
  return result;
}

/**
 * The cleanup step for one file: rewrite its uses of the old API (through the adapter or still
 * direct) to the new API. Verified like every edit; all or nothing.
 */
export function computeCleanupEdit(index: WorkspaceIndex, rel: string): MigrationEdit {
  const spec = index.currentSpec();
  const version = index.versionOf(rel) ?? null;
  const result: MigrationEdit = { path: rel, version, files: [], createsAdapter: false, routed: 0, notes: [] };
  const fail = (error: string): MigrationEdit => ({ ...result, error });
  if (!spec) return fail('There is no valid .stepwise/migration.json, so Stepwise does not know what to rewrite.');
  const text = index.textOf(rel);
  if (text === undefined) return fail(`${rel} is not a source file of this workspace.`);
  const legacy = index.legacyModules();
  if (rel === spec.adapter.module || legacy.files.has(rel))
    return fail(`${rel} is part of the migration itself; it goes away at the end, it is not rewritten.`);
  const targetIsFile = !isPackageSpecifier(spec.target.module);
  if (targetIsFile) index.ensureInProject(spec.target.module);
  const modules = { files: new Set([...legacy.files, spec.adapter.module]), packages: legacy.packages, exports: legacy.exports };
  const analysis = index.analyseAgainst(rel, modules);
  if (!analysis || analysis.usages.length === 0) return fail(`${rel} no longer uses the old API; there is nothing to rewrite.`);
  if (analysis.parseErrors.length > 0) return fail(`${rel} does not parse (line ${analysis.parseErrors[0].line}); fix it first.`);

  const context = index.legacyContextFor(rel);
  if (!context) return fail('There is no valid spec.');
  const targetAbsolute = targetIsFile ? index.paths.toAbsolute(spec.target.module) : index.resolvePackageEntry(spec.target.module);
  const model = buildAdapterModel(context, targetAbsolute);
  const typeMap: Record<string, string> = {};
  for (const cls of model.classes) if (cls.targetClass) typeMap[cls.name] = cls.targetClass;
  const style = analysis.importSites.map((s) => styleOf(s.specifierText)).find((s) => s !== undefined) ?? index.extensionStyleFor(rel);
  const targetSpecifier = targetIsFile ? relativeSpecifier(rel, spec.target.module, style) : spec.target.module;
  // The names the target module really exports count too: a shared factory instance (`cacheFactory`).
  const targetExports = [
    ...new Set([
      ...(spec.target.exports.length > 0 ? spec.target.exports : [...model.targetImports, ...Object.values(typeMap)]),
      ...(context.targetFactories()?.exportNames() ?? []),
    ]),
  ];

  // A singleton accessor (`getCacheInstance()`) whose replacement makes a new cache at each call
  // keeps its meaning only as the workspace's one call, at the top level of a module.
  const sharing: string[] = [];
  for (const usage of analysis.usages) {
    if ((usage.kind !== 'call' && usage.kind !== 'new') || usage.rule?.kind !== 'constructor' || !usage.rule.shared) continue;
    const sites = sharedCallSites(index, modules, usage.symbol, [rel, spec.adapter.module, ...legacy.files]);
    const replacement = describeTemplate(usage.rule.template, {});
    if (sites.length > 1)
      sharing.push(
        `line ${usage.line} calls ${usage.symbol}(), which hands out one cache for the whole process, but ${replacement} makes a new one at each call, so ${sites.join(', ')} would no longer share its entries; make one module create the cache and the others import it`,
      );
    else if (usage.container !== undefined && usage.container !== 'top level')
      sharing.push(
        `line ${usage.line} calls ${usage.symbol}() in ${usage.container}, and ${replacement} would make a new cache each time it runs; create the cache once, at the top level of a module`,
      );
  }
  if (sharing.length > 0)
    return fail(
      `${rel} cannot be rewritten automatically, so nothing was changed: ${[...new Set(sharing)].join('; ')}. Rewrite it by hand and save it: then this step ("stepwise cleanup ${rel}", or Rewrite to new API in the checklist) commits your rewrite through the same checks.`,
    );

  // An options helper that only this file imports changes with it (`maxAge` → `ttl` where it is written).
  const blocksChangeIn = (other: string): string | undefined => {
    if (other === spec.adapter.module || legacy.files.has(other)) return `${other} is part of the migration itself`;
    if (index.textOf(other) === undefined) return `${other} is not a source file of this workspace`;
    const importers = index.graph.dependents(other).filter((d) => d !== rel);
    if (importers.length > 0)
      return `${importers.join(', ')} also import${importers.length === 1 ? 's' : ''} ${other}; change it by hand for all of them`;
    if ((index.analyseAgainst(other, modules)?.usages.length ?? 0) > 0)
      return `${other} uses the old API itself and is cleaned up on its own`;
    return undefined;
  };
  const plan = planNativeRewrite({ analysis, text, typeMap, targetExports, targetSpecifier, blocksChangeIn });
  if (plan.manual.length > 0) {
    const reasons = [...new Set(plan.manual.map((m) => m.message.replace(/\.$/, '')))];
    return fail(
      `${rel} cannot be rewritten automatically, so nothing was changed: ${reasons.join('; ')}. Rewrite it by hand and save it: then this step ("stepwise cleanup ${rel}", or Rewrite to new API in the checklist) commits your rewrite through the same checks.`,
    );
  }
  // Files that use the instances this file makes (`require('./a').cache.del(key)`) move onto the
  // new API with it: their uses of those instances are rewritten in the same commit.
  const inheritors: { path: string; changes: TextChange[]; lines: string }[] = [];
  const problems: string[] = [];
  for (const other of index.graph.transitiveDependents(rel)) {
    if (other === spec.adapter.module || legacy.files.has(other) || !index.hasFile(other)) continue;
    const theirs = index.analyseAgainst(other, modules);
    const inherited = theirs?.usages.filter((u) => u.from === rel) ?? [];
    if (!theirs || inherited.length === 0) continue;
    const lines = [...new Set(inherited.map((u) => u.line))].join(', ');
    if (theirs.usages.some((u) => u.from !== rel)) {
      problems.push(`${other} uses what ${rel} exports (line ${lines}) and the old API of its own; clean up ${other} first`);
      continue;
    }
    const otherText = index.textOf(other) ?? '';
    const otherSpecifier = targetIsFile ? relativeSpecifier(other, spec.target.module, index.extensionStyleFor(other)) : spec.target.module;
    const otherPlan = planNativeRewrite({ analysis: theirs, text: otherText, typeMap, targetExports, targetSpecifier: otherSpecifier });
    if (otherPlan.manual.length > 0) {
      problems.push(
        `${other} uses what ${rel} exports in a way Stepwise cannot rewrite (${[...new Set(otherPlan.manual.map((m) => m.message.replace(/\.$/, '')))].join('; ')})`,
      );
      continue;
    }
    if (otherPlan.changes.length > 0) inheritors.push({ path: other, changes: otherPlan.changes, lines });
  }
  if (problems.length > 0)
    return fail(
      `${rel} cannot be rewritten automatically, so nothing was changed: ${problems.join('; ')}. Rewrite them by hand and save them: then this step commits the rewrite of ${rel} through the same checks.`,
    );
  const edits = [{ path: rel, before: text, after: applyTextChanges(text, plan.changes) }];
  for (const other of [...plan.elsewhere, ...inheritors]) {
    const before = index.textOf(other.path) ?? '';
    edits.push({ path: other.path, before, after: applyTextChanges(before, other.changes) });
  }
  const check = index.checkEdits(edits);
  if (!check.ok)
    return fail(`Rewriting ${rel} to the new API would introduce errors, so nothing was changed: ${describeProblems(check.problems)}.`);
  result.files.push({ path: rel, changes: plan.changes });
  for (const other of plan.elsewhere) {
    result.files.push({ path: other.path, changes: other.changes });
    result.notes.push(
      `${other.path} changes with it: the options it builds for ${rel} take the new API's form, and nothing else imports it.`,
    );
  }
  for (const other of inheritors) {
    result.files.push({ path: other.path, changes: other.changes });
    result.notes.push(`${other.path} changes with it: its uses of what ${rel} exports (line ${other.lines}) take the new API's form.`);
  }
  result.routed = plan.rewritten + inheritors.reduce((n, o) => n + o.changes.length, 0);
  return result;
}
