// The cache-factory preset end to end on factory-service, a TypeScript service (ES modules) shaped
// like seed 004's three examples: a web route on the auto-detected getCacheInstance(), an LLM
// module constructing AIResponseCache (and embeddings on an InMemoryCache, under the spec's
// `src/llm/**` case), and a test fixture constructing InMemoryCache. The target is a class whose
// factory methods are asynchronous instance methods, so every rewrite is
// `await new CacheFactory().forX(…)`. Each file is routed through the generated adapter, verified
// by the fixture's own tests (which pass in every rollout mode), then rewritten onto the factory
// method its context gives it; the test fixture, whose `maxSize` forTesting() does not take, is
// refused with that reason and then rewritten by hand through the same step. On a real git repository.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flagNameOf } from '../../../server/src/rewrite/adapterScaffold';
import type { EngineResult } from '../../../server/src/protocol/wire';
import { analyzeReport, dossierOf } from '../../../server/src/operations/overview';
import { fixtureTestsIn, verifiedCounts } from '../../support/fixtureTests';
import { commitAll, git, hour, openHarness, read } from '../../support/workflowRepo';
import type { Harness } from '../../support/workflowRepo';
import { prepareWorkspace } from '../../support/workspace';

function assertOk(result: EngineResult): asserts result is Extract<EngineResult, { ok: true }> {
  assert.ok(result.ok, result.ok ? '' : result.error);
}

const adapter = 'src/cache/migration/adapter.ts';
const files = ['src/web/sessions.ts', 'src/llm/textProcessor.ts', 'src/llm/embeddings.ts', 'test/support/caches.ts'];

