// cache-manager 4 to 5 on the cache-service fixture (plain CommonJS, a shared memory cache with
// its ttl in seconds, wrap() around a lookup, callbacks), with cache-manager 4 and 5 really
// installed from the registry: each file is routed through the generated JavaScript adapter on a
// real git repository, verified by Stepwise with the fixture's own tests, and those tests pass in
// each rollout mode. A wrap's work runs once in every mode, and what cache-manager 4 computed in
// shadow mode reaches cache-manager 5. The cleanup says what a person must change; the person's
// rewrites (one with the file that uses its cache) are committed through the same gates, and the
// adapter is removed.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineResult } from '../../../server/src/protocol/wire';
import { runFixtureTests } from '../../support/fixtureTests';
import type { FixtureTestRun } from '../../support/fixtureTests';
import { commitAll, git, openHarness } from '../../support/workflowRepo';
import type { Harness } from '../../support/workflowRepo';

const fixture = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'cache-service');
const flag = 'STEPWISE_FLAG_CACHE_MANAGER_4_TO_5';

function assertOk(result: EngineResult): asserts result is Extract<EngineResult, { ok: true }> {
  assert.ok(result.ok, result.ok ? '' : result.error);
}

describe('cache-manager 4 to 5 on cache-service: the package adapter, file by file, with the fixture’s own tests', function () {
  this.timeout(300_000);
  let h: Harness;
  let root: string;

  const fixtureTests = (mode: string): FixtureTestRun => runFixtureTests(root, { [flag]: mode });

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'stepwise-cache-manager-flow-'));
    cpSync(fixture, root, { recursive: true });
    writeFileSync(
      join(root, '.stepwise/migration.json'),
      `${JSON.stringify({ preset: 'cache-manager-4-to-5', observation: { minimumCalls: 0 }, verify: { test: 'npm test' } }, null, 2)}\n`,
    );
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: root, stdio: 'ignore' });
    commitAll(root);
    h = await openHarness(root, {}, { removeOnDispose: true });
  });

  after(async () => {
    await h?.dispose();
  });

  it('passes its own tests before the migration, on cache-manager 4', () => {
    const result = fixtureTests('legacy');
    assert.deepEqual([result.pass, result.fail], [5, 0], result.output);
  });

  for (const file of ['src/sessions.js', 'src/cache.js']) {
    it(`routes ${file} through a JavaScript adapter, verified by its tests; they pass in every mode`, async () => {
      const result = await h.engine.migrate(file, { force: true, reason: 'both files, in the test' });
      assertOk(result);
      const counts = result.verification?.test?.counts;
      assert.deepEqual(counts && [counts.passed, counts.failed], [5, 0]);
      assert.match(readFileSync(join(root, file), 'utf8'), /require\('\.\/cache-migration\/cache-manager-adapter'\)/);
      const adapter = readFileSync(join(root, 'src/cache-migration/cache-manager-adapter.js'), 'utf8');
      assert.match(adapter, /^module\.exports = cacheManagerAdapter;$/m, 'the adapter keeps cache-manager 4’s export shape');
      assert.match(adapter, /require\("cache-manager-5"\)/);
      assert.equal(git(root, 'status', '--porcelain'), '', 'one commit, nothing left over');
      for (const mode of ['legacy', 'shadow', '50', 'new']) {
        const run = fixtureTests(mode);
        assert.deepEqual([run.pass, run.fail], [5, 0], `${file}, mode ${mode}:\n${run.output}`);
      }
      h.clock.advance(25 * 3600_000);
      assertOk(await h.engine.approve(file));
    });
  }

  it('a wrap computes once in every mode; in shadow mode what cache-manager 4 computed is compared, and agrees', () => {
    // Waits for the comparisons it expects (they settle after the caller has its answer), not for a time.
    const script = (comparisons: number): string => `
      const prices = require('./src/prices');
      const sessions = require('./src/sessions');
      const { stepwiseAdapter } = require('./src/cache-migration/stepwise-runtime');
      const until = (done, then) => (done() ? then() : setImmediate(() => until(done, then)));
      (async () => {
        await prices.price('ab');
        await prices.price('ab');
        await new Promise((resolve) => sessions.save('s', { user: 'ada' }, resolve));
        const loaded = await new Promise((resolve) => sessions.load('s', (error, value) => resolve(value)));
        until(() => stepwiseAdapter.metrics().shadowComparisons >= ${comparisons}, () => {
          const m = stepwiseAdapter.metrics();
          console.log(JSON.stringify({ lookups: prices.lookups(), loaded, next: m.newCalls, fallbacks: m.fallbacks, compared: m.shadowComparisons, mismatches: m.shadowMismatches }));
        });
      })();`;
    const run = (mode: string, comparisons: number): Record<string, unknown> =>
      JSON.parse(
        execFileSync(process.execPath, ['-e', script(comparisons)], { cwd: root, encoding: 'utf8', env: { ...process.env, [flag]: mode } }),
      ) as Record<string, unknown>;
    assert.deepEqual(run('new', 0), { lookups: 1, loaded: { user: 'ada' }, next: 4, fallbacks: 0, compared: 0, mismatches: 0 });
    assert.deepEqual(run('shadow', 3), { lookups: 1, loaded: { user: 'ada' }, next: 0, fallbacks: 0, compared: 3, mismatches: 0 });
  });

  it('the cleanup says what a person must change (an asynchronous caching(), callbacks), and changes nothing', async () => {
    const head = git(root, 'rev-parse', 'HEAD');
    const cache = await h.engine.migrate('src/cache.js', { cleanup: true, force: true, reason: 'in the test' });
    assert.match(
      cache.ok ? '' : (cache.error ?? ''),
      /line 6: await caching\(\{ store: 'memory', max: 500, ttl: 60 \}\) needs await, but it is at the top level of a CommonJS module, which cannot await/,
    );
    const sessions = await h.engine.migrate('src/sessions.js', { cleanup: true, force: true, reason: 'in the test' });
    assert.match(sessions.ok ? '' : (sessions.error ?? ''), /line 13: cache-manager 5 methods return promises and take no callback/);
    assert.equal(git(root, 'rev-parse', 'HEAD'), head);
    assert.equal(git(root, 'status', '--porcelain'), '');
  });

  /** A cleanup step as a person makes it: the files rewritten, then the same step commits them. */
  async function byHand(file: string, rewrites: Record<string, (text: string) => string>): Promise<Extract<EngineResult, { ok: true }>> {
    for (const [rel, rewrite] of Object.entries(rewrites)) writeFileSync(join(root, rel), rewrite(readFileSync(join(root, rel), 'utf8')));
    await h.index.filesChangedOnDisk(Object.keys(rewrites));
    const result = await h.engine.migrate(file, { cleanup: true, force: true, reason: 'rewritten by hand' });
    assertOk(result);
    const counts = result.verification?.test?.counts;
    assert.deepEqual(counts && [counts.passed, counts.failed], [5, 0], 'verified by the fixture’s tests');
    h.clock.advance(25 * 3600_000);
    assertOk(await h.engine.approve(file));
    return result;
  }

  it('src/cache.js, rewritten by hand with the wrap in src/prices.js that uses its cache, is one cleanup commit', async () => {
    const result = await byHand('src/cache.js', {
      'src/cache.js': (text) =>
        text
          .replace(
            "const cacheManager = require('./cache-migration/cache-manager-adapter');",
            "const { createCache, memoryStore } = require('cache-manager-5');",
          )
          .replace(
            "cacheManager.caching({ store: 'memory', max: 500, ttl: 60 })",
            'createCache(memoryStore({ max: 500, ttl: 60 * 1000 }))',
          ),
      'src/prices.js': (text) => text.replace('{ ttl: 60 }', '60 * 1000'),
    });
    assert.equal(git(root, 'show', '--name-only', '--format=', 'HEAD~1').trim(), 'src/cache.js\nsrc/prices.js');
    assert.ok(
      result.notes?.some((n) => n.startsWith('src/prices.js is committed with it')),
      JSON.stringify(result.notes),
    );
  });

  it('src/sessions.js, its callbacks rewritten by hand onto promises, is the last step; then the adapter goes', async () => {
    // Refused again at the new HEAD (which records its baseline there), then rewritten.
    const refused = await h.engine.migrate('src/sessions.js', { cleanup: true });
    assert.equal(refused.ok, false);
    await byHand('src/sessions.js', {
      'src/sessions.js': (text) =>
        text
          .replace(
            "const cacheManager = require('./cache-migration/cache-manager-adapter');",
            "const { createCache, memoryStore } = require('cache-manager-5');",
          )
          .replace(
            "cacheManager.caching({ store: 'memory', max: 100, ttl: 30 * 60 })",
            'createCache(memoryStore({ max: 100, ttl: 30 * 60 * 1000 }))',
          )
          .replace(
            'sessions.set(`session:${id}`, data, { ttl: 15 * 60 }, (error) => callback(error));',
            'sessions.set(`session:${id}`, data, 15 * 60 * 1000).then(() => callback(null), callback);',
          )
          .replace(
            'sessions.get(`session:${id}`, callback);',
            'sessions.get(`session:${id}`).then((value) => callback(null, value), callback);',
          )
          .replace('sessions.del(`session:${id}`, callback);', 'sessions.del(`session:${id}`).then(() => callback(null), callback);'),
    });
    assertOk(await h.engine.removeAdapter('src/cache-migration/cache-manager-adapter.js'));
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.deepEqual(Object.keys(manifest.dependencies), ['cache-manager-5']);
    assert.equal((await h.engine.status()).phase, 'done');
    assert.equal(git(root, 'status', '--porcelain'), '');
    const after = fixtureTests('legacy');
    assert.deepEqual([after.pass, after.fail], [5, 0], after.output);
  });
});
