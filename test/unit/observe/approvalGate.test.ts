// Approval weighs the rollout's figures: once a process reports (or a stage was set), a file whose
// observation time is over is still not approved while the figures say roll back or pause, or
// while too few calls were seen on the new side to judge; each refusal says why with the figure.
// Without any report or stage, the observation time alone decides, as before.
import * as assert from 'node:assert/strict';
import { appendFile, mkdir } from 'node:fs/promises';
import { controlPaths } from '../../../server/src/observe/fileStore';
import { stepwiseBuckets } from '../../../server/src/rewrite/runtime/adapterRuntime';
import type { StepwiseReport } from '../../../server/src/rewrite/runtime/adapterRuntime';
import { cli, jsonOf, withEnv } from '../../support/cliRun';
import type { CliResult } from '../../support/cliRun';
import { first, journalOf, migrationId, prepareWorkflowRepo } from '../../support/workflowRepo';
import { removeWorkspace } from '../../support/workspace';

function report(counters: Record<string, number>): StepwiseReport {
  const empty = (): number[] => new Array<number>(stepwiseBuckets + 1).fill(0);
  return {
    instance: 'app-1',
    migration: migrationId,
    at: Date.now(),
    mode: 'shadow',
    counters,
    latency: { legacy: empty(), new: empty() },
  };
}

describe('approval weighs the rollout figures', function () {
  this.timeout(120_000);
  let root: string;
  let later: Record<string, string>;
  before(async () => {
    root = await prepareWorkflowRepo();
    const migrated = await withEnv({ STEPWISE_TRUST: '1' }, () => cli('migrate', first, '--root', root, '--json'));
    assert.equal(migrated.code, 0, migrated.stdout + migrated.stderr);
    const status = jsonOf<{ files: { path: string; state: string; observeUntil: string | null }[] }>(
      await cli('status', '--json', '--root', root),
    );
    const file = status.files.find((f) => f.path === first);
    assert.equal(file?.state, 'observing');
    later = { STEPWISE_NOW: new Date(Date.parse(file?.observeUntil ?? '') + 60_000).toISOString() };
  });
  after(() => removeWorkspace(root));

  const reportLine = async (counters: Record<string, number>): Promise<void> => {
    const paths = controlPaths(root, migrationId);
    await mkdir(paths.dir, { recursive: true });
    await appendFile(paths.metrics, `${JSON.stringify(report(counters))}\n`);
  };
  const approve = (): Promise<CliResult> => withEnv(later, () => cli('approve', first, '--root', root));
  const observe = (): Promise<CliResult> => withEnv(later, () => cli('observe', '--root', root));

  it('the figures say roll back: refused, with the error rate and its limit', async () => {
    await reportLine({ legacyCalls: 10 });
    // The window opens the first time Stepwise looks with a process reporting.
    assert.equal((await observe()).code, 0);
    assert.deepEqual(
      journalOf(root)
        .filter((e) => e.type === 'window')
        .map((e) => (e.type === 'window' ? e.file : '')),
      [first],
    );
    await reportLine({ legacyCalls: 300, newCalls: 300, errors: 30, shadowComparisons: 0 });
    const result = await approve();
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /Not approving src\/jobs\/warmup-job\.ts yet: the rollout figures say roll back \(the new side's error rate is 10 % \(limit 0\.5 %\)\)\./,
    );
  });

  it('a new stage opens a new window: too few calls in it to judge, refused with the count', async () => {
    assert.equal((await withEnv(later, () => cli('rollout', 'set', 'shadow', '--root', root))).code, 0);
    await reportLine({ legacyCalls: 400, newCalls: 350, errors: 30 });
    const result = await approve();
    assert.equal(result.code, 2);
    assert.match(result.stderr, /yet: 50 calls observed on the new side; at least 200 are needed to judge\./);
  });

  it('enough clean calls in the window: approved', async () => {
    await reportLine({ legacyCalls: 800, newCalls: 700, errors: 30 });
    const result = await approve();
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Approved src\/jobs\/warmup-job\.ts/);
  });
});

describe('automatic rollback (observation.autoRollback)', function () {
  this.timeout(120_000);
  let root: string;
  before(async () => {
    root = await prepareWorkflowRepo({ observation: { autoRollback: true } });
  });
  after(() => removeWorkspace(root));

  it('the roll-back thresholds crossed: Stepwise sets legacy by itself and records why', async () => {
    assert.equal((await cli('rollout', 'set', '25', '--root', root)).code, 0);
    const paths = controlPaths(root, migrationId);
    await appendFile(paths.metrics, `${JSON.stringify(report({ legacyCalls: 100, newCalls: 100, errors: 5 }))}\n`);
    const observed = await cli('observe', '--json', '--root', root);
    assert.equal(jsonOf<{ verdict: string }>(observed).verdict, 'rollback');
    const after = jsonOf<{ mode: string }>(await cli('observe', '--json', '--root', root));
    assert.equal(after.mode, 'legacy');
    const automatic = journalOf(root).filter((e) => e.type === 'rollout' && e.automatic);
    assert.equal(automatic.length, 1);
    assert.match(automatic[0].type === 'rollout' ? (automatic[0].reason ?? '') : '', /error rate is 5 % \(limit 0\.5 %\)/);
  });
});
