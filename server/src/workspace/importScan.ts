import * as path from 'node:path';
import { ts } from 'ts-morph';
import { packageNameOf } from './paths';
import type { WorkspacePaths } from './paths';

/** Where one specifier of a file leads. */
export type ResolvedImport = { kind: 'file'; path: string } | { kind: 'package'; name: string } | { kind: 'unresolved'; specifier: string };

/**
 * Lists a file's module specifiers (imports, re-exports, require, dynamic import) with the
 * scanner only, no parse: cheap enough to run on every file of a large workspace.
 */
export function scanSpecifiers(text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  const names = info.importedFiles.map((f) => f.fileName);
  return [...new Set(names)];
}

/** Resolves specifiers to workspace files or packages with TypeScript's module resolution. */
export class ModuleResolver {
  private cache: ts.ModuleResolutionCache;

  constructor(
    private readonly paths: WorkspacePaths,
    private readonly optionsFor: (relativeFile: string) => ts.CompilerOptions,
  ) {
    this.cache = ts.createModuleResolutionCache(paths.root, (f) => f);
  }

  /** Forget cached lookups (after files were created, deleted or renamed). */
  reset(): void {
    this.cache = ts.createModuleResolutionCache(this.paths.root, (f) => f);
  }

  resolve(fromRelative: string, specifier: string): ResolvedImport {
    const containing = this.paths.toAbsolute(fromRelative);
    const options = this.optionsFor(fromRelative);
    const result = ts.resolveModuleName(specifier, containing, options, ts.sys, this.cache);
    const resolved = result.resolvedModule;
    const bare = !specifier.startsWith('.') && !path.isAbsolute(specifier);
    if (!resolved) return bare ? { kind: 'package', name: packageNameOf(specifier) } : { kind: 'unresolved', specifier };
    if (resolved.isExternalLibraryImport || !this.paths.contains(resolved.resolvedFileName)) {
      return bare ? { kind: 'package', name: packageNameOf(specifier) } : { kind: 'unresolved', specifier };
    }
    const rel = this.paths.toRelative(resolved.resolvedFileName);
    // A declaration file next to a source file is not what a workspace import means.
    return { kind: 'file', path: rel };
  }
}
