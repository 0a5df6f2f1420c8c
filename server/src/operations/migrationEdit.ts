import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildAdapterModel } from '../analysis/adapterModel';
import type { ImportSite } from '../analysis/types';
import { planAdapterRouting } from '../rewrite/adapterRouting';
import { scaffoldAdapter } from '../rewrite/adapterScaffold';
import type { ScaffoldResult } from '../rewrite/adapterScaffold';
import { relativeSpecifier, styleOf } from '../rewrite/specifiers';
import type { ExtensionStyle } from '../rewrite/specifiers';
import { applyTextChanges } from '../rewrite/textChange';
import type { FileChange } from '../rewrite/textChange';
import { isPackageSpecifier } from '../spec/validate';
import { flagNameOf } from '../rewrite/adapterScaffold';
import { hasPackageAdapter, packageAdapterSource } from '../rewrite/packageAdapters';
import { emitRuntimeModule, runtimePathOf } from '../rewrite/runtime/emit';
import { transpileToJavaScript } from '../workspace/transpile';
import type { WorkspaceIndex } from '../workspace/workspaceIndex';
import { describeProblems } from '../workspace/editCheck';
import type { PlannedFile } from '../workspace/editCheck';

/** The edit that migrates one file through the adapter (and creates the adapter the first time). */
export interface MigrationEdit {
  path: string;
  /** The editor version the edit was computed from (null: the text on disk). */
  version: number | null;
  files: FileChange[];
  createsAdapter: boolean;
  routed: number;
  /** Things worth telling the person (members left on the legacy side, usages owned by other files). */
  notes: string[];
  /** Set when nothing can be done: one sentence saying why. */
  error?: string;
}

/**
 * Computes, and verifies, the per-file migration step: re-point the file's legacy imports at the
 * adapter, generating the adapter first when the workspace doesn't have it. Nothing is applied.
 */
export interface MigrationEditOptions {
  /** Route only the import-like statement that starts at this offset. */
  onlySiteStart?: number;
}

