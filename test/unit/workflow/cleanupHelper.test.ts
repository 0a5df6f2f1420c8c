// The cleanup of a file whose cache options are built in another file (an options helper): the
// helper changes in the same commit only when nothing else imports it and it does not use the
// old API itself; otherwise the cleanup is refused, says why in one sentence, and leaves the
// working tree as it was. On a real git repository of the lru-service fixture (no install: the
// preset's API surface is enough to analyse and rewrite it).
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineResult } from '../../../server/src/protocol/wire';
import { commitAll, git, openHarness, read, write } from '../../support/workflowRepo';
import type { Harness } from '../../support/workflowRepo';

const fixture = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'lru-service');

function assertOk(result: EngineResult): asserts result is Extract<EngineResult, { ok: true }> {
  assert.ok(result.ok, result.ok ? '' : result.error);
}

function errorOf(result: EngineResult): string {
  assert.equal(result.ok, false, 'the cleanup should have been refused');
  return result.ok ? '' : (result.error ?? '');
}

describe('the cleanup and an options helper in another file', function () {
  this.timeout(120_000);
  let h: Harness;
  let root: string;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'stepwise-cleanup-helper-'));
    cpSync(fixture, root, { recursive: true });
    writeFileSync(
      join(root, '.stepwise/migration.json'),
      `${JSON.stringify({ preset: 'lru-cache-6-to-10', observation: { minimumCalls: 0 } }, null, 2)}\n`,
    );
    // A second importer of the helper, which has nothing to do with the cache.
    write(
      root,
      'src/report.js',
      "'use strict';\n\nconst { ONE_MINUTE } = require('./options');\n\nmodule.exports = { window: ONE_MINUTE };\n",
    );
    commitAll(root);
    h = await openHarness(root, {}, { removeOnDispose: true });
    for (const file of ['src/rate-limit.js', 'src/session-store.js']) {
      assertOk(await h.engine.migrate(file, { force: true, reason: 'both files, in the test' }));
      h.clock.advance(25 * 3600_000);
      assertOk(await h.engine.approve(file));
    }
    assert.equal((await h.engine.status()).phase, 'cleanup');
  });

  after(async () => {
    await h?.dispose();
  });

  it('is refused while another file imports the helper, naming it, with nothing changed', async () => {
    const head = git(root, 'rev-parse', 'HEAD');
    const error = errorOf(await h.engine.migrate('src/session-store.js', { cleanup: true, force: true, reason: 'the helper first' }));
    assert.match(error, /^src\/session-store\.js cannot be rewritten automatically, so nothing was changed: /);
    assert.match(
      error,
      /line 9: Option maxAge is called ttl in lru-cache 7\+.*It is set in src\/options\.js:9; the cleanup cannot change it there: src\/report\.js also imports src\/options\.js; change it by hand for all of them/,
    );
    assert.match(error, /dispose is called with \(value, key, reason\)/);
    assert.equal(git(root, 'rev-parse', 'HEAD'), head);
    assert.equal(git(root, 'status', '--porcelain'), '');
  });

  it('is refused while the helper uses the old API itself', async () => {
    write(root, 'src/report.js', "'use strict';\n\nmodule.exports = {};\n");
    const withCache = read(root, 'src/options.js').replace(
      "'use strict';\n",
      "'use strict';\n\nconst LRU = require('./cache-migration/lru-cache-adapter');\nconst shared = new LRU(10);\n",
    );
    write(root, 'src/options.js', `${withCache}module.exports.shared = shared;\n`);
    git(root, 'commit', '-q', '-am', 'the helper makes a cache too');
    await h.index.filesChangedOnDisk(['src/report.js', 'src/options.js']);
    const error = errorOf(await h.engine.migrate('src/session-store.js', { cleanup: true, force: true, reason: 'the helper first' }));
    assert.match(error, /the cleanup cannot change it there: src\/options\.js uses the old API itself and is cleaned up on its own/);
    assert.equal(git(root, 'status', '--porcelain'), '');
  });

  it('is refused while the helper has uncommitted changes, which stay', async () => {
    git(root, 'checkout', '-q', 'HEAD~1', '--', 'src/options.js');
    git(root, 'commit', '-q', '-m', 'the helper makes no cache');
    const edited = `${read(root, 'src/options.js')}// a person's note, not committed\n`;
    write(root, 'src/options.js', edited);
    await h.index.filesChangedOnDisk(['src/options.js']);
    const error = errorOf(await h.engine.migrate('src/session-store.js', { cleanup: true, force: true, reason: 'the helper first' }));
    assert.equal(
      error,
      'src/options.js has uncommitted changes; commit or stash them first, so the migration commit holds only the migration.',
    );
    assert.equal(read(root, 'src/options.js'), edited);
    assert.equal(git(root, 'status', '--porcelain').trim(), 'M src/options.js');
  });
});
