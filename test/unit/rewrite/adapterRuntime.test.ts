// The adapter runtime as a module, in memory: the flag's modes, routing, fallback, shadow
// comparison, dual writes and the proxies, table-driven where it can be. Then the text the
// scaffold emits from it. (test/unit/rewrite/generatedAdapter.test.ts drives a generated adapter, compiled
// in the demo, end to end.)
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  stepwiseAdapt,
  stepwiseAdaptClass,
  stepwiseAdapter,
  stepwiseBucketOf,
  stepwiseBuckets,
  stepwiseCall,
  stepwiseMode,
  stepwisePercentile,
} from '../../../server/src/rewrite/runtime/adapterRuntime';
import type { StepwiseRoutes } from '../../../server/src/rewrite/runtime/adapterRuntime';
import { emitRuntime } from '../../../server/src/rewrite/runtime/emit';
import { adapterRuntimeSource } from '../../../server/src/rewrite/runtime/runtimeSource.generated';
import { repoRoot } from '../../support/workspace';

/** One turn of the event loop, so promise chains the runtime started have settled. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const counters = (): Record<string, number> => {
  const { legacyCalls, newCalls, fallbacks, errors, shadowMismatches } = stepwiseAdapter.metrics();
  return { legacyCalls, newCalls, fallbacks, errors, shadowMismatches };
};

describe('adapter runtime (the module the scaffold emits)', () => {
  beforeEach(() => {
    stepwiseAdapter.setFlag(undefined);
    stepwiseAdapter.resetMetrics();
  });
  after(() => stepwiseAdapter.setFlag(undefined));

  const modes: [string | undefined, string][] = [
    [undefined, 'legacy'],
    ['legacy', 'legacy'],
    ['new', 'new'],
    ['ON', 'new'],
    ['true', 'new'],
    [' shadow ', 'shadow'],
    ['0', 'legacy'],
    ['100', 'new'],
    ['not a mode', 'legacy'],
    ['', 'legacy'],
  ];
  for (const [flag, mode] of modes) {
    it(`the flag ${JSON.stringify(flag)} means ${mode}`, () => {
      stepwiseAdapter.setFlag(flag);
      assert.equal(stepwiseMode(), mode);
    });
  }

  it('legacy mode calls only the legacy side and counts it', () => {
    const calls: string[] = [];
    const value = stepwiseCall(
      { call: () => undefined },
      () => (calls.push('legacy'), 1),
      () => (calls.push('new'), 2),
    );
    assert.equal(value, 1);
    assert.deepEqual(calls, ['legacy']);
    assert.deepEqual(counters(), { legacyCalls: 1, newCalls: 0, fallbacks: 0, errors: 0, shadowMismatches: 0 });
  });

  it('new mode falls back to legacy when the new side throws or rejects, and counts both', async () => {
    stepwiseAdapter.setFlag('new');
    const route = { call: () => undefined };
    assert.equal(
      stepwiseCall(
        route,
        () => 'legacy',
        () => {
          throw new Error('boom');
        },
      ),
      'legacy',
    );
    assert.equal(
      await stepwiseCall(
        route,
        () => Promise.resolve('legacy'),
        () => Promise.reject(new Error('boom')),
      ),
      'legacy',
    );
    assert.deepEqual(counters(), { legacyCalls: 2, newCalls: 2, fallbacks: 2, errors: 2, shadowMismatches: 0 });
  });

  it('shadow mode answers from legacy and counts a different answer from the new side', async () => {
    stepwiseAdapter.setFlag('shadow');
    const route = { call: () => undefined };
    const answer = await stepwiseCall(
      route,
      () => Promise.resolve({ v: 1 }),
      () => Promise.resolve({ v: 2 }),
    );
    assert.deepEqual(answer, { v: 1 }, 'legacy answers');
    await turn();
    assert.equal(counters().shadowMismatches, 1);
    stepwiseCall(
      route,
      () => 'same',
      () => 'same',
    );
    await turn();
    assert.equal(counters().shadowMismatches, 1, 'equal answers are no mismatch');
  });

  it('a write ("both") goes to both sides in new mode; a rejected new write falls back to the legacy answer', async () => {
    stepwiseAdapter.setFlag('new');
    const sides: string[] = [];
    const route = { both: true, call: () => undefined };
    const answer = await stepwiseCall(
      route,
      () => (sides.push('legacy'), Promise.resolve('legacy')),
      () => (sides.push('new'), Promise.reject(new Error('write failed'))),
    );
    assert.equal(answer, 'legacy');
    assert.deepEqual(sides.sort(), ['legacy', 'new']);
    assert.equal(counters().fallbacks, 1);
  });

  it('adapted classes: routed members follow the flag, others are bound; one proxy per instance; the new side made once', () => {
    class Legacy {
      constructor(readonly name: string) {}
      get(key: string): string {
        return `legacy:${this.name}:${key}`;
      }
      size(): number {
        return 1;
      }
    }
    let made = 0;
    const routes: StepwiseRoutes<{ get(key: string): string }> = { get: { call: (next, args) => next.get(args[0] as string) } };
    const Adapted = stepwiseAdaptClass(Legacy, () => (made++, { get: (key: string) => `new:${key}` }), routes);
    const cache = new Adapted('a');
    assert.equal(cache.get('k'), 'legacy:a:k');
    assert.equal(cache.size(), 1);
    stepwiseAdapter.setFlag('new');
    assert.equal(cache.get('k'), 'new:k');
    assert.equal(cache.get('j'), 'new:j');
    assert.equal(made, 1, 'the new implementation is created once per instance, on first use');
    assert.ok(cache instanceof Legacy, 'instanceof keeps working');
    const plain = new Legacy('b');
    assert.equal(stepwiseAdapt(plain, undefined, routes), stepwiseAdapt(plain, undefined, routes));
  });

  it('a percentage routes whole keys: each key always to one side, and about that share of the keys', () => {
    for (const percent of [1, 10, 25, 50, 90]) {
      stepwiseAdapter.setFlag(String(percent));
      let routedNew = 0;
      for (let i = 0; i < 10_000; i++) if (stepwiseMode(`user:${i}`) === 'new') routedNew++;
      assert.ok(Math.abs(routedNew / 100 - percent) <= 1, `${percent} %: ${routedNew} of 10000 keys went to the new side`);
    }
    stepwiseAdapter.setFlag('25');
    for (const key of ['user:1', 'session:abc', 42, '']) {
      const first = stepwiseMode(key);
      for (let i = 0; i < 20; i++) assert.equal(stepwiseMode(key), first, `${String(key)} stays on one side`);
    }
    // A key's side only moves towards the new one as the percentage grows.
    const sides = [0, 10, 25, 50, 100].map((p) => (stepwiseAdapter.setFlag(String(p)), stepwiseMode('user:7')));
    assert.deepEqual(
      sides.slice(sides.indexOf('new')),
      sides.slice(sides.indexOf('new')).map(() => 'new'),
    );
  });

  it('latency histograms: fixed buckets doubling from 1 µs, percentiles as bucket bounds', () => {
    const table: [number, number][] = [
      [0, 0],
      [0.001, 0],
      [0.0015, 1],
      [0.002, 1],
      [1, 10],
      [1.5, 11],
      [1e9, stepwiseBuckets],
    ];
    for (const [ms, bucket] of table) assert.equal(stepwiseBucketOf(ms), bucket, `${ms} ms`);
    const counts = new Array<number>(stepwiseBuckets + 1).fill(0);
    assert.equal(stepwisePercentile(counts, 0.5), null);
    counts[stepwiseBucketOf(1)] = 98;
    counts[stepwiseBucketOf(100)] = 2;
    assert.equal(stepwisePercentile(counts, 0.5), 0.001 * 2 ** 10);
    assert.equal(stepwisePercentile(counts, 0.99), 0.001 * 2 ** stepwiseBucketOf(100));
  });

  it('the metrics count calls per side and read latency from the histograms', () => {
    stepwiseCall(
      { call: () => undefined },
      () => 1,
      () => 2,
    );
    const metrics = stepwiseAdapter.metrics();
    assert.equal(metrics.legacyCalls, 1);
    assert.equal(typeof metrics.p50LegacyMs, 'number');
    assert.equal(metrics.p50NewMs, null);
  });

  it('the emitted text: this migration\u2019s flag and id, only stepwiseAdapter exported', () => {
    const lines = emitRuntime('STEPWISE_FLAG_X', "it's-id");
    assert.ok(lines[0].startsWith('// ---- Stepwise runtime'));
    assert.ok(lines.includes(`const stepwiseFlagName = 'STEPWISE_FLAG_X';`));
    assert.ok(lines.includes(`  migration: 'it\\'s-id',`));
    assert.deepEqual(
      lines.filter((l) => l.startsWith('export ')),
      ['export const stepwiseAdapter = {'],
    );
    assert.ok(!lines.some((l) => l.includes('stepwise:flag-name') || l.includes('stepwise:migration-id')));
  });

  it('the generated source is the module as it is now (npm run build writes it)', () => {
    const file = join(repoRoot, 'server', 'src', 'rewrite', 'runtime', 'adapterRuntime.ts');
    assert.equal(adapterRuntimeSource, readFileSync(file, 'utf8'));
  });
});
