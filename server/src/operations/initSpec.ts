import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { cacheDefinitions, cacheLike } from '../analysis/cacheDefinitions';
import { presets } from '../spec/presets';
import { majorOf } from '../workspace/packageVersions';
import type { WorkspaceIndex } from '../workspace/workspaceIndex';

/** A module that looks like a legacy cache, with why, best first. */
export interface LegacyCandidate {
  module: string;
  exports: string[];
  importers: number;
  /** A preset that matches a known package, when there is one. */
  preset?: string;
  /** Why it is proposed (or ranked lower), in short sentences. */
  reasons: string[];
}

const exportPattern = /export\s+(?:default\s+)?(?:abstract\s+)?(?:class|function\*?|const|let)\s+([A-Za-z_$][\w$]*)/g;

/** Known legacy packages: the preset for them and the last major version it migrates from. */
const knownPackages: Record<string, { preset: string; lastLegacyMajor: number }> = {
  'lru-cache': { preset: 'lru-cache-6-to-10', lastLegacyMajor: 6 },
  redis: { preset: 'redis-3-to-4', lastLegacyMajor: 3 },
  'cache-manager': { preset: 'cache-manager-4-to-5', lastLegacyMajor: 4 },
};

/** How a candidate ranks: a module that makes the cache, then a package, then what only wraps one. */
enum Tier {
  Defines = 0,
  Package = 1,
  Wraps = 2,
  Done = 3,
}

/**
 * Finds candidates for `legacy.modules` from what the code does: a workspace module that
 * *defines* a cache (a class with get/set, a factory that constructs one) and that several files
 * import; a known cache package the code imports or the manifest declares, at a version its preset
 * migrates from. A local module that only wraps a cache package (it constructs the package's
 * class) is the package's user, not the legacy module, and ranks below the package.
 */
export function findLegacyCandidates(index: WorkspaceIndex): LegacyCandidate[] {
  const ranked: { candidate: LegacyCandidate; tier: Tier }[] = [];
  const declared = declaredDependencies(index.root);
  const packageOfFile = new Map<string, string>();
  for (const name of Object.keys(knownPackages)) for (const user of index.graph.usersOfPackage(name)) packageOfFile.set(user, name);

  for (const rel of index.sourceFiles()) {
    const text = index.textOf(rel) ?? '';
    const names = [...new Set([...text.matchAll(exportPattern)].map((m) => m[1]).filter((n) => cacheLike.test(n)))];
    const wrapped = packageOfFile.get(rel);
    if (names.length === 0 && !wrapped) continue;
    const importers = index.graph.dependents(rel).length;
    if (importers < 2) continue;
    const made = cacheDefinitions(rel, text);
    const reasons: string[] = [];
    let tier: Tier;
    if (wrapped) {
      tier = Tier.Wraps;
      reasons.push(
        `wraps the package ${wrapped} (it ${made.constructs.length > 0 ? `constructs ${made.constructs.join(', ')}` : 'imports it'}): the package is what is being replaced, this file is one of its users`,
      );
    } else if (made.classes.length > 0 || made.constructs.length > 0) {
      tier = Tier.Defines;
      if (made.classes.length > 0)
        reasons.push(`defines ${made.classes.map((c) => `class ${c}`).join(', ')} with cache methods (get, set…)`);
      if (made.constructs.length > 0) reasons.push(`constructs ${made.constructs.join(', ')}`);
    } else {
      tier = Tier.Wraps;
      reasons.push(`exports ${names.join(', ')}, but defines no cache class and constructs none`);
    }
    reasons.push(`imported by ${importers} files`);
    ranked.push({ candidate: { module: rel, exports: names, importers, reasons }, tier });
  }

  for (const [name, known] of Object.entries(knownPackages)) {
    const users = index.graph.usersOfPackage(name).length;
    const range = declared[name];
    if (users === 0 && range === undefined) continue;
    const reasons: string[] = [];
    let tier = Tier.Package;
    let preset: string | undefined = known.preset;
    const major = majorOf(range);
    if (range !== undefined) reasons.push(`package.json depends on ${name}@${range}`);
    if (major !== undefined && major > known.lastLegacyMajor) {
      tier = Tier.Done;
      preset = undefined;
      reasons.push(`already past version ${known.lastLegacyMajor}, which the ${known.preset} preset migrates from`);
    } else reasons.push(`the ${known.preset} preset knows its API (no install needed)`);
    reasons.push(`imported by ${users} file${users === 1 ? '' : 's'}`);
    ranked.push({
      candidate: { module: name, exports: preset ? (presets[preset].legacy?.exports ?? []) : [], importers: users, preset, reasons },
      tier,
    });
  }
  return ranked
    .sort(
      (a, b) => a.tier - b.tier || b.candidate.importers - a.candidate.importers || a.candidate.module.localeCompare(b.candidate.module),
    )
    .map((r) => r.candidate);
}

function declaredDependencies(root: string): Record<string, string> {
  const manifest = path.join(root, 'package.json');
  if (!existsSync(manifest)) return {};
  try {
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    return { ...pkg.devDependencies, ...pkg.dependencies };
  } catch {
    // An unreadable package.json only means no declared versions.
    return {};
  }
}

export interface InitChoices {
  legacyModule: string;
  exports: string[];
  targetModule: string;
  adapterModule: string;
  id?: string;
  preset?: string;
}

/** The starter spec text for the chosen modules. */
export function starterSpec(choices: InitChoices): string {
  // A preset that supplies the id, the modules, the target and the adapter: the spec names it, and
  // says only what the project must (its commands).
  const preset = choices.preset ? presets[choices.preset] : undefined;
  if (preset?.id && preset.adapter?.module && preset.legacy?.modules?.includes(choices.legacyModule)) {
    const minimal = {
      $schema: 'https://stepwise.dev/schemas/migration.schema.json',
      preset: choices.preset,
      verify: { test: 'npm test', benchTolerance: 0.1, timeoutSeconds: 600 },
    };
    return `${JSON.stringify(minimal, null, 2)}\n`;
  }
  const base = path.posix.basename(choices.legacyModule).replace(/\.[cm]?[jt]sx?$/, '');
  const id = choices.id ?? `${base.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-migration`;
  const spec: Record<string, unknown> = {
    $schema: 'https://stepwise.dev/schemas/migration.schema.json',
    id,
    title: `${choices.exports.join(', ') || base} to the new API`,
  };
  if (choices.preset) spec.preset = choices.preset;
  spec.legacy = { modules: [choices.legacyModule], exports: choices.exports };
  spec.target = { module: choices.targetModule, exports: [] };
  spec.adapter = { module: choices.adapterModule };
  spec.members = {};
  spec.constructors = {};
  spec.risk = { critical: [] };
  spec.verify = { test: 'npm test', typecheck: 'npx tsc --noEmit', benchTolerance: 0.1, timeoutSeconds: 600 };
  spec.observation = { hours: 24, requireApproval: true };
  return `${JSON.stringify(spec, null, 2)}\n`;
}

/** A sensible adapter path next to the legacy module. */
export function defaultAdapterPath(legacyModule: string): string {
  if (!legacyModule.includes('/') || !/\.[cm]?[jt]sx?$/.test(legacyModule)) return 'src/cache-migration/legacy-adapter.ts';
  return `${path.posix.dirname(legacyModule)}/cache-migration/legacy-adapter.ts`;
}
