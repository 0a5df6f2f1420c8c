// The per-file workflow on real git repositories made from the demo fixture: the gates before a
// migration (each refusal with its message and an untouched working tree and index), the
// migration commit and its trailers, hooks, verification against the baseline with stand-in
// commands whose results a test controls, the observation timer on a test clock, approval,
// revert (also conflicts and reverts made outside Stepwise), the journal across restarts and
// crashes, fresh clones that only have the commit trailers, and the markdown report.
import * as assert from 'node:assert/strict';
import { appendFileSync, chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localTime } from '../../../server/src/util/time';
import type { EngineResult } from '../../../server/src/workflow/engine';
import { Journal } from '../../../server/src/workflow/journal';
import type { JournalEntry } from '../../../server/src/workflow/journal';
import type { FileState } from '../../../server/src/workflow/state';
import {
  adapter,
  runtime,
  benchCommand,
  first,
  git,
  gitStatus,
  hashOf,
  headOf,
  hour,
  journalOf,
  migrationId,
  openHarness,
  prepareWorkflowRepo,
  ranLog,
  read,
  second,
  setControl,
  snapshot,
  write,
} from '../../support/workflowRepo';
import type { Harness, SpecChanges } from '../../support/workflowRepo';
import { prepareWorkspace, removeWorkspace } from '../../support/workspace';

const identity = 'Stepwise Test <test@stepwise.invalid>';

/** Git's own reading of a commit's trailers (so they are real trailers, not just lines). */
function trailersOf(root: string, rev = 'HEAD'): Record<string, string> {
  const out = git(root, 'log', '-1', '--format=%(trailers:only,unfold)', rev);
  const trailers: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const match = /^([\w-]+): (.*)$/.exec(line);
    if (match) trailers[match[1]] = match[2];
  }
  return trailers;
}

const filesOfCommit = (root: string, rev = 'HEAD'): string[] =>
  git(root, 'show', '--format=', '--name-only', rev).trim().split('\n').filter(Boolean).sort();

const subjectOf = (root: string, rev = 'HEAD'): string => git(root, 'log', '-1', '--format=%s', rev).trim();

const types = (entries: JournalEntry[]): string[] => entries.map((e) => e.type);

function assertFailed(result: EngineResult, pattern: RegExp): asserts result is EngineResult & { ok: false } {
  assert.equal(result.ok, false, `expected a refusal, got: ${result.ok ? result.message : ''}`);
  assert.match(result.error, pattern);
}

function assertOk(result: EngineResult): asserts result is EngineResult & { ok: true } {
  assert.equal(result.ok, true, result.ok ? '' : result.error);
}

/** Lines that differ between two versions of a file (by position; the migration edits lines in place). */
function changedLines(before: string, after: string): number[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const lines: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) lines.push(i);
  return lines;
}

