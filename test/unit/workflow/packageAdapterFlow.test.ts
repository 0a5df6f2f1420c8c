// A preset that migrates a package, end to end: the lru-service fixture (plain CommonJS
// JavaScript, no tsconfig) with lru-cache 6 and lru-cache 10 really installed from the registry,
// migrated one file at a time through the generated JavaScript adapter on a real git repository;
// after every file the fixture's own tests pass with the adapter in each rollout mode, so
// lru-cache 10 really answers, with lru-cache 6's arguments translated. Then the cleanup rewrites
// each file onto lru-cache 10 (with the options helper only one of them imports), the tests pass
// after each, and the adapter and lru-cache 6 are removed.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineResult } from '../../../server/src/protocol/wire';
import { cli } from '../../support/cliRun';
import { runFixtureTests } from '../../support/fixtureTests';
import { commitAll, git, openHarness } from '../../support/workflowRepo';
import type { Harness } from '../../support/workflowRepo';

const fixture = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'lru-service');
const flag = 'STEPWISE_FLAG_LRU_CACHE_6_TO_10';

function assertOk(result: EngineResult): asserts result is Extract<EngineResult, { ok: true }> {
  assert.ok(result.ok, result.ok ? '' : result.error);
}

/** The fixture's own `npm test` in one rollout mode: its pass and fail counts. */
function fixtureTests(root: string, mode: string): { pass: number; fail: number } {
  const { pass, fail } = runFixtureTests(root, { [flag]: mode });
  return { pass, fail };
}

