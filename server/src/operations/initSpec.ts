import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { presets } from '../spec/presets';
import type { WorkspaceIndex } from '../workspace/workspaceIndex';

/** A module that looks like a legacy cache: cache-like exports imported from many files. */
export interface LegacyCandidate {
  module: string;
  exports: string[];
  importers: number;
  /** A preset that matches a known package, when there is one. */
  preset?: string;
}

const cacheLike = /cache|lru|ttl|memo|store|redis/i;
const exportPattern = /export\s+(?:default\s+)?(?:abstract\s+)?(?:class|function\*?|const|let)\s+([A-Za-z_$][\w$]*)/g;

/** Known legacy packages and the preset for them. */
const knownPackages: Record<string, string> = {
  'lru-cache': 'lru-cache-6-to-10',
  redis: 'redis-3-to-4',
  'cache-manager': 'cache-manager-4-to-5',
};

/**
 * Finds candidates for `legacy.modules`: workspace files exporting cache-like classes or functions
 * that several files import, and known cache packages the workspace depends on.
 */
export function findLegacyCandidates(index: WorkspaceIndex): LegacyCandidate[] {
  const candidates: LegacyCandidate[] = [];
  for (const rel of index.sourceFiles()) {
    const text = index.textOf(rel) ?? '';
    const names = [...text.matchAll(exportPattern)].map((m) => m[1]).filter((n) => cacheLike.test(n));
    if (names.length === 0) continue;
    const importers = index.graph.dependents(rel).length;
    if (importers < 2) continue;
    candidates.push({ module: rel, exports: [...new Set(names)], importers });
  }
  const manifest = path.join(index.root, 'package.json');
  if (existsSync(manifest)) {
    try {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      const deps = { ...pkg.devDependencies, ...pkg.dependencies };
      for (const [name, preset] of Object.entries(knownPackages)) {
        if (!deps[name]) continue;
        candidates.push({
          module: name,
          exports: presets[preset].legacy?.exports ?? [],
          importers: index.graph.usersOfPackage(name).length,
          preset,
        });
      }
    } catch {
      // An unreadable package.json only means no package candidates.
    }
  }
  return candidates.sort((a, b) => b.importers - a.importers || a.module.localeCompare(b.module));
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