describe('WorkflowEngine on git repositories of the demo', function () {
  this.timeout(120_000);

  let h: Harness | undefined;
  const extra: string[] = [];
  afterEach(async () => {
    await h?.dispose();
    h = undefined;
    for (const dir of extra.splice(0)) await removeWorkspace(dir);
  });

  async function open(changes: SpecChanges = {}, settings: Partial<Harness['settings']> = {}): Promise<Harness> {
    h = await openHarness(await prepareWorkflowRepo(changes), settings);
    return h;
  }

  /** Migrates FIRST and passes its observation, then approves it: the adapter exists, nothing is in flight. */
  async function approveFirst(harness: Harness): Promise<string> {
    const migrated = await harness.engine.migrate(first);
    assertOk(migrated);
    harness.clock.advance(25 * hour);
    assertOk(await harness.engine.approve(first));
    return migrated.commit as string;
  }

  describe('migrate', () => {
    it('records the dossier and baseline first, commits exactly the file and the new adapter with trailers, verifies and observes', async () => {
      const { root, engine } = await open({ verify: { bench: benchCommand } });
      const original = read(root, first);
      const base = headOf(root);
      assert.deepEqual(journalOf(root), [], 'nothing recorded yet');

      const result = await engine.migrate(first);
      assertOk(result);
      assert.match(
        result.message,
        /^Committed [0-9a-f]{8}: src\/jobs\/warmup-job\.ts is routed through the adapter \(the adapter was created\)\. Verification passed/,
      );

      // One commit on top of the base, holding the file and the adapter it created, nothing else.
      assert.equal(result.commit, headOf(root));
      assert.equal(git(root, 'rev-parse', 'HEAD~1').trim(), base);
      assert.equal(subjectOf(root), `stepwise: route ${first} through the adapter`);
      assert.deepEqual(filesOfCommit(root), [adapter, runtime, first].sort());
      assert.equal(git(root, 'status', '--porcelain'), '');
      assert.notEqual(read(root, first), original);
      assert.match(read(root, first), /cache-migration\/legacy-adapter/);
      assert.equal(git(root, 'show', `${base}:${first}`), original);
      const trailers = trailersOf(root);
      assert.equal(trailers['Stepwise-Migration'], migrationId);
      assert.equal(trailers['Stepwise-File'], first);
      assert.match(trailers['Stepwise-Risk'], /^low 0\.\d\d$/);
      assert.match(
        trailers['Stepwise-Baseline'],
        /^tests 5 passed, 0 failed; type check: no errors; bench opsPerSec 1000; logs: no new matches$/,
      );

      // The evidence came before the commit: dossier and baseline of the base commit.
      const journal = journalOf(root);
      assert.deepEqual(types(journal), ['dossier', 'baseline', 'migrated', 'verification', 'observing']);
      const [dossier, baseline, migrated] = journal;
      assert.ok(dossier.type === 'dossier' && dossier.head === base && dossier.file === first);
      assert.ok(baseline.type === 'baseline' && baseline.head === base && baseline.results.ok);
      assert.ok(migrated.type === 'migrated' && migrated.commit === result.commit && migrated.base === base && migrated.createdAdapter);
      assert.deepEqual(migrated.by, { name: 'Stepwise Test', email: 'test@stepwise.invalid' });

      // Each check ran once for the baseline and once for the verification; {file} became the file.
      const ran = ranLog(root);
      assert.deepEqual(
        ran.filter((l) => l.startsWith('tests')),
        [`tests ${first}`, `tests ${first}`],
      );
      assert.equal(ran.filter((l) => l === 'typecheck').length, 2);
      assert.equal(ran.filter((l) => l === 'bench').length, 10, 'best of five benchmark runs, twice');

      const status = await h!.status(first);
      assert.equal(status.state, 'observing');
      assert.equal(status.commit, result.commit);
      assert.equal((await engine.status()).inFlight, first);
    });

    it('reuses a recorded analysis: analyze, then migrate without running the baseline again', async () => {
      const { root, engine } = await open();
      assertOk(await engine.analyze(first));
      assert.equal((await h!.status(first)).state, 'analyzed');
      assert.deepEqual(
        ranLog(root).filter((l) => l.startsWith('tests')),
        [`tests ${first}`],
      );
      assertOk(await engine.migrate(first));
      assert.deepEqual(types(journalOf(root)), ['dossier', 'baseline', 'migrated', 'verification', 'observing']);
      assert.equal(ranLog(root).filter((l) => l.startsWith('tests')).length, 2, 'the baseline ran once, the verification once');
    });

    it('a new commit makes the recorded analysis stale: the file is pending again', async () => {
      const { root, engine } = await open();
      assertOk(await engine.analyze(first));
      write(root, 'README.md', `${read(root, 'README.md')}\nMore words.\n`);
      git(root, 'commit', '-qam', 'docs');
      assert.equal((await h!.status(first)).state, 'pending');
    });

    it('runs the git hooks; the commit-msg hook sees the message with its trailers', async () => {
      const { root, engine } = await open();
      const seen = join(mkdtempSync(join(tmpdir(), 'stepwise-hooks-')), 'seen');
      extra.push(join(seen, '..'));
      write(root, '.git/hooks/pre-commit', `#!/bin/sh\necho pre-commit >> "${seen}"\n`);
      write(root, '.git/hooks/commit-msg', `#!/bin/sh\ncat "$1" >> "${seen}"\n`);
      chmodSync(join(root, '.git/hooks/pre-commit'), 0o755);
      chmodSync(join(root, '.git/hooks/commit-msg'), 0o755);
      assertOk(await engine.migrate(first));
      const log = readFileSync(seen, 'utf8');
      assert.match(log, /^pre-commit\nstepwise: route src\/jobs\/warmup-job\.ts through the adapter\n/);
      assert.match(log, /^Stepwise-File: src\/jobs\/warmup-job\.ts$/m);
    });

    it('what the user staged in other files stays staged and out of the migration commit', async () => {
      const { root, engine } = await open();
      write(root, 'README.md', '# Staged by the user\n');
      write(root, 'notes.txt', 'untracked notes\n');
      git(root, 'add', 'README.md');
      const result = await engine.migrate(first);
      assertOk(result);
      assert.deepEqual(filesOfCommit(root), [adapter, runtime, first].sort());
      assert.equal(git(root, 'diff', '--cached', '--name-only').trim(), 'README.md');
      assert.equal(git(root, 'show', ':README.md'), '# Staged by the user\n');
      assert.equal(read(root, 'notes.txt'), 'untracked notes\n');
      assert.match(git(root, 'status', '--porcelain'), /^M {2}README\.md\n\?\? notes\.txt\n$/);
    });
  });

  describe('refuses when git or the workspace is not ready, and changes nothing', () => {
    interface Refusal {
      name: string;
      file?: string;
      setup(h: Harness): Promise<void> | void;
      message: RegExp;
      needsConfirmation?: boolean;
    }
    const conflictingBranches = (root: string): void => {
      git(root, 'checkout', '-q', '-b', 'other');
      write(root, 'README.md', 'changed on other\n');
      git(root, 'commit', '-qam', 'other');
      git(root, 'checkout', '-q', 'main');
      write(root, 'README.md', 'changed on main\n');
      git(root, 'commit', '-qam', 'main');
    };
    const refusals: Refusal[] = [
      {
        name: 'not a git repository',
        setup: ({ root }) => rmSync(join(root, '.git'), { recursive: true, force: true }),
        message: /is not in a git repository; Stepwise records each migration as a commit, so run "git init" and commit first\./,
      },
      {
        name: 'a repository without a commit',
        setup: ({ root }) => {
          rmSync(join(root, '.git'), { recursive: true, force: true });
          git(root, 'init', '-q', '-b', 'main');
        },
        message: /^The repository has no commit yet; commit the current state first so there is something to revert to\.$/,
      },
      {
        name: 'the file has uncommitted changes',
        setup: ({ root }) => write(root, first, `${read(root, first)}\n// my local edit\n`),
        message:
          /^src\/jobs\/warmup-job\.ts has uncommitted changes; commit or stash them first, so the migration commit holds only the migration\.$/,
      },
      {
        name: 'the file has staged changes',
        setup: ({ root }) => {
          write(root, first, `${read(root, first)}\n// staged edit\n`);
          git(root, 'add', first);
        },
        message: /^src\/jobs\/warmup-job\.ts has uncommitted changes/,
      },
      {
        name: 'the file was deleted',
        setup: ({ root }) => rmSync(join(root, first)),
        message: /^src\/jobs\/warmup-job\.ts has uncommitted changes/,
      },
      {
        name: 'an uncommitted adapter written by hand',
        setup: ({ root }) => write(root, adapter, 'export {};\n'),
        message: /^src\/core\/cache-migration\/legacy-adapter\.ts has uncommitted changes/,
      },
      {
        name: 'both the file and the adapter',
        setup: ({ root }) => {
          write(root, first, `${read(root, first)}\n// edit\n`);
          write(root, adapter, 'export {};\n');
        },
        message: /^src\/jobs\/warmup-job\.ts and src\/core\/cache-migration\/legacy-adapter\.ts have uncommitted changes/,
      },
      {
        name: 'unsaved changes in the editor',
        setup: ({ root, index }) => index.setDocument(first, `${read(root, first)}\n// typing…\n`, 3),
        message: /^src\/jobs\/warmup-job\.ts has unsaved changes in the editor; save or revert them first\.$/,
      },
      {
        name: 'a merge in progress',
        setup: ({ root }) => {
          conflictingBranches(root);
          assert.equal(gitStatus(root, 'merge', 'other').code, 1);
        },
        message: /^git is in the middle of a merge; finish or abort it first\.$/,
      },
      {
        name: 'a rebase in progress',
        setup: ({ root }) => {
          conflictingBranches(root);
          assert.notEqual(gitStatus(root, 'rebase', 'other').code, 0);
        },
        message: /^git is in the middle of a rebase; finish or abort it first\.$/,
      },
      {
        name: 'a cherry-pick in progress',
        setup: ({ root }) => {
          conflictingBranches(root);
          assert.equal(gitStatus(root, 'cherry-pick', 'other').code, 1);
        },
        message: /^git is in the middle of a cherry-pick; finish or abort it first\.$/,
      },
      {
        name: 'a bisect in progress',
        setup: ({ root }) => void git(root, 'bisect', 'start'),
        message: /^git is in the middle of a bisect; finish or abort it first\.$/,
      },
      {
        name: 'a detached HEAD',
        setup: ({ root }) => void git(root, 'checkout', '-q', '--detach'),
        message: /^HEAD is detached; check out a branch first so the migration commit is not lost\.$/,
      },
      {
        name: 'the spec has errors',
        setup: ({ index }) => index.specChanged('{ "id": "broken", '),
        message: /^The spec has errors; fix \.stepwise\/migration\.json before migrating\.$/,
      },
      {
        name: 'a higher-risk file before lower-risk ones, without a confirmation',
        file: second,
        setup: () => undefined,
        message:
          /^1 lower-risk file\(s\) come first in the plan \(src\/jobs\/warmup-job\.ts\); migrating src\/services\/rate-limiter\.ts \(low risk\) now needs a confirmation and a reason\.$/,
        needsConfirmation: true,
      },
      {
        name: 'a file that does not use the legacy API',
        file: 'src/utils/strings.ts',
        setup: () => undefined,
        message: /^src\/utils\/strings\.ts has nothing to route/,
      },
      {
        name: 'a file whose legacy values come from another file',
        file: 'src/services/shutdown.ts',
        setup: () => undefined,
        message: /its legacy values come from src\/services\/shared-cache\.ts/,
      },
    ];
    for (const c of refusals) {
      it(c.name, async () => {
        const harness = await open();
        await c.setup(harness);
        const before = snapshot(harness.root);
        const result = await harness.engine.migrate(c.file ?? first);
        assertFailed(result, c.message);
        assert.equal(result.needsConfirmation === true, c.needsConfirmation === true);
        assert.deepEqual(snapshot(harness.root), before, 'the working tree, the index and HEAD are as they were');
        assert.deepEqual(ranLog(harness.root), [], 'no command ran');
        assert.deepEqual(
          journalOf(harness.root).filter((e) => e.type === 'migrated'),
          [],
        );
      });
    }
  });

  describe('a failing pre-commit hook', () => {
    it('puts the working tree and the index back, reports the hook’s output, and the migration can go ahead later', async () => {
      const { root, engine, output } = await open();
      write(root, '.git/hooks/pre-commit', '#!/bin/sh\necho "lint: 2 problems in src/jobs/warmup-job.ts" >&2\nexit 1\n');
      chmodSync(join(root, '.git/hooks/pre-commit'), 0o755);
      write(root, 'README.md', '# staged before the migration\n');
      git(root, 'add', 'README.md');
      const before = snapshot(root);

      const result = await engine.migrate(first);
      assertFailed(
        result,
        /^The commit failed, so the working tree was put back as it was\..*lint: 2 problems in src\/jobs\/warmup-job\.ts/,
      );
      assert.deepEqual(snapshot(root), before);
      assert.equal(existsSync(join(root, 'src/core/cache-migration')), false, 'the folder made for the adapter is gone too');
      assert.match(output.join(''), /lint: 2 problems/);
      assert.deepEqual(
        journalOf(root).filter((e) => e.type === 'migrated'),
        [],
      );
      const status = await engine.status();
      assert.equal(status.inFlight, null);
      assert.equal((await h!.status(first)).state, 'analyzed', 'the dossier and baseline stay recorded');

      rmSync(join(root, '.git/hooks/pre-commit'));
      const retried = await engine.migrate(first);
      assertOk(retried);
      assert.deepEqual(filesOfCommit(root), [adapter, runtime, first].sort());
    });
  });

  describe('one file at a time, lowest risk first', () => {
    it('--force with a reason migrates out of plan order and records the reason in the commit, the journal and the status', async () => {
      const { root, engine } = await open();
      const result = await engine.migrate(second, { force: true, reason: 'the rate limiter blocks the release' });
      assertOk(result);
      assert.deepEqual(
        filesOfCommit(root),
        [adapter, runtime, second].sort(),
        'the first migration creates the adapter, whichever file it is',
      );
      assert.match(git(root, 'log', '-1', '--format=%B'), /^Out of plan order: the rate limiter blocks the release$/m);
      const migrated = journalOf(root).find((e) => e.type === 'migrated');
      assert.ok(migrated?.type === 'migrated');
      assert.equal(migrated.forced, 'the rate limiter blocks the release');
      assert.equal((await h!.status(second)).evidence.forced, 'the rate limiter blocks the release');
    });

    it('--force without a reason records that it was confirmed', async () => {
      const { root, engine } = await open();
      assertOk(await engine.migrate(second, { force: true }));
      assert.match(git(root, 'log', '-1', '--format=%B'), /^Out of plan order: confirmed out of plan order$/m);
    });

    it('the lowest-risk file needs no confirmation, and no reason is recorded', async () => {
      const { root, engine } = await open();
      assertOk(await engine.migrate(first, { force: true, reason: 'not needed' }));
      assert.doesNotMatch(git(root, 'log', '-1', '--format=%B'), /Out of plan order/);
      assert.equal((await h!.status(first)).evidence.forced, undefined);
    });

    // Every in-flight state's refusal is in the pure deriveStatus table (workflow/state.test.ts);
    // here, once on a real repository, that the engine applies it and changes nothing.
    const inFlightCases: { name: string; provoke(h: Harness): void; describes: RegExp }[] = [
      { name: 'observing', provoke: () => undefined, describes: /\(observing until \d{4}-\d\d-\d\d \d\d:\d\d \(UTC[+-\d:]*\)\)/ },
    ];
    for (const c of inFlightCases) {
      it(`a second file is refused while the first is ${c.name}, naming it, even with --force`, async () => {
        const harness = await open();
        assertOk(await harness.engine.analyze(first));
        c.provoke(harness);
        await harness.engine.migrate(first);
        const before = snapshot(harness.root);
        for (const options of [{}, { force: true, reason: 'hurry' }]) {
          const result = await harness.engine.migrate(second, options);
          assertFailed(result, new RegExp(`^src/jobs/warmup-job\\.ts is in flight ${c.describes.source}; one file at a time\\.$`));
        }
        assertFailed(await harness.engine.migrate(first), /^src\/jobs\/warmup-job\.ts is already migrated/);
        assert.deepEqual(snapshot(harness.root), before);
      });
    }

    it('a second operation while one runs is refused: the engine is busy', async () => {
      const { root, engine, outputMatches } = await open();
      setControl(root, { tests: { pass: 0, fail: 0, hang: true } });
      const controller = new AbortController();
      const migrating = engine.migrate(first, {}, { signal: controller.signal });
      await outputMatches(/# Subtest: started/);
      assertFailed(await engine.verify(first), /^Stepwise is busy migrating src\/jobs\/warmup-job\.ts; wait for it to finish\.$/);
      assertFailed(await engine.migrate(second, { force: true }), /^Stepwise is busy migrating/);
      controller.abort();
      assertFailed(await migrating, /^Cancelled before the migration commit; src\/jobs\/warmup-job\.ts was not changed\.$/);
    });
  });

  describe('verification against the baseline', () => {
    interface Failure {
      name: string;
      changes?: SpecChanges;
      /** Makes things worse after the migration commit. */
      provoke(root: string): void;
      error: RegExp;
      /** Undoes it, so that verifying again passes; without it, verifying again fails again. */
      fix?(root: string): void;
    }
    const failures: Failure[] = [
      {
        name: 'a failing test',
        provoke: (root) => setControl(root, { tests: { pass: 4, fail: 1 } }),
        error: /1 of 5 test\(s\) failed \(exit code 1\)\./,
        fix: (root) => setControl(root, { tests: { pass: 5, fail: 0 } }),
      },
      {
        name: 'a benchmark regression beyond the tolerance',
        changes: { verify: { bench: benchCommand } },
        provoke: (root) => setControl(root, { bench: { opsPerSec: 850 } }),
        error:
          /The benchmark regressed beyond 10 % and beyond the noise of the runs: opsPerSec 1000 → 850 \(medians, 15\.0 % worse; baseline runs 1000, migrated runs 850\)\./,
        fix: (root) => setControl(root, { bench: { opsPerSec: 990 } }),
      },
      {
        name: 'a new type error',
        provoke: (root) => setControl(root, { tsc: [`${first}(3,7): error TS2322: Type 'string' is not assignable to type 'number'.`] }),
        error: /The type check found new errors in src\/jobs\/warmup-job\.ts \(0 → 1\)\./,
        fix: (root) => setControl(root, { tsc: [] }),
      },
      {
        // A log line cannot be taken back: it stays "new since the migration".
        name: 'a new error line in the logs since the migration',
        provoke: (root) => appendFileSync(join(root, 'logs/app.log'), '2025-11-21T10:00:00.000Z ERROR [resync] cache get failed\n'),
        error: /The logs have 1 new line\(s\) matching \/ERROR\/ since the migration\./,
      },
    ];
    for (const c of failures) {
      it(`${c.name}: the file is failed and stays in flight until fixed or reverted`, async () => {
        const { root, engine } = await open(c.changes);
        assertOk(await engine.migrate(first, { verify: false }));
        c.provoke(root);
        const result = await engine.verify(first);
        assertFailed(result, c.error);
        assert.match(result.error, /^Verification of src\/jobs\/warmup-job\.ts failed: .* Revert it, or fix the cause and verify again\.$/);
        assert.equal(result.verificationFailed, true);
        const status = await h!.status(first);
        assert.equal(status.state, 'failed');
        assert.equal(status.evidence.verification?.ok, false);
        assert.equal((await engine.status()).inFlight, first);
        assertFailed(await engine.approve(first), /needs a passing verification and a finished observation first/);

        if (c.fix) {
          c.fix(root);
          assertOk(await engine.verify(first));
          assert.equal((await h!.status(first)).state, 'observing');
        } else {
          assertFailed(await engine.verify(first), c.error);
          assertOk(await engine.revert(first));
          assert.equal((await h!.status(first)).state, 'reverted');
        }
      });
    }

    const withBench: SpecChanges = { verify: { bench: benchCommand } };
    const passes: { name: string; changes?: SpecChanges; before?(root: string): void; after?(root: string): void }[] = [
      { name: 'a benchmark within the tolerance', changes: withBench, after: (root) => setControl(root, { bench: { opsPerSec: 910 } }) },
      { name: 'more passing tests', after: (root) => setControl(root, { tests: { pass: 9, fail: 0 } }) },
      {
        name: 'type errors that were there before the migration',
        before: (root) =>
          setControl(root, {
            tsc: [`${first}(9,3): error TS2304: Cannot find name 'later'.`, "src/api/users.ts(4,1): error TS1005: ';' expected."],
          }),
      },
      {
        name: 'error lines in the logs from before the migration',
        before: (root) => appendFileSync(join(root, 'logs/app.log'), '2025-11-21T09:00:00.000Z ERROR [resync] an old failure\n'),
      },
    ];
    for (const c of passes) {
      it(`passes with ${c.name}`, async () => {
        const { root, engine } = await open(c.changes);
        c.before?.(root);
        assertOk(await engine.analyze(first));
        c.after?.(root);
        assertOk(await engine.migrate(first));
        assert.equal((await h!.status(first)).state, 'observing');
      });
    }

    it('the benchmark runs the baseline commit beside the working tree, interleaved, and removes the worktree', async () => {
      const { root, engine } = await open({ verify: { bench: benchCommand } });
      const migrated = await engine.migrate(first);
      assertOk(migrated);
      const bench = migrated.verification?.bench;
      assert.ok(bench?.comparisons && bench.baselineSamples, 'compared with side-by-side runs');
      assert.match(bench.comparedWith ?? '', /^the baseline commit [0-9a-f]{8}, run side by side in a temporary worktree/);
      assert.equal(bench.baselineSamples.opsPerSec.length, 5);
      assert.equal(bench.samples?.opsPerSec.length, 5);
      // Only git's own record of the main worktree is left.
      assert.equal(git(root, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
    });

    it('a baseline commit whose benchmark cannot run beside the tree falls back to the runs recorded before the move', async () => {
      // The benchmark needs a file the checkout of the baseline commit does not have (untracked here).
      const { root, engine } = await open({
        verify: {
          bench: `node -e "require('fs').existsSync('local-only.txt') || process.exit(3); console.log('{\\"opsPerSec\\": 1000}')"`,
        },
      });
      write(root, 'local-only.txt', 'only in this working tree\n');
      appendFileSync(join(root, '.git', 'info', 'exclude'), 'local-only.txt\n');
      const migrated = await engine.migrate(first);
      assertOk(migrated);
      const bench = migrated.verification?.bench;
      assert.match(
        bench?.comparedWith ?? '',
        /^the runs recorded before the move \(the baseline commit's benchmark did not run beside the working tree: /,
      );
      assert.ok(bench?.ok);
      assert.equal(git(root, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
    });

    it('tests that already failed in the baseline are not a regression; one more failure is', async () => {
      const { root, engine } = await open();
      setControl(root, { tests: { pass: 4, fail: 1 } });
      const result = await engine.migrate(first);
      assertOk(result);
      assert.equal(result.verification?.test?.note, 'The tests already failed in the baseline; no new failures.');
      // Revert, record a new baseline (one failure) and migrate again with one more failure.
      assertOk(await engine.revert(first));
      assertOk(await engine.analyze(first));
      setControl(root, { tests: { pass: 3, fail: 2 } });
      const worse = await engine.migrate(first);
      assertFailed(worse, /Verification of src\/jobs\/warmup-job\.ts failed: 2 of 5 test\(s\) failed \(exit code 1\)\./);
      const verification = journalOf(root)
        .filter((e) => e.type === 'verification')
        .pop();
      assert.ok(verification?.type === 'verification');
      assert.deepEqual(verification.results.test?.counts, { framework: 'node:test', passed: 3, failed: 2, skipped: 0 });
    });

    it('a verify command that needs a shell stops the migration before the commit, and says why', async () => {
      const { root, engine } = await open({ verify: { test: 'node scripts/fake-tests.js | tee out.txt' } });
      const head = git(root, 'rev-parse', 'HEAD');
      const result = await engine.migrate(first);
      assertFailed(
        result,
        /"node scripts\/fake-tests\.js \| tee out\.txt" needs a shell.*Fix "verify" in the spec; src\/jobs\/warmup-job\.ts was not changed\./,
      );
      assert.equal(git(root, 'rev-parse', 'HEAD'), head, 'no commit');
      assert.notEqual((await h!.status(first)).state, 'failed');
    });

    it('a command that runs longer than the spec’s timeout is stopped and fails the verification', async () => {
      const { root, engine } = await open({ verify: { timeoutSeconds: 1 } });
      assertOk(await engine.analyze(first));
      setControl(root, { tests: { pass: 0, fail: 0, hang: true } });
      const result = await engine.migrate(first);
      assertFailed(result, /The test run did not finish within 1 s\./);
      assert.equal((await h!.status(first)).state, 'failed');
    });

    it('with auto-revert, a failed verification reverts the migration commit at once', async () => {
      const { root, engine } = await open({}, { autoRevert: true });
      const original = read(root, first);
      assertOk(await engine.analyze(first));
      setControl(root, { tests: { pass: 3, fail: 2 } });
      const result = await engine.migrate(first);
      assertFailed(
        result,
        /Verification of src\/jobs\/warmup-job\.ts failed: .*Reverted [0-9a-f]{8} with [0-9a-f]{8}: src\/jobs\/warmup-job\.ts uses the legacy module again\./,
      );
      assert.equal(result.verificationFailed, true);
      const migration = journalOf(root).find((e) => e.type === 'migrated');
      assert.ok(migration?.type === 'migrated');
      assert.match(git(root, 'log', '-1', '--format=%B'), new RegExp(`This reverts commit ${migration.commit}`));
      assert.equal(read(root, first), original);
      assert.equal(existsSync(join(root, adapter)), false);
      assert.equal(git(root, 'status', '--porcelain'), '');
      const reverted = journalOf(root).find((e) => e.type === 'reverted');
      assert.ok(reverted?.type === 'reverted');
      assert.equal(reverted.reason, 'automatic revert after a failed verification');
      assert.equal((await h!.status(first)).state, 'reverted');
      assert.equal((await engine.status()).inFlight, null);
    });

    it('without auto-revert, a failed verification leaves the commit in place', async () => {
      const { root, engine } = await open({}, { autoRevert: false });
      assertOk(await engine.analyze(first));
      setControl(root, { tests: { pass: 3, fail: 2 } });
      const result = await engine.migrate(first);
      assertFailed(result, /Revert it, or fix the cause and verify again\.$/);
      assert.equal(subjectOf(root), `stepwise: route ${first} through the adapter`);
    });

    it('untrusted: only the built-in type check runs, and the results say what was skipped', async () => {
      const { root, engine } = await open(withBench, { trusted: false });
      const result = await engine.migrate(first);
      assertOk(result);
      assert.deepEqual(ranLog(root), [], 'no command from the workspace ran');
      const verification = result.verification;
      assert.ok(verification);
      assert.equal(verification.trusted, false);
      assert.equal(verification.typecheck?.source, 'built-in');
      assert.equal(verification.test, undefined);
      assert.equal(verification.bench, undefined);
      assert.deepEqual(verification.skipped, [
        'tests: not run because the workspace is not trusted',
        "type check command (Stepwise's own type check ran instead): not run because the workspace is not trusted",
        'benchmark: not run because the workspace is not trusted',
        'logs (the pattern comes from the workspace): not run because the workspace is not trusted',
      ]);
      assert.equal(verification.logs, undefined, "the spec's log pattern did not run");
      assert.match(result.message, /untrusted: commands skipped/);
      assert.match(result.message, /Skipped: tests: not run because the workspace is not trusted;/);
      assert.match(trailersOf(root)['Stepwise-Baseline'], /untrusted: commands skipped/);
    });

    it('a baseline taken without trust is taken again once commands may run', async () => {
      const { root, engine, settings } = await open({}, { trusted: false });
      assertOk(await engine.analyze(first));
      assert.deepEqual(ranLog(root), []);
      settings.trusted = true;
      assertOk(await engine.migrate(first));
      const baselines = journalOf(root).filter((e) => e.type === 'baseline');
      assert.deepEqual(
        baselines.map((e) => e.type === 'baseline' && e.results.trusted),
        [false, true],
      );
      assert.equal(ranLog(root).filter((l) => l.startsWith('tests')).length, 2);
    });

    it('cancelled during the baseline: nothing is committed and nothing half-done is recorded', async () => {
      const { root, engine, outputMatches } = await open();
      setControl(root, { tests: { pass: 0, fail: 0, hang: true } });
      const before = snapshot(root);
      const controller = new AbortController();
      const migrating = engine.migrate(first, {}, { signal: controller.signal });
      await outputMatches(/# Subtest: started/);
      controller.abort();
      const result = await migrating;
      assertFailed(result, /cancelled/i);
      assert.equal(result.verificationFailed, undefined);
      assert.deepEqual(snapshot(root), before);
      assert.deepEqual(
        journalOf(root).filter((e) => e.type === 'baseline' || e.type === 'migrated'),
        [],
      );
      assert.equal((await h!.status(first)).state, 'pending');
    });

    it('cancelled during the verification: the file stays migrated, not failed, and is not auto-reverted', async () => {
      const { root, engine, outputMatches, settings } = await open();
      settings.autoRevert = true;
      assertOk(await engine.migrate(first, { verify: false }));
      const head = headOf(root);
      setControl(root, { tests: { pass: 0, fail: 0, hang: true } });
      const controller = new AbortController();
      const verifying = engine.verify(first, { signal: controller.signal });
      await outputMatches(/# Subtest: started/);
      controller.abort();
      const result = await verifying;
      assertFailed(result, /cancelled/i);
      assert.equal(result.verificationFailed, undefined);
      assert.equal(headOf(root), head);
      assert.equal((await h!.status(first)).state, 'migrated');
      setControl(root, { tests: { pass: 5, fail: 0 } });
      assertOk(await engine.verify(first));
    });
  });

  describe('observation, approval and the next file', () => {
    let harness: Harness;
    let migration: string;
    let until: number;
    const ended: string[] = [];
    before(async () => {
      harness = await openHarness(await prepareWorkflowRepo());
      harness.engine.onObservationEnded.on((file) => ended.push(file));
    });
    after(async () => {
      await harness.dispose();
    });
    const state = async (file: string): Promise<FileState> => (await harness.status(file)).state;

    it('migrate without verifying: migrated, in flight, approval refused', async () => {
      const result = await harness.engine.migrate(first, { verify: false });
      assertOk(result);
      migration = result.commit as string;
      assert.equal(await state(first), 'migrated');
      assert.equal((await harness.engine.status()).inFlight, first);
      assertFailed(await harness.engine.approve(first), /needs a passing verification and a finished observation first/);
    });

    it('verify: the observation starts, with its deadline stored in the journal', async () => {
      const started = harness.clock.now();
      const result = await harness.engine.verify(first);
      assertOk(result);
      const observing = journalOf(harness.root).find((e) => e.type === 'observing');
      assert.ok(observing?.type === 'observing');
      until = observing.until;
      assert.equal(until, observing.at + 24 * hour);
      assert.ok(observing.at >= started);
      assert.ok(result.message.includes(`observing until ${localTime(until)}.`), result.message);
      const status = await harness.status(first);
      assert.equal(status.state, 'observing');
      assert.equal(status.observeUntil, new Date(until).toISOString());
      assert.equal(status.commit, migration);
    });

    it('while observing: approval and a second verification are refused, and no end is announced', async () => {
      assertFailed(
        await harness.engine.approve(first),
        new RegExp(`^Observation of src/jobs/warmup-job\\.ts runs until ${localTime(until).replace(/[.()+]/g, '\\$&')}\\.$`),
      );
      assertFailed(await harness.engine.verify(first), /is past verification \(observing\)/);
      harness.clock.advance(until - harness.clock.now() - 60_000);
      await harness.engine.clockChanged();
      assert.equal(await state(first), 'observing');
      assert.deepEqual(ended, []);
    });

    it('after the deadline: awaiting approval, announced once', async () => {
      harness.clock.advance(2 * 60_000);
      await harness.engine.clockChanged();
      assert.equal(await state(first), 'awaiting-approval');
      assert.deepEqual(ended, [first]);
      await harness.engine.clockChanged();
      assert.deepEqual(ended, [first]);
      assert.equal((await harness.engine.status()).inFlight, first, 'still in flight until approved');
      assertFailed(await harness.engine.migrate(second), /src\/jobs\/warmup-job\.ts is in flight \(awaiting approval\)/);
    });

    it('approve: an empty commit with the approver’s identity; what the user staged stays staged and out of it', async () => {
      const { root } = harness;
      git(root, 'config', 'user.name', 'Ada Approver');
      git(root, 'config', 'user.email', 'ada@example.invalid');
      write(root, 'README.md', '# staged by the user\n');
      git(root, 'add', 'README.md');
      write(root, 'scratch.txt', 'untracked\n');
      const before = headOf(root);

      const result = await harness.engine.approve(first);
      assertOk(result);
      assert.match(result.message, /^Approved src\/jobs\/warmup-job\.ts \([0-9a-f]{8}\); the next file is unlocked\.$/);
      assert.equal(result.commit, headOf(root));
      assert.equal(git(root, 'rev-parse', 'HEAD~1').trim(), before);
      assert.equal(git(root, 'rev-parse', 'HEAD^{tree}').trim(), git(root, 'rev-parse', 'HEAD~1^{tree}').trim(), 'an empty commit');
      assert.equal(subjectOf(root), `stepwise: approve ${first}`);
      const trailers = trailersOf(root);
      assert.equal(trailers['Stepwise-Migration'], migrationId);
      assert.equal(trailers['Stepwise-File'], first);
      assert.equal(trailers['Stepwise-Approves'], migration);
      assert.equal(trailers['Stepwise-Approver'], 'Ada Approver <ada@example.invalid>');
      assert.equal(git(root, 'log', '-1', '--format=%an <%ae>').trim(), 'Ada Approver <ada@example.invalid>');
      assert.equal(git(root, 'diff', '--cached', '--name-only').trim(), 'README.md');
      assert.equal(git(root, 'show', ':README.md'), '# staged by the user\n');
      assert.equal(read(root, 'scratch.txt'), 'untracked\n');

      const status = await harness.status(first);
      assert.equal(status.state, 'approved');
      assert.equal(status.evidence.approvedBy, 'Ada Approver <ada@example.invalid>');
      assert.equal(Number.isNaN(Date.parse(status.evidence.approvedAt ?? '')), false);
      const approved = journalOf(root).find((e) => e.type === 'approved');
      assert.ok(approved?.type === 'approved');
      assert.deepEqual(approved.by, { name: 'Ada Approver', email: 'ada@example.invalid' });
      assert.equal(approved.approvalCommit, result.commit);
      assert.equal((await harness.engine.status()).inFlight, null);
      assertFailed(await harness.engine.approve(first), /is already approved/);
      git(root, 'reset', '-q', 'README.md');
      git(root, 'checkout', '-q', 'README.md');
      rmSync(join(root, 'scratch.txt'));
    });

    it('the next file is unlocked: it migrates without --force and reuses the adapter', async () => {
      const result = await harness.engine.migrate(second);
      assertOk(result);
      assert.doesNotMatch(result.message, /adapter was created/);
      assert.deepEqual(filesOfCommit(harness.root), [second]);
      assert.equal(await state(first), 'approved');
      assert.equal(await state(second), 'observing');
    });

    it('reverting the commit that created the adapter is refused while another file still uses it', async () => {
      const before = snapshot(harness.root);
      const result = await harness.engine.revert(first);
      assertFailed(
        result,
        new RegExp(
          `^${migration.slice(0, 8)} created the adapter, which src/services/rate-limiter\\.ts still uses; revert that file first\\.$`,
        ),
      );
      assert.deepEqual(snapshot(harness.root), before);
    });

    it('reverted newest first, both go back, approved ones included, and the adapter with the first', async () => {
      assertOk(await harness.engine.revert(second));
      assert.equal(existsSync(join(harness.root, adapter)), true);
      assertOk(await harness.engine.revert(first));
      assert.equal(existsSync(join(harness.root, adapter)), false);
      assert.equal(await state(first), 'reverted');
      assert.equal(await state(second), 'reverted');
      assert.equal(git(harness.root, 'status', '--porcelain'), '');
    });
  });

  it('without requireApproval the file is approved when its observation ends, and the next unlocks', async () => {
    const { engine, clock } = await open({ observation: { hours: 2, requireApproval: false } });
    const started = clock.now();
    assertOk(await engine.migrate(first));
    const observing = await h!.status(first);
    assert.equal(observing.state, 'observing');
    const until = Date.parse(observing.observeUntil ?? '');
    assert.ok(until >= started + 2 * hour && until <= clock.now() + 2 * hour, observing.observeUntil ?? 'no deadline');
    clock.advance(2 * hour + 1000);
    assert.equal((await h!.status(first)).state, 'approved');
    assert.equal((await engine.status()).inFlight, null);
    assertOk(await engine.migrate(second));
  });

  it('works in a workspace inside a larger repository: paths are the workspace’s, the commit is the repository’s', async () => {
    const root = await prepareWorkflowRepo({}, { subfolder: 'packages/demo' });
    const top = join(root, '..', '..');
    extra.push(top);
    const harness = (h = await openHarness(root, {}, { removeOnDispose: false }));
    write(root, first, `${read(root, first)}\n// edit\n`);
    assertFailed(await harness.engine.migrate(first), /^src\/jobs\/warmup-job\.ts has uncommitted changes/);
    git(top, 'checkout', '-q', '--', `packages/demo/${first}`);

    const result = await harness.engine.migrate(first);
    assertOk(result);
    assert.deepEqual(filesOfCommit(top), [`packages/demo/${adapter}`, `packages/demo/${runtime}`, `packages/demo/${first}`].sort());
    assert.equal(trailersOf(top)['Stepwise-File'], first);
    assert.deepEqual(types(journalOf(top)), ['dossier', 'baseline', 'migrated', 'verification', 'observing']);
    assert.equal((await harness.status(first)).state, 'observing');

    assertOk(await harness.engine.revert(first));
    assert.equal((await harness.status(first)).state, 'reverted');
    assert.equal(existsSync(join(root, adapter)), false);
    assert.equal(git(top, 'status', '--porcelain'), '');
  });

  it('the real demo: its npm test and tsc pass in the baseline and again after the first migration', async () => {
    // The demo's own commands (no stand-ins), without the benchmark, which would compile five times.
    const root = await prepareWorkspace('demo');
    const spec = JSON.parse(read(root, '.stepwise/migration.json')) as { verify: Record<string, unknown> };
    delete spec.verify.bench;
    write(root, '.stepwise/migration.json', JSON.stringify(spec, null, 2));
    git(root, 'config', 'commit.gpgsign', 'false');
    git(root, 'commit', '-qam', 'no benchmark in unit tests');
    const harness = (h = await openHarness(root));

    const result = await harness.engine.migrate(first);
    assertOk(result);
    const baseline = journalOf(root).find((e) => e.type === 'baseline');
    assert.ok(baseline?.type === 'baseline');
    for (const results of [baseline.results, result.verification]) {
      assert.ok(results);
      assert.deepEqual(results.failures, []);
      assert.equal(results.test?.command, 'npm test');
      assert.equal(results.test?.counts?.framework, 'node:test');
      assert.equal(results.test?.counts?.failed, 0);
      assert.ok((results.test?.counts?.passed ?? 0) >= 10, `the demo's tests ran: ${results.test?.tail ?? ''}`);
      assert.deepEqual([results.typecheck?.source, results.typecheck?.errors], ['command', 0]);
    }
    assert.equal(result.verification?.test?.counts?.passed, baseline.results.test?.counts?.passed);
    assert.equal((await harness.status(first)).state, 'observing');
  });

  describe('revert', () => {
    it('reverts the migration commit with git revert; the file and the adapter go back and the next migration may start', async () => {
      const { root, engine, index } = await open();
      const original = read(root, first);
      const migrated = await engine.migrate(first);
      assertOk(migrated);
      const result = await engine.revert(first, 'the p99 latency doubled');
      assertOk(result);
      assert.match(result.message, /^Reverted [0-9a-f]{8} with [0-9a-f]{8}: src\/jobs\/warmup-job\.ts uses the legacy module again\.$/);
      assert.equal(result.commit, headOf(root));
      assert.equal(subjectOf(root), `Revert "stepwise: route ${first} through the adapter"`);
      assert.match(git(root, 'log', '-1', '--format=%B'), new RegExp(`This reverts commit ${migrated.commit}\\.`));
      assert.equal(hashOf(read(root, first)), hashOf(original));
      assert.equal(existsSync(join(root, adapter)), false);
      assert.equal(git(root, 'status', '--porcelain'), '');
      const reverted = journalOf(root).find((e) => e.type === 'reverted');
      assert.ok(reverted?.type === 'reverted');
      assert.equal(reverted.reason, 'the p99 latency doubled');
      assert.equal(reverted.revertCommit, result.commit);

      const status = await h!.status(first);
      assert.equal(status.state, 'reverted');
      assert.equal(status.commit, null);
      assert.deepEqual(status.evidence.reverts, [{ commit: migrated.commit, revertCommit: result.commit, how: 'reverted' }]);
      assert.equal(status.planPosition, 1, 'back in the plan');
      assert.ok((index.analysisOf(first)?.usages.length ?? 0) > 0, 'the index sees the legacy usages again');
      assertFailed(await engine.revert(first), /^src\/jobs\/warmup-job\.ts has no migration commit to revert\.$/);

      // Migrating it again works, and the history keeps the earlier attempt.
      const again = await engine.migrate(first);
      assertOk(again);
      const later = await h!.status(first);
      assert.equal(later.commit, again.commit);
      assert.equal(later.state, 'observing');
      assert.equal(later.evidence.reverts.length, 1);
    });

    it('a revert that conflicts with later changes is aborted, leaves everything as it was, and explains', async () => {
      const { root, engine } = await open();
      const original = read(root, first);
      const migrated = await engine.migrate(first);
      assertOk(migrated);
      // Someone edits the lines the migration changed, and commits.
      const lines = read(root, first).split('\n');
      const changed = changedLines(original, read(root, first));
      assert.ok(changed.length > 0);
      for (const i of changed) lines[i] = `${lines[i]} // reviewed`;
      write(root, first, lines.join('\n'));
      git(root, 'commit', '-qam', 'review the adapter import');
      const before = snapshot(root);

      const result = await engine.revert(first);
      assertFailed(
        result,
        new RegExp(
          `^Reverting ${(migrated.commit as string).slice(0, 8)} conflicts with later changes, so the revert was aborted and nothing changed\\. Revert it by hand \\(git revert ${(migrated.commit as string).slice(0, 8)}\\), resolve the conflicts and commit\\.$`,
        ),
      );
      assert.deepEqual(snapshot(root), before);
      assert.equal(existsSync(join(root, '.git/REVERT_HEAD')), false);
      assert.equal((await h!.status(first)).state, 'observing', 'still migrated');
      assert.equal(
        journalOf(root).some((e) => e.type === 'reverted'),
        false,
      );
    });

    it('refuses while a file of the commit has uncommitted changes, and changes nothing', async () => {
      const { root, engine } = await open();
      assertOk(await engine.migrate(first));
      write(root, adapter, `${read(root, adapter)}\n// tuning the adapter\n`);
      const before = snapshot(root);
      assertFailed(
        await engine.revert(first),
        /^src\/core\/cache-migration\/legacy-adapter\.ts has uncommitted changes; commit or stash them before reverting\.$/,
      );
      assert.deepEqual(snapshot(root), before);
    });

    it('refuses while other changes are staged (git revert needs a clean index), and keeps them staged', async () => {
      const { root, engine } = await open();
      assertOk(await engine.migrate(first));
      write(root, 'README.md', '# staged by the user\n');
      git(root, 'add', 'README.md');
      const before = snapshot(root);
      assertFailed(await engine.revert(first), /^Reverting [0-9a-f]{8} would overwrite uncommitted changes; commit or stash them first\.$/);
      assert.deepEqual(snapshot(root), before);
      assert.equal((await h!.status(first)).state, 'observing');
    });

    it('refuses on a detached HEAD', async () => {
      const { root, engine } = await open();
      assertOk(await engine.migrate(first));
      git(root, 'checkout', '-q', '--detach');
      const before = snapshot(root);
      assertFailed(await engine.revert(first), /^HEAD is detached/);
      assert.deepEqual(snapshot(root), before);
    });

    const external: { name: string; undo(root: string, commit: string): void; how: RegExp; revertCommit: boolean }[] = [
      {
        name: 'git revert outside Stepwise',
        undo: (root, commit) => void git(root, 'revert', '--no-edit', commit),
        how: /^reverted$/,
        revertCommit: true,
      },
      // A reset that drops the commit is derived from the same history and journal (see the
      // deriveStatus table); reading them from a real repository is what this checks.
    ];
    for (const c of external) {
      it(`${c.name} shows the file as reverted, and it may be migrated again`, async () => {
        const { root, engine, index } = await open();
        const migrated = await engine.migrate(first);
        assertOk(migrated);
        c.undo(root, migrated.commit as string);
        await index.filesChangedOnDisk([first, adapter, runtime]);
        const status = await h!.status(first);
        assert.equal(status.state, 'reverted');
        assert.equal(status.commit, null);
        assert.equal(status.evidence.reverts.length, 1);
        const [revert] = status.evidence.reverts;
        assert.equal(revert.commit, migrated.commit);
        assert.match(revert.how, c.how);
        assert.equal(revert.revertCommit, c.revertCommit ? headOf(root) : null);
        assert.equal((await engine.status()).inFlight, null);
        assertOk(await engine.migrate(first));
      });
    }
  });

  it('a migration dropped by a reset and made again identically (the same commit id) is verified afresh', async () => {
    // Same parent, tree, message, author and second: git gives the new commit the old id, which
    // the journal already has a verification and an observation for.
    const { root, engine, clock } = await open();
    const dates = { GIT_AUTHOR_DATE: '2030-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2030-01-01T00:00:00Z' };
    const saved = Object.fromEntries(Object.keys(dates).map((k) => [k, process.env[k]]));
    Object.assign(process.env, dates);
    try {
      const migrated = await engine.migrate(first);
      assertOk(migrated);
      const firstDeadline = Date.parse((await h!.status(first)).observeUntil ?? '');
      git(root, 'reset', '-q', '--hard', 'HEAD~1');
      await h!.index.filesChangedOnDisk([first, adapter, runtime]);
      assert.equal((await h!.status(first)).state, 'reverted');
      clock.advance(hour);
      const again = await engine.migrate(first);
      assertOk(again);
      assert.equal(again.commit, migrated.commit, 'the same commit id');
      const status = await h!.status(first);
      assert.equal(status.state, 'observing');
      assert.ok(Date.parse(status.observeUntil ?? '') >= firstDeadline + hour, 'a new observation, from the new verification');
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  describe('the journal', () => {
    it('survives a restart: a new index and engine on the same folder see the same state and deadline', async () => {
      const { root, engine } = await open();
      assertOk(await engine.migrate(first));
      const before = await h!.status(first);
      const again = await openHarness(root, {}, { removeOnDispose: false });
      try {
        const after = await again.status(first);
        assert.deepEqual(
          { state: after.state, commit: after.commit, observeUntil: after.observeUntil },
          { state: before.state, commit: before.commit, observeUntil: before.observeUntil },
        );
        assert.equal(after.state, 'observing');
      } finally {
        await again.dispose();
      }
    });

    it('a line cut short by a crash is skipped; earlier entries stand and the next entry starts on its own line', async () => {
      const { root, engine, clock } = await open();
      assertOk(await engine.migrate(first));
      const file = join(root, '.git/stepwise/journal.jsonl');
      const count = journalOf(root).length;
      appendFileSync(file, '{"type":"verification","at":17958,"migration":"async-ttl');
      assert.equal((await h!.status(first)).state, 'observing');
      assert.equal((await Journal.in(join(root, '.git/stepwise')).read()).length, count);

      clock.advance(25 * hour);
      assertOk(await engine.approve(first));
      const lines = readFileSync(file, 'utf8').split('\n');
      assert.equal(lines[lines.length - 1], '', 'the file ends with a newline');
      assert.equal(lines[count], '{"type":"verification","at":17958,"migration":"async-ttl', 'the cut line is kept as it was');
      assert.equal((JSON.parse(lines[count + 1]) as JournalEntry).type, 'approved');
      assert.deepEqual(types(await Journal.in(join(root, '.git/stepwise')).read()), [...types(journalOf(root))]);
      assert.equal(journalOf(root).length, count + 1);
      assert.equal((await h!.status(first)).state, 'approved');
    });

    it('a crash between the verification and the observation leaves the file verified; verifying again observes', async () => {
      const { root, engine } = await open();
      assertOk(await engine.migrate(first));
      const file = join(root, '.git/stepwise/journal.jsonl');
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      assert.equal((JSON.parse(lines[lines.length - 1]) as JournalEntry).type, 'observing');
      writeFileSync(file, `${lines.slice(0, -1).join('\n')}\n${lines[lines.length - 1].slice(0, 20)}`);
      // A crash before the operation ended: its evidence note was never written either.
      git(root, 'notes', '--ref=refs/notes/stepwise', 'remove', git(root, 'rev-parse', 'HEAD').trim());
      const status = await h!.status(first);
      assert.equal(status.state, 'verified');
      assert.equal(status.observeUntil, null);
      assertFailed(await engine.approve(first), /needs a passing verification and a finished observation first/);
      assertOk(await engine.verify(first));
      assert.equal((await h!.status(first)).state, 'observing');
    });

    it('a fresh clone has no journal, yet knows from the trailers what was migrated and approved', async () => {
      const { root, engine } = await open();
      const firstCommit = await approveFirst(h!);
      const secondResult = await engine.migrate(second);
      assertOk(secondResult);

      const clone = mkdtempSync(join(tmpdir(), 'stepwise-clone-'));
      extra.push(clone);
      git(tmpdir(), 'clone', '-q', root, clone);
      git(clone, 'config', 'user.name', 'Clone User');
      git(clone, 'config', 'user.email', 'clone@example.invalid');
      git(clone, 'config', 'commit.gpgsign', 'false');
      assert.equal(existsSync(join(clone, '.git/stepwise')), false);

      const fresh = await openHarness(clone, {}, { removeOnDispose: false });
      try {
        const status = await fresh.engine.status();
        assert.equal(status.inFlight, second);
        const one = await fresh.status(first);
        assert.deepEqual({ state: one.state, commit: one.commit }, { state: 'approved', commit: firstCommit });
        assert.equal(one.evidence.approvedBy, identity);
        const two = await fresh.status(second);
        assert.deepEqual({ state: two.state, commit: two.commit }, { state: 'migrated', commit: secondResult.commit });
        assert.equal(two.evidence.verification, undefined, 'the evidence stayed in the other clone’s journal');

        // Verifying in the clone works, and says there was no baseline to compare with.
        const verified = await fresh.engine.verify(second);
        assertOk(verified);
        assert.ok(
          verified.verification?.skipped.includes(
            'comparison with the baseline: none was recorded before this migration (e.g. it was made in another clone)',
          ),
        );
        assert.equal((await fresh.status(second)).state, 'observing');
      } finally {
        await fresh.dispose();
      }
    });
  });

  describe('the report', () => {
    it('has the plan, each file’s evidence, a timeline in order and rollback steps newest last', async () => {
      const { root, engine, clock } = await open();
      const secondResult = await engine.migrate(second, { force: true, reason: 'the rate limiter blocks the release' });
      assertOk(secondResult);
      clock.advance(25 * hour);
      assertOk(await engine.approve(second));
      assertOk(await engine.analyze(first));
      setControl(root, { tests: { pass: 3, fail: 2 } });
      const firstResult = await engine.migrate(first);
      assertFailed(firstResult, /2 of 5 test\(s\) failed \(exit code 1\)\./);
      const firstCommit = (await h!.status(first)).commit as string;

      const report = await engine.report();
      const headings = report.split('\n').filter((l) => l.startsWith('#'));
      assert.deepEqual(headings.slice(0, 5), [
        '# Migration report: AsyncTTLCache to ImprovedAsyncCache',
        '## Plan',
        '## Files',
        `### \`${first}\``,
        `### \`${second}\``,
      ]);
      assert.deepEqual(headings.slice(-2), ['## Timeline', '## Rollback']);
      assert.match(report, /^\*\*1 approved, 1 in flight, \d+ pending; \d+ legacy usages remaining\.\*\*$/m);
      assert.match(report, /^In flight: `src\/jobs\/warmup-job\.ts`\.$/m);
      assert.match(
        report,
        new RegExp(`^\\| — \\| \`src/jobs/warmup-job\\.ts\` \\| — \\| verification failed \\| ${firstCommit.slice(0, 8)} \\|$`, 'm'),
      );
      assert.match(report, /^\| 1 \| `src\/api\/sessions\.ts` \| low \(0\.\d\d\) \| pending \| — \|$/m);

      const section = (file: string): string => report.split(`### \`${file}\``)[1].split(/\n### |\n## /)[0];
      const secondSection = section(second);
      assert.match(secondSection, /State: \*\*approved\*\*, migration commit `[0-9a-f]{8}`\./);
      assert.match(secondSection, /^Migrated by Stepwise Test <test@stepwise\.invalid> at /m);
      assert.match(secondSection, /^Migrated out of plan order: the rate limiter blocks the release\.$/m);
      assert.match(secondSection, /^Approved by Stepwise Test <test@stepwise\.invalid> at /m);
      assert.match(secondSection, /^- Baseline: tests 5 passed, 0 failed; type check: no errors; logs: no new matches\.$/m);
      assert.match(secondSection, /^- Verification: passed — tests 5 passed, 0 failed/m);
      const firstSection = section(first);
      assert.match(firstSection, /State: \*\*verification failed\*\*/);
      assert.match(firstSection, /^- Verification: failed — tests 3 passed, 2 failed/m);
      assert.match(firstSection, /^ {2}- 2 of 5 test\(s\) failed \(exit code 1\)\.$/m);

      const timeline = report.split('## Timeline')[1].split('## Rollback')[0].trim().split('\n');
      const times = timeline.map((l) => Date.parse(l.slice(2, 21).replace(' ', 'T') + 'Z'));
      assert.deepEqual(
        times,
        [...times].sort((a, b) => a - b),
        'in time order',
      );
      assert.deepEqual(
        timeline.map((l) => l.split(' — ')[1].split(' ')[0]),
        [
          'pre-move',
          'baseline',
          '`src/services/rate-limiter.ts`',
          'verification',
          'observation',
          '`src/services/rate-limiter.ts`',
          'pre-move',
          'baseline',
          '`src/jobs/warmup-job.ts`',
          'verification',
        ],
      );
      assert.match(
        timeline[2],
        /migrated in `[0-9a-f]{8}` by Stepwise Test \(adapter created\); out of plan order: the rate limiter blocks the release$/,
      );
      assert.match(timeline[5], /approved by Stepwise Test <test@stepwise\.invalid>/);

      const rollback = report.split('## Rollback')[1];
      assert.match(rollback, /set `[A-Z_]+=legacy`/);
      const reverts = rollback.split('\n').filter((l) => l.includes('git revert '));
      assert.deepEqual(reverts.slice(-2), [
        `  - \`${second}\`: \`git revert ${(secondResult.commit as string).slice(0, 8)}\``,
        `  - \`${first}\`: \`git revert ${firstCommit.slice(0, 8)}\``,
      ]);
    });
  });
});
