// The two presets of the in-house cache, end to end on the ttl-service fixture (TypeScript, built
// offline with only typescript linked in, its own tests): async-ttl-cache moves the file that
// makes its own AsyncTTLCache, cache-factory the module that makes the process-wide cache with
// getCacheInstance(). Each file is routed through the generated adapter (verified by the
// fixture's tests, which pass in every rollout mode), rewritten by the cleanup (the constructor
// through the factory, stop → shutdown, size() → the awaited key count; the one accessor call
// left at a module's top level), and the adapter is removed. On a real git repository.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flagNameOf } from '../../../server/src/rewrite/adapterScaffold';
import type { EngineResult } from '../../../server/src/protocol/wire';
import { fixtureTestsIn, verifiedCounts } from '../../support/fixtureTests';
import { commitAll, git, hour, openHarness, read } from '../../support/workflowRepo';
import type { Harness } from '../../support/workflowRepo';
import { prepareWorkspace } from '../../support/workspace';

function assertOk(result: EngineResult): asserts result is Extract<EngineResult, { ok: true }> {
  assert.ok(result.ok, result.ok ? '' : result.error);
}

const adapter = 'src/core/cache-migration/adapter.ts';

interface Case {
  preset: string;
  id: string;
  file: string;
  /** What the file says once the cleanup rewrote it. */
  rewritten: RegExp[];
}

const cases: Case[] = [
  {
    preset: 'async-ttl-cache',
    id: 'ttl-to-improved',
    file: 'src/sessions.ts',
    rewritten: [
      /^import \{ CacheFactory \} from '\.\/core\/improved-cache';$/m,
      /^const sessions = CacheFactory\.forWebApp\(\{ ttlSeconds: 1800, maxEntries: 1000, cleanupIntervalMs: 0 \}\);$/m,
      /return \(await sessions\.getKeys\(\)\)\.length;/,
      /sessions\.shutdown\(\);/,
    ],
  },
  {
    preset: 'cache-factory',
    id: 'factory',
    file: 'src/shared.ts',
    rewritten: [/^import \{ CacheFactory \} from '\.\/core\/improved-cache';$/m, /^export const cache = CacheFactory\.forWebApp\(\);$/m],
  },
];

for (const c of cases) {
  describe(`${c.preset} on ttl-service: routed, verified by its own tests, rewritten and the adapter removed`, function () {
    this.timeout(300_000);
    let h: Harness;
    let root: string;
    const flag = flagNameOf(c.id);

    const fixtureTests = (mode: string): string => fixtureTestsIn(root, flag, mode);
    const verified = verifiedCounts;

    before(async () => {
      root = await prepareWorkspace('ttl-service', { git: false });
      writeFileSync(
        join(root, '.stepwise/migration.json'),
        `${JSON.stringify(
          {
            id: c.id,
            preset: c.preset,
            legacy: { modules: ['src/core/async-cache.ts'] },
            target: { module: 'src/core/improved-cache/index.ts' },
            adapter: { module: adapter },
            observation: { minimumCalls: 0 },
            verify: { test: 'npm test' },
          },
          null,
          2,
        )}\n`,
      );
      commitAll(root);
      h = await openHarness(root, {}, { removeOnDispose: true });
    });

    after(async () => {
      await h?.dispose();
    });

    it(`plans ${c.file} alone, and its tests pass before the move`, async () => {
      assert.deepEqual(
        (await h.engine.status()).files.map((f) => f.path),
        [c.file],
      );
      assert.equal(fixtureTests('legacy'), '4 passed, 0 failed');
    });

    it(`routes ${c.file} through the adapter, verified by the tests, which pass in every mode`, async () => {
      const result = await h.engine.migrate(c.file);
      assertOk(result);
      assert.equal(verified(result), '4 passed, 0 failed');
      assert.match(read(root, c.file), /from '\.\/core\/cache-migration\/adapter'/);
      for (const mode of ['legacy', 'shadow', '50', 'new']) assert.equal(fixtureTests(mode), '4 passed, 0 failed', `mode ${mode}`);
      h.clock.advance(25 * hour);
      assertOk(await h.engine.approve(c.file));
    });

    it(`rewrites ${c.file} onto the new API, verified by the tests`, async () => {
      const result = await h.engine.migrate(c.file, { cleanup: true });
      assertOk(result);
      assert.equal(verified(result), '4 passed, 0 failed');
      const text = read(root, c.file);
      for (const pattern of c.rewritten) assert.match(text, pattern);
      h.clock.advance(25 * hour);
      assertOk(await h.engine.approve(c.file));
    });

    it('removes the adapter; the tests still pass and the migration is done', async () => {
      assertOk(await h.engine.removeAdapter(adapter));
      assert.equal((await h.engine.status()).phase, 'done');
      assert.equal(git(root, 'status', '--porcelain'), '');
      assert.equal(fixtureTests('legacy'), '4 passed, 0 failed');
    });
  });
}
