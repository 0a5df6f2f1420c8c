// Faults: the real CLI (dist/cli.js) killed with its whole process group at every step of migrate
// and revert (STEPWISE_FAULT_STEP, or a git hook that hangs until the test kills it), hooks that
// hang past git's time limit, processes racing for the repository, and a shallow clone. After
// each, the next Stepwise completes or undoes what was interrupted: the file is either migrated
// and committed or exactly as it was, the journal reads, and the next step works.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { first, git, headOf, journalOf, prepareWorkflowRepo, read, second, setControl, snapshot, write } from '../support/workflowRepo';
import type { Snapshot } from '../support/workflowRepo';
import { repoRoot } from '../support/workspace';

const cliPath = join(repoRoot, 'dist', 'cli.js');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI as its own process group (as a terminal runs it), with extra environment. */
function start(root: string, args: string[], env: Record<string, string> = {}): { done: Promise<Run>; pid: number } {
  const child = spawn(process.execPath, [cliPath, ...args, '--root', root], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, STEPWISE_TRUST: '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { done, pid: child.pid as number };
}

const runCli = (root: string, args: string[], env: Record<string, string> = {}): Promise<Run> => start(root, args, env).done;

/** Re-checks `test` every 20 ms until it holds, for at most 60 s. */
async function waitFor(test: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    if (test()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`Timed out waiting for ${what}.`);
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

/** A hook that writes `marker` and then waits, as a hook stuck on the network would. */
function hangingHook(root: string, name: string, marker: string): void {
  write(root, `.git/hooks/${name}`, `#!/bin/sh\necho started > "${marker}"\nexec sleep 600\n`);
  chmodSync(join(root, '.git', 'hooks', name), 0o755);
}

/**
 * Runs the CLI and has it killed with its whole process group at a step: a named fault point
 * (STEPWISE_FAULT_STEP), or, with `hook`, while that git hook hangs (the test kills the group).
 */
async function killedAt(root: string, args: string[], c: { step: string; hook?: string }): Promise<void> {
  const marker = join(root, '.git', 'hook-started');
  if (c.hook) hangingHook(root, c.hook, marker);
  const run = start(root, args, c.hook ? {} : { STEPWISE_FAULT_STEP: c.step });
  if (c.hook) {
    await waitFor(() => existsSync(marker), 'the hook to start');
    killGroup(run.pid);
  }
  const killed = await run.done;
  assert.equal(killed.signal, 'SIGKILL', `the CLI was killed (exit ${killed.code}): ${killed.stderr}`);
  if (c.hook) rmSync(join(root, '.git', 'hooks', c.hook), { force: true });
}

/** Everything but Stepwise's own bookkeeping in .git/stepwise (the journal may have grown). */
function assertUntouched(root: string, before: Snapshot, label: string): void {
  const after = snapshot(root);
  assert.deepEqual(after, before, `${label}: the working tree, the index and HEAD are as before`);
  assert.equal(existsSync(join(root, '.git', 'index.lock')), false, `${label}: no index.lock is left`);
  const temporaries = readdirSync(join(root, 'src', 'jobs')).filter((n) => n.endsWith('.tmp'));
  assert.deepEqual(temporaries, [], `${label}: no temporary file is left`);
}

function assertJournalReadable(root: string, label: string): void {
  const file = join(root, '.git', 'stepwise', 'journal.jsonl');
  if (!existsSync(file)) return;
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  assert.equal(journalOf(root).length, lines.length, `${label}: every journal line parses`);
}

function migrationCommits(root: string, file: string): string[] {
  return git(root, 'log', '--format=%H', `--grep=^Stepwise-File: ${file}$`)
    .trim()
    .split('\n')
    .filter(Boolean)
    .filter((sha) => !git(root, 'log', '-1', '--format=%s', sha).startsWith('Revert'));
}

describe('faults: a Stepwise process killed mid-operation, and what the next one does', function () {
  this.timeout(180_000);

  before(() => {
    if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing; run "node scripts/build.mjs" first.`);
  });

  const migrateSteps: { step: string; hook?: string; outcome: 'undone' | 'completed' }[] = [
    { step: 'migrate:intent-written', outcome: 'undone' },
    { step: 'migrate:files-written', outcome: 'undone' },
    { step: 'commit:staged', outcome: 'undone' },
    { step: 'during git commit (a pre-commit hook is running)', hook: 'pre-commit', outcome: 'undone' },
    { step: 'migrate:committed', outcome: 'completed' },
    { step: 'migrate:recorded', outcome: 'completed' },
  ];

  for (const c of migrateSteps) {
    it(`migrate killed at ${c.step}: the next Stepwise ${c.outcome === 'undone' ? 'puts everything back' : 'completes the record'}, and the next step works`, async () => {
      const root = await prepareWorkflowRepo();
      try {
        const before = snapshot(root);
        await killedAt(root, ['migrate', first], c);
        assert.ok(existsSync(join(root, '.git', 'stepwise', 'intent.json')), 'the interrupted operation left its intent');

        const status = await runCli(root, ['status']);
        assert.equal(status.code, 0, status.stderr);
        assert.match(status.stderr, /Stepwise was stopped during the migration of src\/jobs\/warmup-job\.ts/);
        assert.equal(existsSync(join(root, '.git', 'stepwise', 'intent.json')), false, 'the intent is done with');
        assertJournalReadable(root, c.step);
        if (c.outcome === 'undone') {
          assert.match(
            status.stderr,
            /before its commit, so src\/jobs\/warmup-job\.ts was put back as it was, and .*, which it had created, were removed/,
          );
          assertUntouched(root, before, c.step);
          assert.deepEqual(migrationCommits(root, first), []);
          assert.match(status.stdout, /warmup-job\.ts/, 'the file is in the plan again');
          const again = await runCli(root, ['migrate', first]);
          assert.equal(again.code, 0, again.stderr);
        } else {
          assert.match(status.stderr, /after its commit [0-9a-f]{8} was made; the record of it is now complete/);
          const commits = migrationCommits(root, first);
          assert.equal(commits.length, 1);
          assert.equal(headOf(root), commits[0]);
          assert.equal(git(root, 'status', '--porcelain').trim(), '', 'nothing is left staged or modified');
          const migrated = journalOf(root).filter((e) => e.type === 'migrated' && e.file === first);
          assert.equal(migrated.length, 1, 'one record of the migration, not two');
          const verify = await runCli(root, ['verify', first]);
          assert.equal(verify.code, 0, verify.stderr);
          const revert = await runCli(root, ['revert', first]);
          assert.equal(revert.code, 0, revert.stderr);
        }
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }

  const revertSteps: { step: string; hook?: string; outcome: 'undone' | 'completed' }[] = [
    { step: 'revert:intent-written', outcome: 'undone' },
    { step: 'during git revert (its prepare-commit-msg hook is running)', hook: 'prepare-commit-msg', outcome: 'undone' },
    { step: 'revert:committed', outcome: 'completed' },
  ];

  for (const c of revertSteps) {
    it(`revert killed at ${c.step}: the next Stepwise ${c.outcome === 'undone' ? 'puts everything back' : 'completes the record'}`, async () => {
      const root = await prepareWorkflowRepo();
      try {
        const migrated = await runCli(root, ['migrate', first]);
        assert.equal(migrated.code, 0, migrated.stderr);
        const before = snapshot(root);
        await killedAt(root, ['revert', first], c);

        const status = await runCli(root, ['status']);
        assert.equal(status.code, 0, status.stderr);
        assert.match(status.stderr, /Stepwise was stopped during the revert of src\/jobs\/warmup-job\.ts/);
        assertJournalReadable(root, c.step);
        if (c.outcome === 'undone') {
          assertUntouched(root, before, c.step);
          const again = await runCli(root, ['revert', first]);
          assert.equal(again.code, 0, again.stderr);
        } else {
          assert.equal(git(root, 'status', '--porcelain').trim(), '');
          assert.equal(journalOf(root).filter((e) => e.type === 'reverted').length, 1);
          assert.match(git(root, 'log', '-1', '--format=%s'), /^Revert/);
        }
        assert.match((await runCli(root, ['status', '--json'])).stdout, /"inFlight": null/);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }

  it("a CLI killed during the baseline takes the project's test run with it", async () => {
    const root = await prepareWorkflowRepo();
    try {
      setControl(root, { tests: { pass: 1, fail: 0, hang: true } });
      const before = snapshot(root);
      const run = start(root, ['migrate', first], { STEPWISE_TRUST: '1' });
      const real = realpathSync(root);
      // The stand-in test process: its command line names the script, and it runs in the workspace.
      const testsRunning = (): number[] =>
        readdirSync('/proc')
          .filter((p) => /^\d+$/.test(p))
          .filter((p) => {
            try {
              const running = !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${p}/stat`, 'utf8'));
              return (
                running && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('fake-tests.js') && readlinkSync(`/proc/${p}/cwd`) === real
              );
            } catch {
              return false;
            }
          })
          .map(Number);
      await waitFor(
        () => existsSync(join(root, 'control', 'ran.log')) && read(root, 'control/ran.log').includes('tests'),
        'the tests to start',
      );
      await waitFor(() => testsRunning().length > 0, 'the test process to show');
      killGroup(run.pid);
      await run.done;
      await waitFor(() => testsRunning().length === 0, "the project's test process to stop");
      assertUntouched(root, before, 'baseline');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("a git hook that hangs is stopped at git's time limit: migrate says so, and the tree and index are as before", async () => {
    const root = await prepareWorkflowRepo();
    try {
      const before = snapshot(root);
      hangingHook(root, 'pre-commit', join(root, '.git', 'hook-started'));
      const run = await runCli(root, ['migrate', first], { STEPWISE_GIT_TIMEOUT_SECONDS: '2' });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /The commit was stopped, so the working tree was put back as it was: git commit did not finish within 2 s/);
      rmSync(join(root, '.git', 'hooks', 'pre-commit'));
      assertUntouched(root, before, 'hanging hook');
      const again = await runCli(root, ['migrate', first]);
      assert.equal(again.code, 0, again.stderr);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('three migrate processes started together on three files: exactly one succeeds, the others are refused, nothing else changes', async () => {
    const root = await prepareWorkflowRepo();
    try {
      const plan = JSON.parse((await runCli(root, ['status', '--json'])).stdout) as { files: { path: string }[] };
      const files = plan.files.slice(0, 3).map((f) => f.path);
      assert.deepEqual(files.slice(0, 2), [first, second]);
      const head = headOf(root);
      // --force: the plan's order is not what stops the others; the lock and the one-in-flight gate are.
      const runs = await Promise.all(files.map((file) => runCli(root, ['migrate', file, '--force', '--reason', 'race'])));
      const succeeded = runs.filter((r) => r.code === 0);
      assert.equal(succeeded.length, 1, runs.map((r) => `${r.code}: ${r.stdout}${r.stderr}`).join('\n'));
      for (const refused of runs.filter((r) => r.code !== 0))
        assert.match(refused.stderr, /Another Stepwise operation is running: migrating .* \(the CLI, pid \d+|is in flight/);
      const commits = git(root, 'rev-list', `${head}..HEAD`).trim().split('\n').filter(Boolean);
      assert.equal(commits.length, 1, 'one migration commit');
      assert.equal(git(root, 'status', '--porcelain').trim(), '');
      const migrated = journalOf(root).filter((e) => e.type === 'migrated');
      assert.equal(migrated.length, 1);
      assert.equal(migrated[0].type === 'migrated' && migrated[0].commit, commits[0], 'the journal records the commit that was made');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a shallow clone that may hide a migration commit is refused with the reason', async () => {
    const source = await prepareWorkflowRepo();
    const clone = `${source}-shallow`;
    try {
      const migrated = await runCli(source, ['migrate', first]);
      assert.equal(migrated.code, 0, migrated.stderr);
      git(source, 'commit', '-q', '--allow-empty', '-m', 'later work');
      git(source, 'commit', '-q', '--allow-empty', '-m', 'more later work');
      git(join(source, '..'), 'clone', '-q', '--depth', '1', `file://${source}`, clone);
      const status = JSON.parse((await runCli(clone, ['status', '--json'])).stdout) as { blocked: string | null };
      assert.match(status.blocked ?? '', /This clone is shallow .*"git fetch --unshallow"/);
      const next = await runCli(clone, ['migrate', second]);
      assert.notEqual(next.code, 0);
      assert.match(next.stderr, /This clone is shallow/);
    } finally {
      rmSync(source, { recursive: true, force: true });
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it('cleanup and scaffold-adapter write only under the lock too: refused while another process holds it', async () => {
    const root = await prepareWorkflowRepo();
    try {
      const before = snapshot(root);
      write(
        root,
        '.git/stepwise/operation.lock',
        JSON.stringify({
          pid: process.pid,
          host: hostname(),
          since: Date.now(),
          what: 'reverting src/api/users.ts',
          by: 'VS Code',
          token: 'held',
        }),
      );
      for (const args of [['cleanup', 'src/services/shared-cache.ts'], ['scaffold-adapter']]) {
        const run = await runCli(root, args);
        assert.equal(run.code, 2, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
        assert.match(run.stderr, /Another Stepwise operation is running: reverting src\/api\/users\.ts \(VS Code, pid \d+/);
      }
      rmSync(join(root, '.git', 'stepwise', 'operation.lock'));
      assert.deepEqual(snapshot(root), before, 'nothing was written');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