export function computeMigrationEdit(index: WorkspaceIndex, rel: string, options: MigrationEditOptions = {}): MigrationEdit {
  const spec = index.currentSpec();
  const version = index.versionOf(rel) ?? null;
  const result: MigrationEdit = { path: rel, version, files: [], createsAdapter: false, routed: 0, notes: [] };
  const fail = (error: string): MigrationEdit => ({ ...result, files: [], createsAdapter: false, routed: 0, error });
  if (!spec) return fail('There is no valid .stepwise/migration.json, so Stepwise does not know what to migrate.');
  const text = index.textOf(rel);
  if (text === undefined) return fail(`${rel} is not a source file of this workspace.`);
  if (rel === spec.adapter.module || index.legacyModules().files.has(rel)) {
    return fail(`${rel} is part of the migration itself (legacy module or adapter), not a file to migrate.`);
  }
  const analysis = index.analysisOf(rel);
  if (analysis && analysis.parseErrors.length > 0) {
    const first = analysis.parseErrors[0];
    return fail(`${rel} does not parse (line ${first.line}: ${first.message}); fix it before migrating.`);
  }
  const sites = analysis?.importSites.filter((s) => s.direct || s.bindings.some((b) => b.legacy)) ?? [];
  if (!analysis || sites.length === 0) {
    const owners = [...new Set((analysis?.usages ?? []).map((u) => u.from).filter((o): o is string => o !== undefined))];
    return fail(
      owners.length > 0
        ? `${rel} does not import the legacy API itself; its legacy values come from ${owners.join(', ')}, so migrate that file instead.`
        : `${rel} has nothing to route: it no longer imports the legacy API.`,
    );
  }

  const adapterExists = index.hasFile(spec.adapter.module) || existsSync(index.paths.toAbsolute(spec.adapter.module));
  const fileStyle = index.extensionStyleFor(rel);
  const specifierFor = (site: ImportSite): string => {
    const style: ExtensionStyle = styleOf(site.specifierText) ?? fileStyle;
    return relativeSpecifier(rel, spec.adapter.module, style);
  };
  const scoped =
    options.onlySiteStart === undefined
      ? analysis
      : { ...analysis, importSites: analysis.importSites.filter((s) => s.span.start === options.onlySiteStart) };
  if (scoped.importSites.length === 0) return fail(`${rel} changed: the import this fix was offered for is gone.`);
  const plan = planAdapterRouting(scoped, text, specifierFor);
  if (plan.blocked.length > 0) {
    return fail(`${rel} cannot be routed safely: ${plan.blocked.map((b) => b.message).join('; ')}.`);
  }
  const after = applyTextChanges(text, plan.changes);
  result.routed = plan.routed;
  result.files.push({ path: rel, changes: plan.changes });

  const planned: PlannedFile[] = [{ path: rel, before: text, after }];
  if (!adapterExists) {
    const style = sites.map((s) => styleOf(s.specifierText)).find((s) => s !== undefined) ?? index.extensionStyleFor(spec.adapter.module);
    const generated = generateAdapter(index, rel, style);
    if ('error' in generated) return fail(generated.error);
    result.createsAdapter = true;
    result.notes.push(...generated.notes);
    result.files.push({ path: spec.adapter.module, create: true, changes: [{ start: 0, end: 0, newText: generated.text }] });
    planned.push({ path: spec.adapter.module, before: undefined, after: generated.text });
    // Its runtime module beside it (written again if a stale one was left behind).
    // Whether it is there is the disk's answer (a revert deletes it, maybe before the index hears).
    const runtimeOnDisk = existsSync(index.paths.toAbsolute(generated.runtime.path));
    const runtimeBefore = runtimeOnDisk ? (index.textOf(generated.runtime.path) ?? '') : undefined;
    result.files.push({
      path: generated.runtime.path,
      create: !runtimeOnDisk,
      changes: [{ start: 0, end: runtimeBefore?.length ?? 0, newText: generated.runtime.text }],
    });
    planned.push({ path: generated.runtime.path, before: runtimeBefore, after: generated.runtime.text });
  }
  const check = index.checkEdits(planned);
  if (!check.ok) {
    return fail(`Routing ${rel} through the adapter would introduce errors, so nothing was changed: ${describeProblems(check.problems)}.`);
  }
  const leftToOthers = analysis.usages.filter((u) => u.from !== undefined);
  if (leftToOthers.length > 0) {
    result.notes.push(
      `${leftToOthers.length} usage(s) in ${rel} use values made in other files; they change when those files are migrated.`,
    );
  }
  return result;
}

/**
 * Generates the adapter and type-checks it; members whose generated route does not type-check
 * are kept on the legacy side (with the reason in the adapter's header) and it is generated again.
 */
export function generateAdapter(index: WorkspaceIndex, fromRel: string, style: ExtensionStyle): ScaffoldResult | { error: string } {
  const spec = index.currentSpec();
  if (!spec) return { error: 'There is no valid spec.' };
  const targetIsFile = !isPackageSpecifier(spec.target.module);
  // The target module is usually imported by nothing yet, so it may not be in the program.
  if (targetIsFile) index.ensureInProject(spec.target.module);
  const context = index.legacyContextFor(fromRel);
  if (!context) return { error: 'There is no valid spec.' };
  if (hasPackageAdapter(spec.preset) && spec.legacy.modules.some(isPackageSpecifier)) {
    return generatePackageAdapter(index, style);
  }
  const targetAbsolute = targetIsFile ? index.paths.toAbsolute(spec.target.module) : index.resolvePackageEntry(spec.target.module);
  const model = buildAdapterModel(context, targetAbsolute);
  if (model.classes.length === 0 && model.functions.length === 0) {
    return {
      error: `None of the legacy exports (${spec.legacy.exports.join(', ') || 'all'}) is a class or function Stepwise can adapt; write ${spec.adapter.module} by hand.`,
    };
  }
  const keepLegacy: Record<string, string> = {};
  for (let attempt = 0; attempt < 4; attempt++) {
    let scaffold: ScaffoldResult;
    try {
      scaffold = scaffoldAdapter({ model, adapterPath: spec.adapter.module, style, keepLegacy, compare: spec.observation.compare });
    } catch (error) {
      return { error: (error as Error).message };
    }
    const check = index.checkEdits([
      { path: scaffold.runtime.path, before: index.textOf(scaffold.runtime.path), after: scaffold.runtime.text },
      { path: spec.adapter.module, before: undefined, after: scaffold.text },
    ]);
    if (check.ok) return scaffold;
    let mapped = false;
    for (const problem of check.problems) {
      const member = scaffold.routeLines.get(problem.line);
      if (!member || keepLegacy[member]) continue;
      keepLegacy[member] = `the generated call did not type-check (${problem.message})`;
      mapped = true;
    }
    if (!mapped) {
      return { error: `The generated adapter ${spec.adapter.module} does not type-check: ${describeProblems(check.problems)}.` };
    }
  }
  return {
    error: `The generated adapter ${spec.adapter.module} still does not type-check after keeping the failing members on the legacy side.`,
  };
}

