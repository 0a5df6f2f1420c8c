// The rollout control plane on the local file store: the modes Stepwise accepts, the metrics of
// several processes added up, the adapter runtime reading what Stepwise writes and reporting what
// it counted, and the CLI's `rollout` and `observe` on a real git repository of the demo.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { aggregate, compactReports, controlPaths, parseMode, readObservation, writeControl } from '../../../server/src/observe/fileStore';
import {
  stepwiseAdapter,
  stepwiseBucketBound,
  stepwiseBucketOf,
  stepwiseBuckets,
  stepwiseCall,
  stepwiseReportSoon,
  stepwiseFileStore,
} from '../../../server/src/rewrite/runtime/adapterRuntime';
import type { StepwiseReport } from '../../../server/src/rewrite/runtime/adapterRuntime';
import { cli, jsonOf } from '../../support/cliRun';
import { git, journalOf, migrationId, prepareWorkflowRepo } from '../../support/workflowRepo';
import { removeWorkspace } from '../../support/workspace';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function report(instance: string, at: number, counters: Record<string, number>, legacyMs: number[] = []): StepwiseReport {
  const legacy = new Array<number>(stepwiseBuckets + 1).fill(0);
  for (const ms of legacyMs) legacy[stepwiseBucketOf(ms)]++;
  return {
    instance,
    migration: migrationId,
    at,
    mode: 'legacy',
    counters,
    latency: { legacy, new: new Array<number>(stepwiseBuckets + 1).fill(0) },
  };
}

