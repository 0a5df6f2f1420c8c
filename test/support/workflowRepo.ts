// A git repository of the demo workspace whose spec runs fast, deterministic stand-ins for the
// demo's tests, type check and benchmark. Each stand-in reads what to print from a file under
// `control/` (kept out of git), so a test can make the tests fail, the type check find errors or
// the benchmark regress between the baseline and the verification, without waiting for the real
// `npm test`. Every run of a stand-in is appended to `control/ran.log`, so a test can prove a
// command ran, or did not run (untrusted workspaces).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { appendFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdjustableClock } from '../../server/src/workflow/clock';
import { WorkflowEngine } from '../../server/src/workflow/engine';
import type { JournalEntry } from '../../server/src/workflow/journal';
import type { FileStatus } from '../../server/src/workflow/state';
import { WorkspaceIndex } from '../../server/src/workspace/workspaceIndex';
import { fingerprint } from './cliRun';
import { prepareWorkspace, removeWorkspace } from './workspace';

/** The demo's plan starts with these two low-risk files; the adapter is created by the first migration. */
export const first = 'src/jobs/warmup-job.ts';
export const second = 'src/services/rate-limiter.ts';
export const adapter = 'src/core/cache-migration/legacy-adapter.ts';
/** The runtime module the adapter imports, generated beside it in the same commit. */
export const runtime = 'src/core/cache-migration/stepwise-runtime.ts';
export const migrationId = 'async-ttl-cache-to-improved';
export const hour = 3600_000;
/** The stand-in benchmark, for `prepareWorkflowRepo({ verify: { bench: benchCommand } })`. */
export const benchCommand = 'node scripts/bench.js';

/** What the stand-ins print; written to `control/` (missing files mean "all good"). */
export interface Control {
  /** node:test-style counts; `hang` prints "started" and never exits (for timeouts and cancels). */
  tests?: { pass: number; fail: number; hang?: boolean };
  /** Lines the fake type checker prints (tsc's plain format); exit 2 when there are any. */
  tsc?: string[];
  /** The JSON object the benchmark prints. */
  bench?: Record<string, number>;
}

const fakeTests = `const fs = require('fs');
const path = require('path');
const control = process.env.STEPWISE_FAKE_CONTROL || path.join(__dirname, '..', 'control');
const read = (name, fallback) => (fs.existsSync(path.join(control, name)) ? JSON.parse(fs.readFileSync(path.join(control, name), 'utf8')) : fallback);
fs.mkdirSync(control, { recursive: true });
fs.appendFileSync(path.join(control, 'ran.log'), ['tests', ...process.argv.slice(2)].join(' ') + '\\n');
const tests = read('tests.json', { pass: 5, fail: 0 });
if (tests.hang) {
  console.log('# Subtest: started');
  setInterval(() => undefined, 1000);
} else {
  for (let i = 1; i <= tests.pass; i++) console.log('ok ' + i + ' - passes');
  for (let i = 1; i <= tests.fail; i++) console.log('not ok ' + (tests.pass + i) + ' - fails');
  console.log('1..' + (tests.pass + tests.fail));
  console.log('# tests ' + (tests.pass + tests.fail));
  console.log('# suites 0');
  console.log('# pass ' + tests.pass);
  console.log('# fail ' + tests.fail);
  console.log('# cancelled 0');
  console.log('# skipped 0');
  console.log('# todo 0');
  console.log('# duration_ms 12.5');
  process.exitCode = tests.fail > 0 ? 1 : 0;
}
`;

const fakeTsc = `const fs = require('fs');
const path = require('path');
const control = process.env.STEPWISE_FAKE_CONTROL || path.join(__dirname, '..', 'control');
fs.mkdirSync(control, { recursive: true });
fs.appendFileSync(path.join(control, 'ran.log'), 'typecheck\\n');
const file = path.join(control, 'tsc.txt');
const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
process.stdout.write(text);
process.exitCode = text.trim() ? 2 : 0;
`;

const fakeBench = `const fs = require('fs');
const path = require('path');
const control = process.env.STEPWISE_FAKE_CONTROL || path.join(__dirname, '..', 'control');
fs.mkdirSync(control, { recursive: true });
fs.appendFileSync(path.join(control, 'ran.log'), 'bench\\n');
const file = path.join(control, 'bench.json');
console.log('warming up');
console.log(fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : JSON.stringify({ opsPerSec: 1000 }));
`;