/**
 * The adapter of a preset that migrates a package (lru-cache 6 to 10): its reviewed routes, in
 * TypeScript, or transpiled for a JavaScript adapter path, as CommonJS or an ES module.
 */
function generatePackageAdapter(index: WorkspaceIndex, style: ExtensionStyle): ScaffoldResult | { error: string } {
  const spec = index.currentSpec();
  if (!spec?.preset) return { error: 'There is no valid spec.' };
  const adapterPath = spec.adapter.module;
  const runtimePath = runtimePathOf(adapterPath);
  const javaScript = /\.(m|c)?jsx?$/.test(adapterPath);
  if (!javaScript && !/\.(m|c)?tsx?$/.test(adapterPath)) {
    return { error: `"adapter.module" (${adapterPath}) must be a .ts or .js file for Stepwise to generate it.` };
  }
  const moduleKind = moduleKindOf(index, adapterPath);
  const legacyModule = spec.legacy.modules.find(isPackageSpecifier) as string;
  const targetSpecifier = isPackageSpecifier(spec.target.module)
    ? spec.target.module
    : relativeSpecifier(adapterPath, spec.target.module, style);
  const flag = flagNameOf(spec.id);
  const source = packageAdapterSource(spec.preset, {
    migrationId: spec.id,
    title: spec.title,
    legacyModule,
    targetSpecifier,
    runtimeSpecifier: relativeSpecifier(adapterPath, runtimePath, javaScript && style === 'ts' ? 'js' : style),
    runtimeFileName: runtimePath.split('/').pop() ?? runtimePath,
    flag,
    moduleKind,
  });
  let text = source.text;
  let runtime = emitRuntimeModule(flag, spec.id, spec.observation.compare);
  if (javaScript) {
    try {
      text = transpileToJavaScript(text, adapterPath.replace(/\.(m|c)?jsx?$/, '.ts'), moduleKind);
      runtime = transpileToJavaScript(runtime, runtimePath.replace(/\.(m|c)?jsx?$/, '.ts'), moduleKind);
    } catch (error) {
      return { error: (error as Error).message };
    }
  }
  return { text, runtime: { path: runtimePath, text: runtime }, routeLines: new Map(), notes: source.notes };
}

/** Whether the adapter at `rel` is loaded as CommonJS or as an ES module (its extension, else the nearest package.json). */
function moduleKindOf(index: WorkspaceIndex, rel: string): 'commonjs' | 'esm' {
  if (/\.m[jt]s$/.test(rel)) return 'esm';
  if (/\.c[jt]s$/.test(rel)) return 'commonjs';
  let dir = path.posix.dirname(rel);
  for (;;) {
    const manifest = index.paths.toAbsolute(dir === '.' ? 'package.json' : `${dir}/package.json`);
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type === 'module' ? 'esm' : 'commonjs';
      } catch {
        return 'commonjs';
      }
    }
    if (dir === '.') return 'commonjs';
    dir = path.posix.dirname(dir);
  }
}
