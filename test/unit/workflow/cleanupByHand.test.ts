// The cleanup of a file Stepwise cannot rewrite: the refusal says what to change and how to commit
// the person's own rewrite (`--by-hand`), which then goes through the same gates (one commit of
// that file, the baseline from before the rewrite, verification, observation, approval). Every
// refusal leaves the person's edits exactly as they were. On a real git repository of the
// lru-service fixture, with the CLI as a person would run it.
import * as assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../../support/cliRun';
import { commitAll, git, read, write } from '../../support/workflowRepo';

const fixture = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'lru-service');
const hour = 3600_000;

/** session-store.js on lru-cache 10, its options written where the cache is made. */
const rewritten = `'use strict';

const { LRUCache } = require('lru-cache-10');
const { ONE_MINUTE } = require('./options');

/** Sessions in memory, evicted by age and count. */
class SessionStore {
  constructor(size = 500) {
    this.cache = new LRUCache({
      max: size,
      ttl: ONE_MINUTE,
      dispose: (value) => {
        if (value && typeof value.close === 'function') value.close();
      },
    });
  }

  get(id) {
    return this.cache.get(id);
  }

  put(id, session, ttl) {
    this.cache.set(id, session, { ttl });
  }

  remove(id) {
    this.cache.delete(id);
  }

  count() {
    return this.cache.size;
  }

  clear() {
    this.cache.clear();
  }

  ids() {
    return [...this.cache.keys()];
  }
}

module.exports = SessionStore;
`;

describe('the cleanup by hand: a person’s rewrite, committed through the same gates', function () {
  this.timeout(120_000);
  let root: string;
  const saved = process.env.STEPWISE_NOW;
  let now = Date.now();
  /** The CLI at a moment of the test's choosing (STEPWISE_NOW), in the fixture. */
  const run = (...args: string[]): ReturnType<typeof cli> => {
    process.env.STEPWISE_NOW = new Date(now).toISOString();
    return cli(...args, '--root', root);
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'stepwise-by-hand-'));
    cpSync(fixture, root, { recursive: true });
    writeFileSync(
      join(root, '.stepwise/migration.json'),
      `${JSON.stringify({ preset: 'lru-cache-6-to-10', observation: { minimumCalls: 0 } }, null, 2)}\n`,
    );
    // options.js is shared with a file that has nothing to do with the cache, so the cleanup of
    // session-store.js cannot change it: a person's rewrite.
    write(
      root,
      'src/report.js',
      "'use strict';\n\nconst { ONE_MINUTE } = require('./options');\n\nmodule.exports = { window: ONE_MINUTE };\n",
    );
    commitAll(root);
    for (const file of ['src/rate-limit.js', 'src/session-store.js']) {
      const moved = await run('migrate', file, '--force', '--reason', 'both files, in the test');
      assert.equal(moved.code, 0, moved.stderr);
      now += 25 * hour;
      const approved = await run('approve', file);
      assert.equal(approved.code, 0, approved.stderr);
    }
  });

  after(() => {
    if (saved === undefined) delete process.env.STEPWISE_NOW;
    else process.env.STEPWISE_NOW = saved;
    rmSync(root, { recursive: true, force: true });
  });

  it('--by-hand on a file whose cleanup was never tried asks for that first (its baseline), and keeps the edit', async () => {
    const edited = read(root, 'src/rate-limit.js')
      .replace("require('./cache-migration/lru-cache-adapter')", "require('lru-cache-10').LRUCache")
      .replace('new LRUCache(1000)', 'new LRUCache({ max: 1000 })');
    write(root, 'src/rate-limit.js', edited);
    const result = await run('cleanup', 'src/rate-limit.js', '--by-hand');
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /src\/rate-limit\.js is not in the cleanup: stash your changes and run "stepwise cleanup src\/rate-limit\.js" first/,
    );
    assert.equal(read(root, 'src/rate-limit.js'), edited);
    git(root, 'checkout', '--', 'src/rate-limit.js');
  });

  it('--by-hand with nothing rewritten yet says so', async () => {
    const result = await run('cleanup', 'src/session-store.js', '--by-hand', '--force', '--reason', 'in the test');
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /src\/session-store\.js has no uncommitted changes; rewrite it onto the new API by hand first, then run this again\./,
    );
  });

  it('the refused cleanup names what to change and how to commit a rewrite by hand', async () => {
    const result = await run('cleanup', 'src/session-store.js', '--force', '--reason', 'in the test');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /src\/report\.js also imports src\/options\.js/);
    assert.match(
      result.stderr,
      /Rewrite it by hand and save it: then this step \("stepwise cleanup src\/session-store\.js", or Rewrite to new API in the checklist\) commits your rewrite through the same checks\.$/m,
    );
    assert.equal(git(root, 'status', '--porcelain'), '');
  });

  it('a rewrite that still uses the old API is refused, naming the line, and stays as written', async () => {
    const half = rewritten.replace(
      "const { LRUCache } = require('lru-cache-10');",
      "const { LRUCache } = require('lru-cache-10');\nconst Old = require('./cache-migration/lru-cache-adapter');\nconst spare = new Old(5);",
    );
    write(root, 'src/session-store.js', half);
    const head = git(root, 'rev-parse', 'HEAD');
    const result = await run('cleanup', 'src/session-store.js', '--by-hand', '--force', '--reason', 'in the test');
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /src\/session-store\.js still uses the old API \(lines 4, 5\); finish the rewrite, then run this again\. Nothing was committed\./,
    );
    assert.equal(git(root, 'rev-parse', 'HEAD'), head);
    assert.equal(read(root, 'src/session-store.js'), half);
  });

  it('the finished rewrite is committed as the file’s cleanup step, exactly as written, then observed and approved', async () => {
    write(root, 'src/session-store.js', rewritten);
    const during = JSON.parse((await run('status', '--json')).stdout) as { files: { path: string; state: string }[] };
    assert.deepEqual(
      during.files.filter((f) => f.path === 'src/session-store.js').map((f) => f.state),
      ['analyzed'],
      'it keeps its place in the cleanup while it is rewritten by hand',
    );
    // The same step as always (the checklist's button): the file's uncommitted rewrite is what it commits.
    const result = await run('cleanup', 'src/session-store.js', '--force', '--reason', 'options shared with the report');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Committed [0-9a-f]{8}: src\/session-store\.js uses the new API directly\. Verification passed/m);
    assert.equal(git(root, 'show', '--name-only', '--format=', 'HEAD').trim(), 'src/session-store.js');
    assert.equal(git(root, 'show', 'HEAD:src/session-store.js'), rewritten);
    const message = git(root, 'log', '-1', '--format=%B');
    assert.match(message, /^stepwise: rewrite src\/session-store\.js to the new API$/m);
    assert.match(message, /^Rewritten by hand, committed and verified through Stepwise\.$/m);
    assert.match(message, /^Stepwise-Migration: lru-cache-6-to-10\/cleanup$/m);
    assert.equal(git(root, 'status', '--porcelain'), '');
    const early = await run('approve', 'src/session-store.js');
    assert.equal(early.code, 2, 'still observing');
    now += 25 * hour;
    const approved = await run('approve', 'src/session-store.js');
    assert.equal(approved.code, 0, approved.stderr);
    const status = await run('status', '--json');
    const files = (JSON.parse(status.stdout) as { files: { path: string; state: string }[] }).files;
    assert.deepEqual(
      files.filter((f) => f.path === 'src/session-store.js').map((f) => f.state),
      ['approved'],
    );
  });
});
