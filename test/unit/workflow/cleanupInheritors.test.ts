// The cleanup of a file whose caches other files use (`require('./a').cache.del(key)`): those uses
// move onto the new API in the same commit, or the cleanup is refused, naming the file, when one
// of them also uses the old API of its own. Otherwise the other file would call lru-cache 6's
// `del` on an lru-cache 10 instance, which plain JavaScript's type check does not see. On a real
// git repository, with the lru-cache preset's API surface (nothing installed).
import * as assert from 'node:assert/strict';
import type { EngineResult } from '../../../server/src/protocol/wire';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitAll, git, hour, openHarness, read, write } from '../../support/workflowRepo';
import type { Harness } from '../../support/workflowRepo';

function assertOk(result: EngineResult): asserts result is Extract<EngineResult, { ok: true }> {
  assert.ok(result.ok, result.ok ? '' : result.error);
}

const files = {
  'package.json': `${JSON.stringify({ name: 'svc', private: true, dependencies: { 'lru-cache': '^6.0.0' } }, null, 2)}\n`,
  '.stepwise/migration.json': `${JSON.stringify({ preset: 'lru-cache-6-to-10', observation: { minimumCalls: 0 } })}\n`,
  'src/a.js': "'use strict';\nconst LRU = require('lru-cache');\nconst cache = new LRU({ max: 10 });\nmodule.exports = { cache };\n",
  'src/b.js':
    "'use strict';\nconst { cache } = require('./a');\nfunction forget(key) {\n  cache.del(key);\n}\nfunction count() {\n  return cache.itemCount;\n}\nmodule.exports = { forget, count };\n",
};

describe('the cleanup of a file whose caches other files use', function () {
  this.timeout(120_000);
  let h: Harness;
  let root: string;

  before(async () => {
    // Plain JavaScript, no tsconfig: the adapter is JavaScript too.
    root = mkdtempSync(join(tmpdir(), 'stepwise-inheritors-'));
    for (const [rel, text] of Object.entries(files)) write(root, rel, text);
    commitAll(root);
    h = await openHarness(root);
    assertOk(await h.engine.migrate('src/a.js'));
    h.clock.advance(25 * hour);
    assertOk(await h.engine.approve('src/a.js'));
    assert.equal((await h.engine.status()).phase, 'cleanup');
  });

  after(async () => {
    await h?.dispose();
  });

  it('is refused while one of them also uses the old API of its own, naming it, with nothing changed', async () => {
    write(
      root,
      'src/c.js',
      "'use strict';\nconst LRU = require('./cache-migration/lru-cache-adapter');\nconst { cache } = require('./a');\nconst own = new LRU(5);\nmodule.exports = () => { own.reset(); cache.reset(); };\n",
    );
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'c uses both');
    await h.index.filesChangedOnDisk(['src/c.js']);
    const head = git(root, 'rev-parse', 'HEAD');
    const result = await h.engine.migrate('src/a.js', { cleanup: true, force: true, reason: 'in the test' });
    assert.equal(result.ok, false);
    assert.match(
      result.ok ? '' : (result.error ?? ''),
      /src\/c\.js uses what src\/a\.js exports \(line 5\) and the old API of its own; clean up src\/c\.js first/,
    );
    assert.equal(git(root, 'rev-parse', 'HEAD'), head);
    assert.equal(git(root, 'status', '--porcelain'), '');
    git(root, 'rm', '-q', 'src/c.js');
    git(root, 'commit', '-q', '-m', 'c is gone');
    await h.index.filesChangedOnDisk(['src/c.js']);
  });

  it('rewrites their uses of those caches in the same commit', async () => {
    const result = await h.engine.migrate('src/a.js', { cleanup: true, force: true, reason: 'in the test' });
    assertOk(result);
    assert.ok(
      result.notes?.includes("src/b.js changes with it: its uses of what src/a.js exports (line 4, 7) take the new API's form."),
      JSON.stringify(result.notes),
    );
    assert.equal(git(root, 'show', '--name-only', '--format=', 'HEAD').trim(), 'src/a.js\nsrc/b.js');
    assert.match(read(root, 'src/a.js'), /new LRUCache\(\{ max: 10 \}\)/);
    const b = read(root, 'src/b.js');
    assert.match(b, /cache\.delete\(key\);/);
    assert.match(b, /return cache\.size;/);
    assert.equal(git(root, 'status', '--porcelain'), '');
  });
});
