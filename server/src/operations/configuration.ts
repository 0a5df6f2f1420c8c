import { cacheVariablePattern } from '../analysis/configuration';
import type { ConfigurationUse } from '../protocol/wire';
import { chooseCase } from '../spec/contexts';
import { describeTemplate } from '../spec/templates';
import type { MigrationSpec } from '../spec/types';
import type { WorkspaceIndex } from '../workspace/workspaceIndex';

/**
 * The configuration the legacy auto-detection depends on, file by file: reads and writes of the
 * variables the legacy modules read themselves, of `CACHE_*`/`REDIS_*` names and of the spec's
 * `legacy.environment`. Unrelated variables (`PORT`, `NODE_ENV` unless the legacy module reads
 * it) are left out.
 */
export function configurationInventory(index: WorkspaceIndex): { path: string; uses: ConfigurationUse[] }[] {
  const spec = index.currentSpec();
  if (!spec) return [];
  const facts = configurationFacts(index, spec);
  return index
    .sourceFiles()
    .map((path) => ({ path, uses: usesIn(index, spec, facts, path) }))
    .filter((f) => f.uses.length > 0);
}

/** One file's uses of the legacy configuration's variables. */
export function configurationOf(index: WorkspaceIndex, path: string): ConfigurationUse[] {
  const spec = index.currentSpec();
  return spec ? usesIn(index, spec, configurationFacts(index, spec), path) : [];
}

/** What a file depends on: its own uses, and those of the legacy modules it reaches. */
export function configurationDependedOn(index: WorkspaceIndex, path: string): ConfigurationUse[] {
  const legacy = index.legacyModules().files;
  const reached = index.graph.transitiveDependencies(path).filter((d) => legacy.has(d) && d !== path);
  return [path, ...reached].flatMap((p) => configurationOf(index, p));
}

interface Facts {
  /** Variables the legacy modules read → where (`src/cache/legacy.ts line 12`). */
  legacyReads: Map<string, string>;
  /** The factory's test method as people read it (`CacheFactory.forTesting()`). */
  testMethod: string;
}

function configurationFacts(index: WorkspaceIndex, spec: MigrationSpec): Facts {
  const legacyReads = new Map<string, string>();
  for (const file of [...index.legacyModules().files].sort()) {
    for (const access of index.environmentOf(file)) {
      if (access.access === 'read' && !legacyReads.has(access.name)) legacyReads.set(access.name, `${file} line ${access.line}`);
    }
  }
  const testCase = [...Object.values(spec.constructors), ...Object.values(spec.members).flatMap((m) => Object.values(m))]
    .flatMap((rule) => rule.when ?? [])
    .find((c) => c.context === 'tests');
  return { legacyReads, testMethod: testCase ? describeTemplate(testCase.template) : "the new API's test setup" };
}

function usesIn(index: WorkspaceIndex, spec: MigrationSpec, facts: Facts, path: string): ConfigurationUse[] {
  const isLegacy = index.legacyModules().files.has(path);
  const isTest = chooseCase(path, [{ context: 'tests', template: '' }], spec.contexts) !== undefined;
  const uses: ConfigurationUse[] = [];
  for (const access of index.environmentOf(path)) {
    const name = access.name;
    const legacyAt = facts.legacyReads.get(name);
    if (legacyAt === undefined && !cacheVariablePattern.test(name) && !spec.legacy.environment.includes(name)) continue;
    const where = legacyAt && !isLegacy ? ` (the legacy cache reads it at ${legacyAt})` : '';
    let message: string;
    const fixture = access.access === 'write' && isTest;
    if (fixture)
      message = `Sets ${name} for the legacy cache's auto-detection${where}: a test fixture to replace with ${facts.testMethod}, which needs no environment.`;
    else if (access.access === 'write') message = `Sets ${name}, which changes what the legacy cache's auto-detection returns${where}.`;
    else if (isLegacy)
      message = `The legacy cache's auto-detection reads ${name}: document this configuration before the move; the factory takes it as an explicit option.`;
    else
      message = `Reads ${name}, configuration the legacy cache depends on${where}: document it before the move, and pass it to the factory method explicitly.`;
    uses.push({
      path,
      line: access.line,
      column: access.column,
      name,
      access: access.access,
      span: { start: access.start, end: access.end },
      fixture,
      message,
    });
  }
  return uses;
}
