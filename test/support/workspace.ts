// Prepares throwaway copies of fixture workspaces for tests and the demo. A fixture is a real
// little project; each test gets its own copy so that edits, checklists and git history made by
// one run never leak into the next.
import { execFile } from 'node:child_process';
import { appendFile, cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The repository root: this file compiles to out/test/support/workspace.js. */
export const repoRoot = resolve(__dirname, '..', '..', '..');

export interface PrepareWorkspaceOptions {
  /** Folder to create the workspace in; it must not exist yet. Defaults to a new temp folder. */
  dest?: string;
  /** Make the workspace a git repository with one commit "initial" (default true). */
  git?: boolean;
}

/** Returns the folder of a fixture given by name (under test/fixtures) or by absolute path. */
export function getFixtureDir(fixture: string): string {
  return isAbsolute(fixture) ? fixture : join(repoRoot, 'test', 'fixtures', fixture);
}

/**
 * Copies a fixture into a fresh folder and returns the folder's absolute path. The copy gets the
 * repository's TypeScript linked into its node_modules, so the fixture's own scripts (`npx tsc`,
 * `npm test`) work offline without an install, and by default a git repository with one commit,
 * which the extension's revert and diff features rely on.
 */
export async function prepareWorkspace(fixture: string, options: PrepareWorkspaceOptions = {}): Promise<string> {
  const source = getFixtureDir(fixture);
  if (!existsSync(source)) throw new Error(`Fixture not found: ${source}`);

  let dir: string;
  if (options.dest) {
    dir = resolve(options.dest);
    if (existsSync(dir)) throw new Error(`Workspace destination already exists: ${dir}`);
    await mkdir(dir, { recursive: true });
  } else {
    dir = await mkdtemp(join(tmpdir(), `stepwise-ws-${basename(source).replace(/[^\w-]+/g, '_')}-`));
  }

  // A fixture may carry its own node_modules by mistake; the link below must win.
  await cp(source, dir, {
    recursive: true,
    filter: (src) => relative(source, src).split(/[\\/]/)[0] !== 'node_modules',
  });
  await linkTypeScript(dir);

  if (options.git !== false) await initGit(dir);
  return dir;
}

/**
 * After a failed run: copies the workspace (its sources, .git and the journal, not node_modules or
 * build output) to `test-results/<label>-workspace` for inspection, then deletes the temporary
 * folder, so failed runs leave nothing behind in the temp directory. Returns the copy's path.
 */
export async function keepForInspection(dir: string, label: string): Promise<string> {
  const kept = join(repoRoot, 'test-results', `${label}-workspace`);
  await rm(kept, { recursive: true, force: true });
  await mkdir(kept, { recursive: true });
  await cp(dir, kept, {
    recursive: true,
    filter: (src) => !['node_modules', 'dist'].includes(relative(dir, src).split(/[\\/]/)[0]),
  }).catch(() => undefined);
  await removeWorkspace(dir);
  return kept;
}

/** Deletes a workspace made by prepareWorkspace. */
export async function removeWorkspace(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

async function linkTypeScript(dir: string): Promise<void> {
  const typescript = join(repoRoot, 'node_modules', 'typescript');
  if (!existsSync(typescript)) throw new Error(`TypeScript is not installed in ${repoRoot}; run npm install`);
  const bin = join(dir, 'node_modules', '.bin');
  await mkdir(bin, { recursive: true });
  await symlink(typescript, join(dir, 'node_modules', 'typescript'), 'dir');
  // Relative links, like the ones npm makes, so they stay valid if the folder is moved.
  await symlink(join('..', 'typescript', 'bin', 'tsc'), join(bin, 'tsc'));
  await symlink(join('..', 'typescript', 'bin', 'tsserver'), join(bin, 'tsserver'));
}

async function initGit(dir: string): Promise<void> {
  const git = (...args: string[]) => execFileAsync('git', args, { cwd: dir });
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.name', 'Stepwise Test');
  await git('config', 'user.email', 'test@stepwise.invalid');
  // The linked node_modules is machine-specific: keep it out of history and out of `git status`
  // (which the extension reads) even when the fixture has no .gitignore for it.
  await appendFile(join(dir, '.git', 'info', 'exclude'), '\n/node_modules/\n');
  await git('add', '-A');
  await git('commit', '-q', '--no-gpg-sign', '-m', 'initial');
}
