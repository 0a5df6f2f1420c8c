// The evidence travels with the repository: each migration commit's baseline, verification,
// observation and rollout history is kept as a git note (refs/notes/stepwise), and `stepwise
// sync` fetches, merges and pushes those notes. A teammate's fresh clone, once synced, sees the
// file observing until the same deadline, with the same verification, in status and report.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withNotes } from '../../../server/src/workflow/engine';
import type { JournalEntry } from '../../../server/src/workflow/journal';
import { cli, jsonOf } from '../../support/cliRun';
import type { CliResult } from '../../support/cliRun';
import { first, git, prepareWorkflowRepo } from '../../support/workflowRepo';
import { removeWorkspace } from '../../support/workspace';

interface StatusJson {
  files: { path: string; state: string; commit: string | null; observeUntil: string | null }[];
}

async function trusted(run: () => Promise<CliResult>): Promise<CliResult> {
  const saved = process.env.STEPWISE_TRUST;
  process.env.STEPWISE_TRUST = '1';
  try {
    return await run();
  } finally {
    if (saved === undefined) delete process.env.STEPWISE_TRUST;
    else process.env.STEPWISE_TRUST = saved;
  }
}

describe('the evidence travels with the repository (git notes, stepwise sync)', function () {
  this.timeout(120_000);
  let mine: string;
  let remote: string;
  let theirs: string;
  before(async () => {
    mine = await prepareWorkflowRepo();
    const dir = mkdtempSync(join(tmpdir(), 'stepwise-remote-'));
    remote = join(dir, 'origin.git');
    theirs = join(dir, 'teammate');
    execFileSync('git', ['init', '-q', '--bare', remote]);
    git(mine, 'remote', 'add', 'origin', remote);
    git(mine, 'push', '-q', 'origin', 'HEAD:refs/heads/main');
  });
  after(async () => {
    await removeWorkspace(mine);
    rmSync(join(remote, '..'), { recursive: true, force: true });
  });

  const stateIn = async (root: string): Promise<StatusJson['files'][number] | undefined> =>
    jsonOf<StatusJson>(await cli('status', '--json', '--root', root)).files.find((f) => f.path === first);

  it('a migrated and verified file: its evidence is a note on its migration commit', async () => {
    const migrated = await trusted(() => cli('migrate', first, '--root', mine));
    assert.equal(migrated.code, 0, migrated.stdout + migrated.stderr);
    const file = await stateIn(mine);
    assert.equal(file?.state, 'observing');
    const note = git(mine, 'notes', '--ref=refs/notes/stepwise', 'show', file?.commit ?? '');
    const types: string[] = note
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as JournalEntry).type);
    for (const type of ['dossier', 'baseline', 'migrated', 'verification', 'observing'])
      assert.ok(types.includes(type), `${type} in ${types.join(', ')}`);
  });

  it('a teammate\u2019s clone sees the migration but not why, until it syncs; then the same state, deadline and evidence', async () => {
    const sync = await cli('sync', '--root', mine);
    assert.equal(sync.code, 0, sync.stderr);
    assert.match(sync.stdout, /The evidence is shared with origin: pushed \(it had none\)/);
    git(mine, 'push', '-q', 'origin', 'HEAD:refs/heads/main');
    execFileSync('git', ['clone', '-q', '--branch', 'main', remote, theirs]);
    git(theirs, 'config', 'user.name', 'Teammate');
    git(theirs, 'config', 'user.email', 'teammate@stepwise.invalid');

    const before = await stateIn(theirs);
    assert.equal(before?.state, 'migrated', 'the commit is there; the verification is not');
    const theirSync = await cli('sync', '--root', theirs);
    assert.equal(theirSync.code, 0, theirSync.stderr);
    const after = await stateIn(theirs);
    const original = await stateIn(mine);
    assert.equal(after?.state, 'observing');
    assert.equal(after?.observeUntil, original?.observeUntil);
    const report = await cli('report', '--root', theirs);
    assert.match(report.stdout, /verification of `src\/jobs\/warmup-job\.ts` passed/);
  });

  it('both sides add evidence; a second sync merges it, each entry once', async () => {
    assert.equal((await cli('rollout', 'set', 'shadow', '--reason', 'mine', '--root', mine)).code, 0);
    assert.equal((await cli('rollout', 'set', '10', '--reason', 'theirs', '--root', theirs)).code, 0);
    assert.equal((await cli('sync', '--root', mine)).code, 0);
    const merged = await cli('sync', '--root', theirs);
    assert.equal(merged.code, 0, merged.stderr);
    assert.match(merged.stdout, /fetched, merged and pushed/);
    assert.equal((await cli('sync', '--root', mine)).code, 0);
    for (const root of [mine, theirs]) {
      const report = (await cli('report', '--root', root)).stdout;
      assert.match(report, /rollout legacy → shadow by .*: mine/, root);
      assert.match(
        report,
        /rollout legacy → 10 by Teammate: theirs/,
        `${root}\n${report}\n${git(root, 'notes', '--ref=refs/notes/stepwise', 'list')}\n${git(root, 'log', '--oneline', 'refs/notes/stepwise')}`,
      );
      assert.equal(report.match(/migrated in `/g)?.length, 1, report);
    }
  });

  it('a bad remote name is refused in one sentence; an unreachable one says what failed', async () => {
    const bad = await cli('sync', '--evil', '--root', mine);
    assert.equal(bad.code, 2);
    const unknown = await cli('sync', 'nowhere', '--root', mine);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Fetching the evidence from nowhere failed/);
  });

  it('notes merged into the journal: each entry once, oldest first, lines that are not entries skipped', () => {
    const a = { type: 'observing', at: 2, migration: 'm', file: 'f', commit: 'c', until: 9 } as JournalEntry;
    const b: JournalEntry = {
      type: 'approved',
      at: 3,
      migration: 'm',
      file: 'f',
      commit: 'c',
      by: { name: 'n', email: 'e' },
      approvalCommit: 'd',
    };
    // An approval without who approved it, and a line of an unknown type, are not entries.
    const torn = { type: 'approved', at: 4, migration: 'm', file: 'f', commit: 'c' };
    const lines = [a, 'not json', { x: 1 }, b, torn, { ...a, type: 'nuked' }].map((l) => (typeof l === 'string' ? l : JSON.stringify(l)));
    const merged = withNotes([a], new Map([['c', `${lines.join('\n')}\n`]]));
    assert.deepEqual(merged, [a, b]);
  });
});