describe('the rollout control on the file store', function () {
  this.timeout(120_000);
  const roots: string[] = [];
  afterEach(async () => {
    stepwiseAdapter.useControl(undefined);
    stepwiseAdapter.resetMetrics();
    for (const root of roots.splice(0)) await removeWorkspace(root);
  });

  const modes: [string, string | RegExp][] = [
    ['legacy', 'legacy'],
    ['Shadow', 'shadow'],
    ['new', 'new'],
    ['25', '25'],
    ['12.5%', '12.5'],
    ['0', '0'],
    ['100', '100'],
    ['101', /not a rollout mode/],
    ['-1', /not a rollout mode/],
    ['half', /not a rollout mode/],
    ['', /not a rollout mode/],
  ];
  for (const [text, want] of modes) {
    it(`the mode ${JSON.stringify(text)}`, () => {
      const parsed = parseMode(text);
      if (typeof want === 'string') assert.deepEqual(parsed, { mode: want });
      else assert.match('error' in parsed ? parsed.error : '', want);
    });
  }

  it('adds up the last report of each process (reports are cumulative per process)', () => {
    const o = aggregate([
      report('a', 1, { legacyCalls: 10, errors: 1 }, [1, 1]),
      report('b', 2, { legacyCalls: 5 }, [100]),
      report('a', 3, { legacyCalls: 30, errors: 2 }, [1, 1, 1]),
    ]);
    assert.deepEqual(o.counters, { legacyCalls: 35, errors: 2 });
    assert.deepEqual(
      o.instances.map((i) => i.instance),
      ['a', 'b'],
    );
    assert.equal(o.lastAt, 3);
    assert.equal(o.latency.p50LegacyMs, stepwiseBucketBound(stepwiseBucketOf(1)));
    assert.equal(o.latency.p99LegacyMs, stepwiseBucketBound(stepwiseBucketOf(100)));
    assert.equal(aggregate([]).lastAt, null);
  });

  it('the metrics file is compacted past its limit to each process\u2019s last report, and the figures stay the same', async () => {
    const root = await prepareWorkflowRepo();
    roots.push(root);
    const { dir, metrics } = controlPaths(root, migrationId);
    await mkdir(dir, { recursive: true });
    for (let i = 1; i <= 50; i++) {
      await appendFile(metrics, `${JSON.stringify(report('p1', i, { legacyCalls: i * 10 }))}\n`);
      await appendFile(metrics, `${JSON.stringify(report('p2', i, { legacyCalls: i }))}\n`);
    }
    const before = await readObservation(root, migrationId);
    assert.equal(await compactReports(root, migrationId, 1_000_000), false, 'under the limit: left alone');
    assert.equal(await compactReports(root, migrationId, 1000), true);
    assert.equal(readFileSync(metrics, 'utf8').trim().split('\n').length, 2);
    const after = await readObservation(root, migrationId);
    assert.deepEqual(after.counters, before.counters);
    assert.deepEqual(after.counters, { legacyCalls: 550 });
  });

  it('the adapter reads the mode Stepwise writes, and its reports add up in the observation', async () => {
    const root = await prepareWorkflowRepo();
    roots.push(root);
    const paths = controlPaths(root, migrationId);
    await writeControl(root, migrationId, { mode: 'new', at: 1, by: 'test' });
    assert.equal(await stepwiseFileStore(paths.control).read(), 'new');
    stepwiseAdapter.useControl(stepwiseFileStore(paths.control), { periodMs: 0, reportMs: 0 });
    stepwiseAdapter.flag();
    while (stepwiseAdapter.flag() !== 'new') await turn();
    stepwiseCall(
      { call: () => undefined },
      () => 'legacy',
      () => 'new',
      'k',
    );
    // The report is written a moment after the call (never on its path); read once it is there.
    let o = await readObservation(root, migrationId);
    while ((o.counters.newCalls ?? 0) === 0) {
      await turn();
      // The mode change was reported at once; the call goes out with the next report.
      stepwiseReportSoon();
      o = await readObservation(root, migrationId);
    }
    assert.equal(o.instances.length, 1);
    assert.equal(o.counters.newCalls, 1);
    assert.equal(git(root, 'status', '--porcelain').trim(), '', 'the control folder ignores itself in git');
  });

  it('the CLI: rollout set, a bad mode refused, rollback, observe; each change journaled with who and the figures', async () => {
    const root = await prepareWorkflowRepo();
    roots.push(root);
    const set = await cli('rollout', 'set', '25', '--root', root, '--reason', 'first stage');
    assert.equal(set.code, 0, set.stderr);
    assert.match(
      set.stdout,
      /legacy → 25\. Every adapter reading the file store serves 25 % of keys on the new side within its read period/,
    );
    assert.equal((JSON.parse(readFileSync(controlPaths(root, migrationId).control, 'utf8')) as { mode: string }).mode, '25');
    const bad = await cli('rollout', 'set', '250', '--root', root);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /"250" is not a rollout mode/);

    // Two processes report during the 25 % stage: 1 error in 5 calls on the new side.
    const { dir, metrics } = controlPaths(root, migrationId);
    await mkdir(dir, { recursive: true });
    await appendFile(metrics, `${JSON.stringify(report('p1', Date.now(), { legacyCalls: 7, newCalls: 3, errors: 1 }))}\n`);
    await appendFile(metrics, `${JSON.stringify(report('p2', Date.now(), { legacyCalls: 2, newCalls: 2 }))}\n`);
    const observed = jsonOf<{ mode: string; processes: unknown[]; figures: Record<string, number>; verdict: string }>(
      await cli('observe', '--json', '--root', root),
    );
    assert.equal(observed.mode, '25');
    assert.equal(observed.processes.length, 2);
    assert.deepEqual([observed.figures.legacyCalls, observed.figures.newCalls, observed.figures.errors], [9, 5, 1]);
    assert.equal(observed.verdict, 'rollback');
    // Past the first stage, the figures must say advance (here 1 error in 5 calls: roll back).
    const held = await cli('rollout', 'next', '--root', root);
    assert.equal(held.code, 2);
    assert.match(held.stderr, /Not moving past 25: the figures say rollback: the new side's error rate is 20 % \(limit 0\.5 %\)/);
    const verdict = await cli('observe', '--root', root);
    assert.match(verdict.stdout, /Verdict: rollback: .* Next stage: 50 \(not yet: /);

    const back = await cli('rollout', 'rollback', '--root', root);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /25 → legacy/);
    // A new window opens with the change: nothing counted in it yet; from legacy the first stage needs no figures.
    const after = jsonOf<{ figures: Record<string, number> }>(await cli('observe', '--json', '--root', root));
    assert.equal(after.figures.newCalls, 0);
    const first = await cli('rollout', 'next', '--root', root);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /legacy → shadow/);

    const changes = journalOf(root)
      .filter((e) => e.type === 'rollout')
      .slice(0, 2);
    assert.deepEqual(
      changes.map((e) => (e.type === 'rollout' ? [e.from, e.to, e.reason ?? null] : [])),
      [
        ['legacy', '25', 'first stage'],
        ['25', 'legacy', null],
      ],
    );
    assert.equal(changes[1]?.type === 'rollout' ? changes[1].observed.newCalls : undefined, 5, 'the figures at the moment of the rollback');
    assert.equal(git(root, 'status', '--porcelain').trim(), '');
  });
});
