// The cleanup of a singleton accessor: getCacheInstance() hands out one cache for the whole
// process, while the cache-factory preset's CacheFactory.forWebApp() makes a new one at each call.
// Rewritten in two files (or inside a function), the files would stop sharing entries without a
// type error or a failing test to say so; the cleanup refuses and says what to do, and rewrites
// the one call left at the top level of a module. On a real git repository.
import * as assert from 'node:assert/strict';
import type { EngineResult } from '../../../server/src/protocol/wire';
import { writeWorkspace } from '../../support/tempWorkspace';
import { commitAll, git, hour, openHarness, read, write } from '../../support/workflowRepo';
import type { Harness } from '../../support/workflowRepo';

function assertOk(result: EngineResult): asserts result is Extract<EngineResult, { ok: true }> {
  assert.ok(result.ok, result.ok ? '' : result.error);
}

const errorOf = (result: EngineResult): string => (result.ok ? '' : (result.error ?? ''));

const files = {
  'src/old/cache.ts': [
    'export class AsyncTTLCache {',
    '  private readonly entries = new Map<string, unknown>();',
    '  async get(key: string): Promise<unknown> { return this.entries.get(key); }',
    '  async set(key: string, value: unknown): Promise<void> { this.entries.set(key, value); }',
    '}',
    'let instance: AsyncTTLCache | undefined;',
    '/** The process-wide cache. */',
    'export function getCacheInstance(): AsyncTTLCache { return (instance ??= new AsyncTTLCache()); }',
    '',
  ].join('\n'),
  'src/improved/index.ts': [
    'export class ImprovedAsyncCache {',
    '  private readonly entries = new Map<string, unknown>();',
    '  async get(key: string): Promise<unknown> { return this.entries.get(key); }',
    '  async set(key: string, value: unknown): Promise<void> { this.entries.set(key, value); }',
    '}',
    'export class CacheFactory { static forWebApp(): ImprovedAsyncCache { return new ImprovedAsyncCache(); } }',
    '',
  ].join('\n'),
  'src/sessions.ts':
    "import { getCacheInstance } from './old/cache';\nexport const cache = getCacheInstance();\nexport const load = (id: string): Promise<unknown> => cache.get(id);\n",
  'src/warmup.ts':
    "import { getCacheInstance } from './old/cache';\nexport async function warm(): Promise<void> {\n  await getCacheInstance().set('k', 1);\n}\n",
};
const spec = {
  id: 'factory',
  preset: 'cache-factory',
  legacy: { modules: ['src/old/cache.ts'] },
  target: { module: 'src/improved/index.ts' },
  adapter: { module: 'src/adapter/cache.ts' },
  observation: { minimumCalls: 0 },
};

describe('the cleanup of a singleton accessor whose replacement makes a new cache at each call', function () {
  this.timeout(120_000);
  let h: Harness;
  let root: string;

  before(async () => {
    root = writeWorkspace(files, { spec });
    commitAll(root);
    h = await openHarness(root);
    for (const file of ['src/sessions.ts', 'src/warmup.ts']) {
      assertOk(await h.engine.migrate(file, { force: true, reason: 'in the test' }));
      h.clock.advance(25 * hour);
      assertOk(await h.engine.approve(file));
    }
    assert.equal((await h.engine.status()).phase, 'cleanup');
  });

  after(async () => {
    await h?.dispose();
  });

  it('is refused while two files call it, naming both, with nothing changed', async () => {
    const head = git(root, 'rev-parse', 'HEAD');
    const error = errorOf(await h.engine.migrate('src/sessions.ts', { cleanup: true, force: true, reason: 'in the test' }));
    assert.match(
      error,
      /line 2 calls getCacheInstance\(\), which hands out one cache for the whole process, but CacheFactory\.forWebApp\(\) makes a new one at each call, so src\/sessions\.ts:2, src\/warmup\.ts:3 would no longer share its entries; make one module create the cache and the others import it/,
    );
    assert.equal(git(root, 'rev-parse', 'HEAD'), head);
    assert.equal(git(root, 'status', '--porcelain'), '');
  });

  it('rewrites the one call left, at the top level of a module', async () => {
    // The person shares sessions' cache instead: warmup no longer calls the accessor at all.
    write(
      root,
      'src/warmup.ts',
      "import { cache } from './sessions';\nexport async function warm(): Promise<void> {\n  await cache.set('k', 1);\n}\n",
    );
    git(root, 'commit', '-q', '-am', 'warmup shares the sessions cache');
    await h.index.filesChangedOnDisk(['src/warmup.ts']);
    assertOk(await h.engine.migrate('src/sessions.ts', { cleanup: true, force: true, reason: 'in the test' }));
    assert.match(read(root, 'src/sessions.ts'), /^export const cache = CacheFactory\.forWebApp\(\);$/m);
    h.clock.advance(25 * hour);
    assertOk(await h.engine.approve('src/sessions.ts'));
  });

  it('is refused inside a function, which would make a new cache each time it runs', async () => {
    write(
      root,
      'src/report.ts',
      "import { getCacheInstance } from './adapter/cache';\nexport function report(): unknown {\n  return getCacheInstance();\n}\n",
    );
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'a report');
    await h.index.filesChangedOnDisk(['src/report.ts']);
    const error = errorOf(await h.engine.migrate('src/report.ts', { cleanup: true, force: true, reason: 'in the test' }));
    assert.match(
      error,
      /line 3 calls getCacheInstance\(\) in report, and CacheFactory\.forWebApp\(\) would make a new cache each time it runs; create the cache once, at the top level of a module/,
    );
    assert.equal(git(root, 'status', '--porcelain'), '');
  });
});
