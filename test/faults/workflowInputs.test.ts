// Hostile input that reaches the workflow through the spec: a log pattern that backtracks without
// end, a log glob or a link that leads out of the workspace, a title that would end the adapter's
// comment and become code. Real git repositories made from the demo.
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { matchLines } from '../../server/src/workflow/logPattern';
import { scanLogs } from '../../server/src/workflow/verification';
import { cli } from '../support/cliRun';
import { prepareWorkspace, removeWorkspace } from '../support/workspace';
import {
  adapter,
  first,
  git,
  journalOf,
  openHarness,
  prepareWorkflowRepo,
  ranLog,
  read,
  runtime,
  snapshot,
  write,
} from '../support/workflowRepo';

const evil = '^(a+)+$';
const evilLine = `${'a'.repeat(34)}b`;

function setSpec(root: string, change: (spec: Record<string, Record<string, unknown>>) => void): void {
  const spec = JSON.parse(read(root, '.stepwise/migration.json')) as Record<string, Record<string, unknown>>;
  change(spec);
  write(root, '.stepwise/migration.json', `${JSON.stringify(spec, null, 2)}\n`);
  git(root, 'commit', '-q', '-am', 'test: spec change');
}

describe('hostile spec input in the workflow', () => {
  it('a log pattern that backtracks without end is stopped at its time budget, off the main thread', async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    try {
      const result = await matchLines(evil, [{ label: 'logs/app.log', text: `fine\n${evilLine}\n` }], { budgetMs: 400 });
      assert.ok('error' in result, JSON.stringify(result));
      assert.match(result.error, /did not finish matching within 0.4 s, so it was stopped/);
      // The caller's thread went on running while the pattern backtracked.
      assert.ok(ticks >= 3, `the main thread ran ${ticks} timer ticks meanwhile`);
    } finally {
      clearInterval(ticker);
    }
    const ordinary = await matchLines('ERROR', [{ label: 'a.log', text: 'ok\nERROR one\nERROR two\n' }]);
    assert.deepEqual(ordinary, { matches: ['a.log: ERROR one', 'a.log: ERROR two'], count: 2 });
  });

  it('untrusted, the log pattern never runs; trusted, the verification fails with the reason instead of hanging', async () => {
    const root = await prepareWorkflowRepo({ verify: { logs: { glob: 'logs/*.log', pattern: evil } } });
    const h = await openHarness(root, { trusted: false });
    try {
      const migrated = await h.engine.migrate(first, { verify: false });
      assert.ok(migrated.ok, migrated.ok ? '' : migrated.error);
      appendFileSync(join(root, 'logs/app.log'), `${evilLine}\n`);
      const untrusted = await h.engine.verify(first);
      assert.ok(untrusted.ok, untrusted.ok ? '' : untrusted.error);
      const entry = journalOf(root).find((e) => e.type === 'verification');
      assert.ok(entry?.type === 'verification');
      assert.equal(entry.results.logs, undefined, 'no scan');
      assert.ok(
        entry.results.skipped.some((s) => /^logs .*not run because the workspace is not trusted/.test(s)),
        entry.results.skipped.join('; '),
      );
      assert.deepEqual(ranLog(root), [], 'nothing from the workspace ran');
    } finally {
      await h.dispose();
    }
  });

  it('trusted, a pattern past its budget fails the verification with the reason', async function () {
    this.timeout(120_000);
    const root = await prepareWorkflowRepo({ verify: { logs: { glob: 'logs/*.log', pattern: evil } } });
    const h = await openHarness(root, { trusted: true });
    try {
      assert.ok((await h.engine.migrate(first, { verify: false })).ok);
      appendFileSync(join(root, 'logs/app.log'), `${evilLine}\n`);
      const result = await h.engine.verify(first);
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.error, /The log pattern \/\^\(a\+\)\+\$\/ did not finish matching within 5 s/);
    } finally {
      await h.dispose();
    }
  });

  it('logs are read only inside the workspace: no "..", no link that leads out', async () => {
    const root = await prepareWorkflowRepo();
    const outside = mkdtempSync(join(tmpdir(), 'stepwise-outside-'));
    try {
      writeFileSync(join(outside, 'secret.log'), 'SECRET=hunter2\n');
      mkdirSync(join(root, 'linked'), { recursive: true });
      symlinkSync(join(outside, 'secret.log'), join(root, 'linked', 'secret.log'));
      symlinkSync(outside, join(root, 'linked', 'dir'));
      for (const glob of ['../*/secret.log', `${outside}/*.log`, 'linked/*.log', 'linked/**/*.log']) {
        const scan = await scanLogs(root, glob, 'SECRET', {});
        assert.deepEqual(scan.matches, [], glob);
        assert.deepEqual(Object.keys(scan.offsets), [], glob);
      }
    } finally {
      rmSync(outside, { recursive: true, force: true });
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a title or a path holding "*/" or quotes stays text in the generated adapter: it never becomes code', async () => {
    const root = await prepareWorkflowRepo();
    setSpec(root, (spec) => {
      spec.title = 'Evil */ globalThis.pwned = 1; /* title\n(with a line break)' as never;
    });
    const h = await openHarness(root, { trusted: false });
    try {
      const result = await h.engine.migrate(first, { verify: false });
      assert.ok(result.ok, result.ok ? '' : result.error);
      for (const rel of [adapter, runtime]) {
        const text = read(root, rel);
        const file = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true);
        const statements = file.statements.map((s) => s.getText(file));
        assert.ok(!statements.some((s) => s.includes('pwned')), `${rel} runs the title as code:\n${statements.join('\n')}`);
        assert.equal((file as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length, 0, `${rel} parses`);
      }
      assert.match(read(root, adapter), /Stepwise adapter for "Evil \* \/ globalThis.pwned = 1; \/\* title \(with a line break\)"/);
    } finally {
      await h.dispose();
    }
  });

  it('reverting the commit that created the adapter is refused while a file outside the workflow imports it', async () => {
    const root = await prepareWorkflowRepo();
    const h = await openHarness(root, { trusted: false });
    try {
      assert.ok((await h.engine.migrate(first, { verify: false })).ok);
      write(
        root,
        'src/extra/uses-adapter.ts',
        "import { AsyncTTLCache } from '../core/cache-migration/legacy-adapter';\nexport const extra = new AsyncTTLCache();\n",
      );
      git(root, 'add', 'src/extra/uses-adapter.ts');
      git(root, 'commit', '-q', '-m', 'a file written by hand that imports the adapter');
      await h.index.filesChangedOnDisk(['src/extra/uses-adapter.ts']);
      const before = snapshot(root);
      const result = await h.engine.revert(first);
      assert.equal(result.ok, false);
      assert.match(
        result.ok ? '' : result.error,
        /created the adapter, and src\/extra\/uses-adapter\.ts imports it outside Stepwise's migrations; reverting would break it/,
      );
      assert.deepEqual(snapshot(root), before, 'nothing changed');
    } finally {
      await h.dispose();
    }
  });

  it('a fresh clone (no journal) does not count old log lines as new: the log check says why it cannot run there', async () => {
    const root = await prepareWorkflowRepo();
    appendFileSync(join(root, 'logs/app.log'), '2025-11-21T09:00:00.000Z ERROR an old failure, from before the migration\n');
    git(root, 'commit', '-q', '-am', 'logs with an old error');
    const h = await openHarness(root, { trusted: true });
    const clone = mkdtempSync(join(tmpdir(), 'stepwise-clone-'));
    try {
      assert.ok((await h.engine.migrate(first, { verify: false })).ok);
      git(tmpdir(), 'clone', '-q', root, clone);
      git(clone, 'config', 'user.name', 'Clone User');
      git(clone, 'config', 'user.email', 'clone@example.invalid');
      symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'));
      const fresh = await openHarness(clone, { trusted: true }, { removeOnDispose: false });
      try {
        const verified = await fresh.engine.verify(first);
        assert.ok(verified.ok, verified.ok ? '' : verified.error);
        assert.equal(verified.verification?.logs, undefined);
        assert.ok(
          verified.verification?.skipped.some((s) => /^logs: the migration was made in another clone/.test(s)),
          verified.verification?.skipped.join('; '),
        );
      } finally {
        await fresh.dispose();
      }
    } finally {
      await h.dispose();
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it('cleanup of a file whose only import is type-only rewrites it (it failed with "Overlapping edits")', async () => {
    const root = await prepareWorkspace('demo', { git: false });
    try {
      const result = await cli('cleanup', 'src/jobs/cleanup-job.ts', '--dry-run', '--root', root);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^\+import type \{ ImprovedAsyncCache \} from '\.\.\/core\/improved-cache';$/m);
      assert.match(result.stdout, /^\+export async function runCleanup\(caches: ImprovedAsyncCache\[\]\)/m);
    } finally {
      await removeWorkspace(root);
    }
  });
});
