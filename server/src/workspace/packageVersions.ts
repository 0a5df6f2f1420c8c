import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Which version of a package each part of the workspace asks for, and which one is installed
 * where. In a monorepo each package.json may depend on another major of the legacy package, and
 * the copy a hoisted node_modules holds may be neither: each file is judged by the range its own
 * package declares, and installed types count only when they are of a legacy version.
 * Cached per folder; `clear()` when a package.json changes.
 */
export class PackageVersions {
  private readonly manifests = new Map<string, Manifest | null>();

  constructor(private readonly root: string) {}

  clear(): void {
    this.manifests.clear();
  }

  /**
   * The range the nearest package.json declaring `name` asks for, from `absoluteFile`'s folder up
   * to the workspace root (dependencies, devDependencies, peer and optional dependencies).
   */
  declaredRange(absoluteFile: string, name: string): string | undefined {
    for (let dir = path.dirname(absoluteFile); ; dir = path.dirname(dir)) {
      const manifest = this.manifest(dir);
      const range = manifest?.ranges[name];
      if (range !== undefined) return range;
      if (!isInside(dir, this.root) || dir === this.root || path.dirname(dir) === dir) return undefined;
    }
  }

  /** The version of the installed package (or its `@types`) a resolved file belongs to. */
  installedVersion(resolvedFile: string, name: string): string | undefined {
    const normalized = resolvedFile.split(path.sep).join('/');
    const types = `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
    for (const dirName of [name, types]) {
      const marker = `/node_modules/${dirName}/`;
      const at = normalized.lastIndexOf(marker);
      if (at < 0) continue;
      const dir = normalized
        .slice(0, at + marker.length - 1)
        .split('/')
        .join(path.sep);
      return this.manifest(dir)?.version;
    }
    return undefined;
  }

  private manifest(dir: string): Manifest | null {
    const cached = this.manifests.get(dir);
    if (cached !== undefined) return cached;
    let manifest: Manifest | null = null;
    try {
      const parsed = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      const ranges: Record<string, string> = {};
      for (const field of ['optionalDependencies', 'peerDependencies', 'devDependencies', 'dependencies']) {
        const deps = parsed[field];
        if (deps && typeof deps === 'object')
          for (const [dep, range] of Object.entries(deps as Record<string, unknown>)) if (typeof range === 'string') ranges[dep] = range;
      }
      manifest = { version: typeof parsed.version === 'string' ? parsed.version : undefined, ranges };
    } catch {
      // No package.json here, or not one that parses: nothing declared at this folder.
    }
    this.manifests.set(dir, manifest);
    return manifest;
  }
}

interface Manifest {
  version: string | undefined;
  ranges: Record<string, string>;
}

function isInside(dir: string, root: string): boolean {
  const rel = path.relative(root, dir);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The major version a dependency range or version starts at (`^6.0.0`, `~4.1`, `6.x`, `npm:lru-cache@6`), if it says one. */
export function majorOf(range: string | undefined): number | undefined {
  if (range === undefined || /^(file|link|git|git\+\w+|https?|workspace|github):/.test(range)) return undefined;
  const alias = /^npm:(?:@[^/]+\/)?[^@]+@(.*)$/.exec(range);
  const match = /(\d+)/.exec(alias ? alias[1] : range);
  return match ? Number(match[1]) : undefined;
}