describe('lru-cache 6 to 10 on lru-service: the package adapter, file by file, with the fixture’s own tests', function () {
  this.timeout(300_000);
  let h: Harness;
  let root: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'stepwise-lru-flow-'));
    cpSync(fixture, root, { recursive: true });
    // The preset, plus what a short test can observe (no minimum of calls before the approval), and
    // the fixture's own tests as Stepwise's verification.
    writeFileSync(
      join(root, '.stepwise/migration.json'),
      `${JSON.stringify({ preset: 'lru-cache-6-to-10', observation: { minimumCalls: 0 }, verify: { test: 'npm test' } }, null, 2)}\n`,
    );
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: root, stdio: 'ignore' });
    commitAll(root);
    h = await openHarness(root, {}, { removeOnDispose: true });
  });

  after(async () => {
    await h?.dispose();
  });

  it('passes its own tests before the migration, on lru-cache 6', () => {
    assert.deepEqual(fixtureTests(root, 'legacy'), { pass: 5, fail: 0 });
  });

  for (const file of ['src/rate-limit.js', 'src/session-store.js']) {
    it(`routes ${file} through a JavaScript adapter; the tests pass in every mode`, async () => {
      const result = await h.engine.migrate(file, { force: true, reason: 'both files, in the test' });
      assertOk(result);
      assert.deepEqual(
        result.verification?.test?.counts && [result.verification.test.counts.passed, result.verification.test.counts.failed],
        [5, 0],
      );
      assert.match(readFileSync(join(root, file), 'utf8'), /require\('\.\/cache-migration\/lru-cache-adapter'\)/);
      const adapter = readFileSync(join(root, 'src/cache-migration/lru-cache-adapter.js'), 'utf8');
      assert.match(adapter, /^module\.exports = LRUCache;$/m, 'the adapter keeps lru-cache 6’s export shape for require()');
      assert.match(adapter, /require\("lru-cache-10"\)|require\('lru-cache-10'\)/);
      assert.ok(existsSync(join(root, 'src/cache-migration/stepwise-runtime.js')), 'the runtime is JavaScript beside it');
      assert.equal(git(root, 'status', '--porcelain'), '', 'one commit, nothing left over');
      for (const mode of ['legacy', 'shadow', '50', 'new']) {
        assert.deepEqual(fixtureTests(root, mode), { pass: 5, fail: 0 }, `${file}, mode ${mode}`);
      }
      // Let its observation end and approve it, so the next file is the one in flight.
      h.clock.advance(25 * 3600_000);
      assertOk(await h.engine.approve(file));
    });
  }

  it('every routed member answers the same through lru-cache 10 as through lru-cache 6, with no fallback', () => {
    // One row per route: the same calls in legacy mode and in new mode, on a cache of the adapter.
    const calls: [string, unknown[]][] = [
      ['set', ['a', 1]],
      ['set', ['b', 2, 60_000]],
      ['set', ['c', 3]],
      ['get', ['a']],
      ['get', ['missing']],
      ['peek', ['b']],
      ['has', ['c']],
      ['has', ['missing']],
      ['keys', []],
      ['values', []],
      ['del', ['a']],
      ['prune', []],
      ['keys', []],
      ['reset', []],
      ['values', []],
    ];
    const script = `
      const LRU = require('./src/cache-migration/lru-cache-adapter');
      const { stepwiseAdapter } = require('./src/cache-migration/stepwise-runtime');
      const cache = new LRU({ max: 10, maxAge: 60000 });
      const answers = ${JSON.stringify(calls)}.map(([name, args]) => cache[name](...args));
      const m = stepwiseAdapter.metrics();
      console.log(JSON.stringify({ answers: answers.map((a) => (a === undefined ? 'undefined' : a)), next: m.newCalls, fallbacks: m.fallbacks }));`;
    const run = (mode: string): { answers: unknown[]; next: number; fallbacks: number } =>
      JSON.parse(
        execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, [flag]: mode } }),
      ) as {
        answers: unknown[];
        next: number;
        fallbacks: number;
      };
    const legacy = run('legacy');
    const next = run('new');
    assert.deepEqual([legacy.next, next.next, next.fallbacks], [0, calls.length, 0]);
    const table = (answers: unknown[]): string[] =>
      calls.map(([name, args], i) => `${name}(${JSON.stringify(args)}) → ${JSON.stringify(answers[i])}`);
    assert.deepEqual(table(next.answers), table(legacy.answers));
  });

  it('rewrites src/rate-limit.js onto lru-cache 10: its positional TTL, del and the number of entries', async () => {
    const status = await h.engine.status();
    assert.equal(status.phase, 'cleanup');
    const result = await h.engine.migrate('src/rate-limit.js', { cleanup: true });
    assertOk(result);
    assert.deepEqual(
      result.verification?.test?.counts && [result.verification.test.counts.passed, result.verification.test.counts.failed],
      [5, 0],
    );
    const text = readFileSync(join(root, 'src/rate-limit.js'), 'utf8');
    assert.match(text, /^const \{ LRUCache \} = require\('lru-cache-10'\);$/m);
    assert.match(text, /new LRUCache\(\{ max: 1000 \}\)/);
    assert.match(text, /hits\.set\(client, seen \+ 1, \{ ttl: 60 \* 1000 \}\)/);
    assert.match(text, /hits\.delete\(client\)/);
    assert.equal(git(root, 'show', '--name-only', '--format=', 'HEAD').trim(), 'src/rate-limit.js');
    assert.deepEqual(fixtureTests(root, 'legacy'), { pass: 5, fail: 0 });
    h.clock.advance(25 * 3600_000);
    assertOk(await h.engine.approve('src/rate-limit.js'));
  });

  it('rewrites src/session-store.js with the options helper only it imports: ttl, and dispose in the new order', async () => {
    const result = await h.engine.migrate('src/session-store.js', { cleanup: true });
    assertOk(result);
    assert.deepEqual(
      result.verification?.test?.counts && [result.verification.test.counts.passed, result.verification.test.counts.failed],
      [5, 0],
    );
    assert.ok(
      result.notes?.some((n) => /^src\/options\.js changes with it/.test(n)),
      JSON.stringify(result.notes),
    );
    assert.equal(git(root, 'show', '--name-only', '--format=', 'HEAD').trim(), 'src/options.js\nsrc/session-store.js');
    const options = readFileSync(join(root, 'src/options.js'), 'utf8');
    assert.match(options, /^ {4}ttl: ONE_MINUTE,$/m);
    assert.match(options, /dispose: \(value, key\) =>/);
    const store = readFileSync(join(root, 'src/session-store.js'), 'utf8');
    assert.match(store, /this\.cache\.set\(id, session, \{ ttl \}\)/);
    assert.match(store, /return this\.cache\.size;/);
    assert.match(store, /return \[\.\.\.this\.cache\.keys\(\)\];/);
    // Eviction still closes a session exactly once: dispose now reads (value, key).
    assert.deepEqual(fixtureTests(root, 'legacy'), { pass: 5, fail: 0 });
    h.clock.advance(25 * 3600_000);
    assertOk(await h.engine.approve('src/session-store.js'));
  });

  it('removes the adapter, its runtime and lru-cache 6 with `stepwise remove-adapter --confirm PATH`; the tests still pass', async () => {
    const adapter = 'src/cache-migration/lru-cache-adapter.js';
    const refused = await cli('remove-adapter', '--confirm', 'yes', '--root', root);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /type its path, src\/cache-migration\/lru-cache-adapter\.js, to confirm\. Nothing was changed\./);
    const removed = await cli('remove-adapter', '--confirm', adapter, '--root', root);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(
      removed.stdout,
      /^Removed src\/cache-migration\/lru-cache-adapter\.js, src\/cache-migration\/stepwise-runtime\.js, package\.json \([0-9a-f]{8}\); the migration is done\.$/m,
    );
    await h.index.filesChangedOnDisk([adapter, 'src/cache-migration/stepwise-runtime.js', 'package.json']);
    assert.ok(!existsSync(join(root, adapter)));
    assert.ok(!existsSync(join(root, 'src/cache-migration/stepwise-runtime.js')));
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.deepEqual(Object.keys(manifest.dependencies), ['lru-cache-10']);
    assert.equal(git(root, 'status', '--porcelain'), '');
    assert.deepEqual(fixtureTests(root, 'legacy'), { pass: 5, fail: 0 });
    assert.equal((await h.engine.status()).phase, 'done');
  });
});