/** Runs git in `root` and returns its output (throws with git's message when git fails). */
export function git(root: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs git and returns its exit code and output instead of throwing (for commands expected to fail). */
export function gitStatus(root: string, ...args: string[]): { code: number; output: string } {
  try {
    return { code: 0, output: git(root, ...args) };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

export const headOf = (root: string): string => git(root, 'rev-parse', 'HEAD').trim();

/** Makes `root` a git repository with a test identity and everything in it committed. */
export function commitAll(root: string): void {
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'config', 'user.name', 'Stepwise Test');
  git(root, 'config', 'user.email', 'test@stepwise.invalid');
  git(root, 'config', 'commit.gpgsign', 'false');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'initial');
}

export const read = (root: string, rel: string): string => readFileSync(join(root, ...rel.split('/')), 'utf8');

export const write = (root: string, rel: string, text: string): void => {
  const file = join(root, ...rel.split('/'));
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
};

export const hashOf = (text: string): string => createHash('sha1').update(text).digest('hex');

/** Writes what the stand-ins print next. */
export function setControl(root: string, control: Control): void {
  if (control.tests) write(root, 'control/tests.json', JSON.stringify(control.tests));
  if (control.tsc) write(root, 'control/tsc.txt', control.tsc.map((l) => `${l}\n`).join(''));
  if (control.bench) write(root, 'control/bench.json', JSON.stringify(control.bench));
}

/** The lines of control/ran.log: which stand-ins ran, in order, with their arguments. */
export function ranLog(root: string): string[] {
  const file = join(root, 'control', 'ran.log');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
}

/** The journal's entries as written (parsed line by line, skipping a line cut short). */
export function journalOf(root: string): JournalEntry[] {
  const file = join(root, '.git', 'stepwise', 'journal.jsonl');
  if (!existsSync(file)) return [];
  const entries: JournalEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      // A line cut short on purpose by a test.
    }
  }
  return entries;
}

/**
 * Everything a person could lose: the files on disk (hashes), git's status, the index (staged
 * blobs), HEAD and any operation in progress. Two equal snapshots mean nothing changed.
 */
export interface Snapshot {
  files: Record<string, string>;
  status: string;
  index: string;
  head: string;
  operations: string[];
}

export function snapshot(root: string): Snapshot {
  const markers = ['MERGE_HEAD', 'rebase-merge', 'rebase-apply', 'CHERRY_PICK_HEAD', 'REVERT_HEAD'];
  // control/ is the stand-ins' own bookkeeping (ran.log grows when a baseline runs).
  const files = Object.fromEntries(Object.entries(fingerprint(root)).filter(([rel]) => !rel.startsWith('control/')));
  return {
    files,
    status: gitStatus(root, 'status', '--porcelain=v1', '--untracked-files=all').output,
    index: gitStatus(root, 'ls-files', '--stage').output,
    head: gitStatus(root, 'rev-parse', '-q', '--verify', 'HEAD').output.trim(),
    operations: markers.filter((m) => existsSync(join(root, '.git', m))),
  };
}

export interface SpecChanges {
  /** Merged into the spec's `verify`. */
  verify?: Record<string, unknown>;
  /** Merged into the spec's `observation`. */
  observation?: Record<string, unknown>;
}

/**
 * A demo copy in a git repository: the spec's verify commands replaced by the stand-ins and that
 * change committed, `control/` excluded from git, commit signing off (whatever the user's global
 * git config says). Returns the folder.
 */
export async function prepareWorkflowRepo(changes: SpecChanges = {}, options: { subfolder?: string } = {}): Promise<string> {
  if (options.subfolder) return buildWorkflowRepo(changes, options);
  // Building one costs a copy and six git processes; the same repository is built once per spec
  // change and copied for each test (a copy of a repository, .git included, is the same repository).
  const key = JSON.stringify(changes);
  let template = templates.get(key);
  if (!template) {
    template = buildWorkflowRepo(changes, options).then((dir) => {
      built.push(dir);
      return dir;
    });
    templates.set(key, template);
  }
  const source = await template;
  const dir = await mkdtemp(join(tmpdir(), 'stepwise-ws-demo-'));
  // One `cp -a` (links kept as they are) is several times faster than fs.cp on a loaded machine.
  execFileSync('cp', ['-a', `${source}/.`, dir]);
  return dir;
}

