import * as path from 'node:path';

/** File extensions the index reads. */
export const sourceExtensions = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'] as const;

export function isSourcePath(file: string): boolean {
  if (file.endsWith('.d.ts') || file.endsWith('.d.mts') || file.endsWith('.d.cts')) return false;
  return sourceExtensions.some((ext) => file.endsWith(ext));
}

/**
 * Whether a path made by path.relative leaves its base: `..`, `../x` or another drive. A name
 * that merely starts with two dots (`..foo.ts`) is inside.
 */
export function leavesBase(rel: string): boolean {
  return rel === '..' || rel.startsWith(`..${path.sep}`) || rel.startsWith('../') || path.isAbsolute(rel);
}

/**
 * Why a path written in the spec is not a workspace path (absolute, or climbing out with `..`),
 * or undefined when it is one.
 */
export function workspacePathProblem(written: string): string | undefined {
  if (path.isAbsolute(written) || /^[a-zA-Z]:[\\/]/.test(written) || written.startsWith('\\'))
    return 'is absolute; write it relative to the workspace folder';
  if (written.startsWith('~')) return 'starts with ~; write it relative to the workspace folder';
  if (written.split(/[\\/]/).includes('..')) return 'climbs out of the workspace with ".."';
  return undefined;
}

/** Converts between absolute paths and workspace-relative paths with `/`. */
export class WorkspacePaths {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  toRelative(absolute: string): string {
    return path.relative(this.root, absolute).split(path.sep).join('/');
  }

  toAbsolute(relative: string): string {
    return path.join(this.root, ...relative.split('/'));
  }

  /** Whether an absolute path lies inside the workspace (and not in node_modules). */
  contains(absolute: string): boolean {
    const rel = path.relative(this.root, absolute);
    return rel !== '' && !leavesBase(rel) && !rel.split(path.sep).includes('node_modules');
  }
}

/** The package name in a bare specifier: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}
