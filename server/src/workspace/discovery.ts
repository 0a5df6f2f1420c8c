import { promises as fs, readFileSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import * as path from 'node:path';
import ignore from 'ignore';
import type { Ignore } from 'ignore';
import { minimatch } from 'minimatch';
import { isSourcePath } from './paths';

/** Folders never worth walking, whatever .gitignore says. */
const alwaysSkipped = new Set(['node_modules', '.git', '.hg', '.svn', '.stepwise']);

export interface DiscoveryOptions {
  /** Workspace-relative globs to leave out (like VS Code's `files.exclude`). */
  exclude: string[];
}

export interface Discovered {
  /** Source files, workspace-relative. */
  sources: string[];
  /** tsconfig.json / jsconfig.json files, workspace-relative. */
  configs: string[];
}

interface Rules {
  base: string;
  matcher: Ignore;
}

/**
 * Lists the workspace's source files (relative, with `/`), honouring every .gitignore on the way
 * down and the exclude globs. Symbolic links to folders are not followed.
 */
export async function discoverSourceFiles(root: string, options: DiscoveryOptions): Promise<Discovered> {
  const found: string[] = [];
  const configs: string[] = [];
  const excluded = (rel: string): boolean => isExcludedBy(options.exclude, rel);

  async function walk(dirRel: string, rules: Rules[]): Promise<void> {
    const dirAbs = path.join(root, dirRel);
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dirAbs, { withFileTypes: true });
    } catch {
      return;
    }
    const here = entries.find((e) => e.isFile() && e.name === '.gitignore');
    let scoped = rules;
    if (here) {
      const text = await fs.readFile(path.join(dirAbs, '.gitignore'), 'utf8').catch(() => '');
      scoped = [...rules, { base: dirRel, matcher: ignore().add(text) }];
    }
    const ignored = (rel: string, isDir: boolean): boolean => isIgnoredBy(scoped, rel, isDir);
    const subdirs: string[] = [];
    for (const entry of entries) {
      const rel = dirRel === '' ? entry.name : `${dirRel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (alwaysSkipped.has(entry.name) || ignored(rel, true) || excluded(rel)) continue;
        subdirs.push(rel);
      } else if (entry.isFile() && (entry.name === 'tsconfig.json' || entry.name === 'jsconfig.json')) {
        if (!ignored(rel, false) && !excluded(rel)) configs.push(rel);
      } else if (entry.isFile() && isSourcePath(entry.name)) {
        if (ignored(rel, false) || excluded(rel)) continue;
        found.push(rel);
      }
    }
    for (const sub of subdirs) await walk(sub, scoped);
  }

  await walk('', []);
  return { sources: found.sort(), configs: configs.sort() };
}

/**
 * Whether discovery would leave a workspace-relative source path out: an always-skipped folder on
 * the way, a .gitignore at any level above it, or an exclude glob. For files that appear after
 * the first scan (watcher events, documents opened in the editor), so they follow the same rules.
 */
export function isLeftOut(root: string, rel: string, options: DiscoveryOptions): boolean {
  const parts = rel.split('/');
  let rules: Rules[] = [];
  for (let i = 0; i < parts.length; i++) {
    const dirRel = parts.slice(0, i).join('/');
    let text: string | undefined;
    try {
      text = readFileSync(path.join(root, dirRel, '.gitignore'), 'utf8');
    } catch {
      text = undefined;
    }
    if (text !== undefined) rules = [...rules, { base: dirRel, matcher: ignore().add(text) }];
    const isDir = i < parts.length - 1;
    const childRel = parts.slice(0, i + 1).join('/');
    if (isDir && alwaysSkipped.has(parts[i])) return true;
    if (isIgnoredBy(rules, childRel, isDir) || isExcludedBy(options.exclude, childRel)) return true;
  }
  return false;
}

function isExcludedBy(exclude: string[], rel: string): boolean {
  return exclude.some((glob) => minimatch(rel, glob, { dot: true }) || minimatch(`${rel}/`, glob, { dot: true }));
}

function isIgnoredBy(rules: Rules[], rel: string, isDir: boolean): boolean {
  return rules.some((r) => {
    const inner = r.base === '' ? rel : rel.slice(r.base.length + 1);
    return r.matcher.ignores(isDir ? `${inner}/` : inner);
  });
}