const templates = new Map<string, Promise<string>>();
const built: string[] = [];
// Exit handlers run synchronously, so the folders are known by then, not awaited.
process.once('exit', () => {
  for (const dir of built) rmSync(dir, { recursive: true, force: true });
});

async function buildWorkflowRepo(changes: SpecChanges, options: { subfolder?: string }): Promise<string> {
  let root: string;
  let top: string;
  if (options.subfolder) {
    // The workspace is a folder inside a larger repository (a monorepo package).
    top = await mkdtemp(join(tmpdir(), 'stepwise-monorepo-'));
    root = join(top, ...options.subfolder.split('/'));
    await prepareWorkspace('demo', { dest: root, git: false });
    git(top, 'init', '-q', '-b', 'main');
    git(top, 'config', 'user.name', 'Stepwise Test');
    git(top, 'config', 'user.email', 'test@stepwise.invalid');
    await appendFile(join(top, '.git', 'info', 'exclude'), 'node_modules/\n');
    git(top, 'add', '-A');
    git(top, 'commit', '-q', '--no-gpg-sign', '-m', 'initial');
  } else {
    root = top = await prepareWorkspace('demo');
  }
  git(top, 'config', 'commit.gpgsign', 'false');
  await appendFile(join(top, '.git', 'info', 'exclude'), 'control/\n');
  write(root, 'scripts/fake-tests.js', fakeTests);
  write(root, 'scripts/fake-tsc.js', fakeTsc);
  write(root, 'scripts/bench.js', fakeBench);
  const spec = JSON.parse(read(root, '.stepwise/migration.json')) as Record<string, Record<string, unknown>>;
  // No benchmark unless a test asks for one (benchCommand): it runs five times per measurement.
  delete spec.verify.bench;
  spec.verify = {
    ...spec.verify,
    test: 'node scripts/fake-tests.js {file}',
    typecheck: 'node scripts/fake-tsc.js',
    benchTolerance: 0.1,
    timeoutSeconds: 60,
    ...changes.verify,
  };
  spec.observation = { hours: 24, requireApproval: true, ...changes.observation };
  write(root, '.stepwise/migration.json', `${JSON.stringify(spec, null, 2)}\n`);
  git(root, 'add', 'scripts', '.stepwise/migration.json');
  git(root, 'commit', '-q', '-m', 'test: fast, deterministic verify commands');
  return root;
}

/** A workflow engine over a fresh index of `root`, with a test clock and switchable trust. */
export interface Harness {
  root: string;
  index: WorkspaceIndex;
  engine: WorkflowEngine;
  clock: AdjustableClock;
  /** Command output the engine streamed. */
  output: string[];
  errors: string[];
  settings: { trusted: boolean; autoRevert: boolean };
  status(file: string): Promise<FileStatus>;
  /** Resolves when the engine's command output (so far or later) matches `pattern`. */
  outputMatches: (pattern: RegExp) => Promise<void>;
  dispose(): Promise<void>;
}

export async function openHarness(
  root: string,
  settings: Partial<Harness['settings']> = {},
  options: { removeOnDispose?: boolean } = {},
): Promise<Harness> {
  const index = new WorkspaceIndex(root);
  await index.start();
  await index.whenIdle();
  const clock = new AdjustableClock();
  const output: string[] = [];
  const errors: string[] = [];
  const waiters: { pattern: RegExp; resolve(): void }[] = [];
  const current = { trusted: true, autoRevert: false, ...settings };
  const engine = new WorkflowEngine(index, {
    clock,
    logger: { error: (m) => errors.push(m), warn: () => undefined, info: () => undefined, debug: () => undefined },
    trusted: () => current.trusted,
    autoRevert: () => current.autoRevert,
    output: (text) => {
      output.push(text);
      for (const waiter of [...waiters]) {
        if (!waiter.pattern.test(output.join(''))) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
  });
  return {
    root,
    index,
    engine,
    clock,
    output,
    errors,
    settings: current,
    async status(file) {
      const found = (await engine.status()).files.find((f) => f.path === file);
      if (!found) throw new Error(`${file} is not in the workflow status`);
      return found;
    },
    outputMatches: (pattern) => {
      if (pattern.test(output.join(''))) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push({ pattern, resolve }));
    },
    async dispose() {
      engine.dispose();
      if (options.removeOnDispose !== false) await removeWorkspace(root);
    },
  };
}