describe('cache-factory on factory-service (seed 004): each file gets the factory method of its context', function () {
  this.timeout(300_000);
  let h: Harness;
  let root: string;
  const flag = flagNameOf('explicit-cache-factory');

  const fixtureTests = (mode: string): string => fixtureTestsIn(root, flag, mode);
  const verified = verifiedCounts;

  before(async () => {
    root = await prepareWorkspace('factory-service', { git: false });
    commitAll(root);
    h = await openHarness(root, {}, { removeOnDispose: true });
  });

  after(async () => {
    await h?.dispose();
  });

  it('says which factory method each construction becomes, and why', async () => {
    await h.index.whenIdle();
    const report = analyzeReport(h.index);
    const said = (file: string, kind: string): string =>
      report.files.find((f) => f.path === file)?.usages.find((u) => u.kind === kind)?.message ?? `(nothing in ${file})`;
    assert.match(said('src/web/sessions.ts', 'call'), /The new API: await new CacheFactory\(\)\.forWebApp\(\)\./);
    assert.match(
      said('src/llm/textProcessor.ts', 'new'),
      /The new API: await new CacheFactory\(\)\.forAiApp\(\{ redisUrl: settings\.redisUrl/,
    );
    assert.match(said('src/llm/embeddings.ts', 'new'), /forAiApp\(\{ defaultTtl: 600 \}\), because it matches src\/llm\/\*\*\./);
    assert.match(said('test/support/caches.ts', 'new'), /forTesting\(\{ defaultTtl: 60, maxSize: 10 \}\), because it is a test file/);
    assert.match(said('test/support/caches.ts', 'new'), /Needs a manual change: CacheFactory's forTesting\(\) takes no option `maxSize`/);
    assert.deepEqual(
      (await h.engine.status()).files.map((f) => f.path),
      ['src/llm/embeddings.ts', 'src/llm/textProcessor.ts', 'src/web/sessions.ts', 'test/support/caches.ts'],
    );
  });

  it('lists the configuration the auto-detection reads, and the test fixture that sets it, in analyze and the dossier', () => {
    const report = analyzeReport(h.index);
    const inventory = report.configuration.map(
      (f) => `${f.path}: ${f.uses.map((u) => `${u.access} ${u.name}${u.fixture ? ' (fixture)' : ''}`).join(', ')}`,
    );
    assert.deepEqual(inventory, [
      'src/cache/legacy.ts: read CACHE_TYPE, read REDIS_URL, read CACHE_TTL, read REDIS_URL',
      'src/config/settings.ts: read REDIS_URL, read CACHE_TTL',
      'test/support/env.ts: write CACHE_TYPE (fixture), write REDIS_URL (fixture)',
    ]);
    const fixture = report.configuration.find((f) => f.path === 'test/support/env.ts')?.uses[0].message;
    assert.match(
      fixture ?? '',
      /^Sets CACHE_TYPE for the legacy cache's auto-detection \(the legacy cache reads it at src\/cache\/legacy\.ts line 78\): a test fixture to replace with/,
    );
    const dossier = dossierOf(h.index, 'src/web/sessions.ts');
    assert.ok(!('error' in dossier), JSON.stringify(dossier));
    assert.deepEqual(
      dossier.configuration?.map((c) => `${c.path}:${c.line} ${c.name}`),
      [
        'src/cache/legacy.ts:78 CACHE_TYPE',
        'src/cache/legacy.ts:78 REDIS_URL',
        'src/cache/legacy.ts:79 CACHE_TTL',
        'src/cache/legacy.ts:80 REDIS_URL',
      ],
      'the auto-detection it relies on',
    );
    assert.deepEqual(dossier.replacements, [{ line: 5, symbol: 'getCacheInstance', becomes: 'await new CacheFactory().forWebApp()' }]);
    const embeddings = dossierOf(h.index, 'src/llm/embeddings.ts');
    assert.ok(!('error' in embeddings));
    assert.equal(embeddings.replacements?.[0].because, 'it matches src/llm/**');
  });

  it('its tests pass before the move', () => {
    assert.equal(fixtureTests('legacy'), '5 passed, 0 failed');
  });

  for (const file of files) {
    it(`routes ${file} through the adapter, verified by the tests, which pass in every mode`, async () => {
      const result = await h.engine.migrate(file, { force: true, reason: 'in plan order of the seed' });
      assertOk(result);
      assert.equal(verified(result), '5 passed, 0 failed');
      assert.match(read(root, file), /from '(\.\.\/)+(src\/)?cache\/migration\/adapter\.js'/);
      for (const mode of ['legacy', 'shadow', '50', 'new']) assert.equal(fixtureTests(mode), '5 passed, 0 failed', `mode ${mode}`);
      h.clock.advance(25 * hour);
      assertOk(await h.engine.approve(file));
    });
  }

  const rewritten: Record<string, RegExp[]> = {
    'src/web/sessions.ts': [
      /^import \{ CacheFactory \} from '\.\.\/cache\/factory\.js';$/m,
      /^const cache = await new CacheFactory\(\)\.forWebApp\(\);$/m,
    ],
    'src/llm/textProcessor.ts': [
      /^import \{ CacheFactory \} from '\.\.\/cache\/factory\.js';$/m,
      /const cache = await new CacheFactory\(\)\.forAiApp\(\{ redisUrl: settings\.redisUrl, defaultTtl: 3600, textHashThreshold: 1000 \}\);/,
    ],
    'src/llm/embeddings.ts': [/^const vectors = await new CacheFactory\(\)\.forAiApp\(\{ defaultTtl: 600 \}\);$/m],
  };
  for (const [file, patterns] of Object.entries(rewritten)) {
    it(`rewrites ${file} onto its factory method, verified by the tests`, async () => {
      const result = await h.engine.migrate(file, { cleanup: true, force: true, reason: 'in the test' });
      assertOk(result);
      assert.equal(verified(result), '5 passed, 0 failed');
      const text = read(root, file);
      for (const pattern of patterns) assert.match(text, pattern);
      assert.doesNotMatch(text, /adapter/);
      assert.equal(fixtureTests('legacy'), '5 passed, 0 failed');
      h.clock.advance(25 * hour);
      assertOk(await h.engine.approve(file));
    });
  }

  it('refuses the test fixture by name of the option forTesting() does not take, and changes nothing', async () => {
    const head = git(root, 'rev-parse', 'HEAD');
    const result = await h.engine.migrate('test/support/caches.ts', { cleanup: true, force: true, reason: 'in the test' });
    assert.match(
      result.ok ? '' : (result.error ?? ''),
      /line 5: CacheFactory's forTesting\(\) takes no option `maxSize`; carry it over by hand or leave it out/,
    );
    assert.equal(git(root, 'rev-parse', 'HEAD'), head);
    assert.equal(git(root, 'status', '--porcelain'), '');
  });

  it('commits the fixture rewritten by hand onto forTesting() through the same step', async () => {
    const file = 'test/support/caches.ts';
    writeFileSync(
      join(root, file),
      readFileSync(join(root, file), 'utf8')
        .replace(/import \{ InMemoryCache \} from '[^']+';/, "import { Cache, CacheFactory } from '../../src/cache/factory.js';")
        .replace('Promise<InMemoryCache>', 'Promise<Cache>')
        .replace(
          'new InMemoryCache({ defaultTtl: 60, maxSize: 10 })',
          'new CacheFactory().forTesting({ defaultTtl: 60, useMemoryCache: true })',
        ),
    );
    await h.index.filesChangedOnDisk([file]);
    const result = await h.engine.migrate(file, { cleanup: true, force: true, reason: 'rewritten by hand' });
    assertOk(result);
    assert.equal(verified(result), '5 passed, 0 failed');
    h.clock.advance(25 * hour);
    assertOk(await h.engine.approve(file));
  });

  it('removes the adapter; the tests still pass and the migration is done', async () => {
    assertOk(await h.engine.removeAdapter(adapter));
    assert.equal((await h.engine.status()).phase, 'done');
    assert.equal(git(root, 'status', '--porcelain'), '');
    assert.equal(fixtureTests('legacy'), '5 passed, 0 failed');
  });
});
