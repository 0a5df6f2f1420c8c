// The cleanup phase on a real git repository: once every file is approved on the adapter, each
// moves onto the new API through the same gates as its migration (one commit, verification,
// observation, approval, revert), and the adapter is removed only when nothing imports it, with
// a typed confirmation, as one recorded commit.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineResult } from '../../../server/src/protocol/wire';
import { withoutDependencies } from '../../../server/src/workflow/engine';
import { writeWorkspace } from '../../support/tempWorkspace';
import { commitAll, git, hour, journalOf, openHarness } from '../../support/workflowRepo';
import type { Harness } from '../../support/workflowRepo';

const adapter = 'src/adapter/cache.ts';
const runtime = 'src/adapter/stepwise-runtime.ts';
const files = {
  'src/a.ts':
    "import { LegacyCache } from './legacy/cache';\nexport const a = new LegacyCache('a');\nexport function stopA(): void { a.stop(); }\n",
  'src/b.ts':
    "import { LegacyCache } from './legacy/cache';\nexport function useB(): unknown { const b = new LegacyCache('b'); b.set('k', 1); return b.get('k'); }\n",
  'package.json': `${JSON.stringify({ name: 'svc', private: true, dependencies: { left: '1.0.0' } }, null, 4)}\n`,
};

function assertOk(result: EngineResult): asserts result is Extract<EngineResult, { ok: true }> {
  assert.ok(result.ok, result.ok ? '' : result.error);
}

/** Migrates or cleans up a file, lets its observation end, and approves it. */
async function throughTheGates(h: Harness, file: string, cleanup: boolean): Promise<void> {
  assertOk(await h.engine.migrate(file, { force: true, reason: 'test order', cleanup }));
  assert.equal((await h.status(file)).state, 'observing');
  h.clock.advance(25 * hour);
  assertOk(await h.engine.approve(file));
}

describe('the cleanup phase: onto the new API one file at a time, then the adapter removed', function () {
  this.timeout(120_000);
  let h: Harness;

  before(async () => {
    const root = writeWorkspace(files);
    commitAll(root);
    h = await openHarness(root);
  });

  after(async () => {
    await h?.dispose();
  });

  it('is refused before every file is approved on the adapter, naming what is left', async () => {
    const status = await h.engine.status();
    assert.equal(status.phase, 'route');
    const early = await h.engine.migrate('src/a.ts', { cleanup: true });
    assert.equal(early.ok, false);
    assert.match(
      early.ok ? '' : early.error,
      /^The cleanup starts once every file of the plan is approved on the adapter; 2 are not yet: /,
    );
    assert.equal(git(h.root, 'status', '--porcelain'), '', 'nothing was written');
  });

  it('starts once both files are approved on the adapter: the same files, pending again, for the new API', async () => {
    await throughTheGates(h, 'src/a.ts', false);
    await throughTheGates(h, 'src/b.ts', false);
    const status = await h.engine.status();
    assert.equal(status.phase, 'cleanup');
    assert.equal(status.migration, 'edge/cleanup');
    assert.deepEqual(
      status.files.map((f) => `${f.path} ${f.state}`),
      ['src/b.ts pending', 'src/a.ts pending'],
    );
    assert.equal(status.removeAdapter?.ok, false);
    assert.match(status.removeAdapter?.reason ?? '', /^Finish the cleanup first: src\/b\.ts \(pending\), src\/a\.ts \(pending\)\.$/);
  });

  it('rewrites a file to the new API as one commit, verified and observed; one file in flight at a time', async () => {
    const result = await h.engine.migrate('src/b.ts', { cleanup: true });
    assertOk(result);
    assert.match(result.message, /^Committed [0-9a-f]{8}: src\/b\.ts uses the new API directly\. Verification passed/);
    assert.match(readFileSync(join(h.root, 'src/b.ts'), 'utf8'), /^import \{ NextCache \} from '\.\/next\/cache';$/m);
    assert.equal(git(h.root, 'show', '--name-only', '--format=%s', 'HEAD').trim(), 'stepwise: rewrite src/b.ts to the new API\n\nsrc/b.ts');
    assert.match(git(h.root, 'log', '-1', '--format=%B'), /^Stepwise-Migration: edge\/cleanup$/m);
    const other = await h.engine.migrate('src/a.ts', { cleanup: true });
    assert.equal(other.ok, false);
    assert.match(other.ok ? '' : other.error, /src\/b\.ts is in flight \(observing until .*\); one file at a time\./);
    h.clock.advance(25 * hour);
    assertOk(await h.engine.approve('src/b.ts'));
  });

  it('reverts a cleanup commit: the file uses the adapter again, and can be cleaned up again', async () => {
    assertOk(await h.engine.migrate('src/a.ts', { cleanup: true }));
    const text = readFileSync(join(h.root, 'src/a.ts'), 'utf8');
    assert.match(text, /^import \{ NextCache \} from '\.\/next\/cache';$/m);
    assert.match(text, /a\.shutdown\(\)/);
    const reverted = await h.engine.revert('src/a.ts');
    assertOk(reverted);
    assert.match(reverted.message, /src\/a\.ts uses the adapter again\.$/);
    assert.match(readFileSync(join(h.root, 'src/a.ts'), 'utf8'), /from '\.\/adapter\/cache'/);
    assert.equal((await h.status('src/a.ts')).state, 'reverted');
    await throughTheGates(h, 'src/a.ts', true);
  });

  it('removes the adapter only with its path typed, in one commit, and the migration is done', async () => {
    const ready = await h.engine.status();
    assert.equal(ready.removeAdapter?.ok, true, ready.removeAdapter?.reason);
    const refused = await h.engine.removeAdapter('yes');
    assert.equal(refused.ok, false);
    assert.match(
      refused.ok ? '' : refused.error,
      /one-way door .*type its path, src\/adapter\/cache\.ts, to confirm\. Nothing was changed\.$/,
    );
    assert.ok(existsSync(join(h.root, adapter)));
    const removed = await h.engine.removeAdapter(adapter);
    assertOk(removed);
    assert.equal(existsSync(join(h.root, adapter)), false);
    assert.equal(existsSync(join(h.root, runtime)), false);
    assert.equal(git(h.root, 'status', '--porcelain'), '');
    assert.equal(git(h.root, 'log', '-1', '--format=%s').trim(), 'stepwise: remove the adapter');
    assert.deepEqual(git(h.root, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort(), [adapter, runtime].sort());
    const status = await h.engine.status();
    assert.equal(status.phase, 'done');
    const entry = journalOf(h.root).find((e) => e.type === 'adapter-removed');
    assert.ok(entry, 'recorded in the journal');
    const again = await h.engine.removeAdapter(adapter);
    assert.equal(again.ok, false);
  });
});

describe('removing the legacy package from package.json', () => {
  it('in every dependency field, keeping the indentation and the final newline; a manifest that does not parse is left alone', () => {
    const text = `${JSON.stringify({ name: 'x', dependencies: { 'lru-cache': '^6.0.0', ms: '2' }, devDependencies: { 'lru-cache': '6' } }, null, 4)}\n`;
    const result = withoutDependencies(text, ['lru-cache']);
    assert.deepEqual(result?.removed, ['lru-cache']);
    assert.equal(result?.text, `${JSON.stringify({ name: 'x', dependencies: { ms: '2' }, devDependencies: {} }, null, 4)}\n`);
    assert.deepEqual(withoutDependencies(text, ['redis']), { text, removed: [] });
    assert.equal(withoutDependencies('{ broken', ['x']), undefined);
  });
});
