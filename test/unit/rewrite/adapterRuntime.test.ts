// The adapter runtime as a module, in memory: the flag's modes, routing, fallback, shadow
// comparison, dual writes and the proxies, table-driven where it can be. Then the text the
// scaffold emits from it. (test/unit/rewrite/generatedAdapter.test.ts drives a generated adapter, compiled
// in the demo, end to end.)
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  stepwiseAdapt,
  stepwiseAdaptClass,
  stepwiseAdapter,
  stepwiseBucketBound,
  stepwiseBucketOf,
  stepwiseClock,
  stepwiseControl,
  stepwiseFileStore,
  stepwiseBuckets,
  stepwiseLatency,
  stepwiseCall,
  stepwiseCompare,
  stepwiseMode,
  stepwisePercentile,
} from '../../../server/src/rewrite/runtime/adapterRuntime';
import type { StepwiseCategory, StepwiseCompareRules, StepwiseRoutes } from '../../../server/src/rewrite/runtime/adapterRuntime';
import { emitRuntimeModule, runtimePathOf } from '../../../server/src/rewrite/runtime/emit';
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

  it('latency histograms: fixed buckets, eight per doubling from 1 µs, percentiles as bucket bounds', () => {
    const table: [number, number][] = [
      [0, 0],
      [0.001, 0],
      [0.0015, 5],
      [0.002, 8],
      [1, 80],
      [1.5, 85],
      [1e9, stepwiseBuckets],
    ];
    for (const [ms, bucket] of table) assert.equal(stepwiseBucketOf(ms), bucket, `${ms} ms`);
    for (const ms of [0.0123, 0.5, 3, 250]) {
      const bound = stepwiseBucketBound(stepwiseBucketOf(ms));
      assert.ok(bound >= ms && bound < ms * 1.0906, `${ms} ms lands in a bucket at most 9 % above it (${bound})`);
    }
    const counts = new Array<number>(stepwiseBuckets + 1).fill(0);
    assert.equal(stepwisePercentile(counts, 0.5), null);
    counts[stepwiseBucketOf(1)] = 98;
    counts[stepwiseBucketOf(100)] = 2;
    assert.equal(stepwisePercentile(counts, 0.5), stepwiseBucketBound(stepwiseBucketOf(1)));
    assert.equal(stepwisePercentile(counts, 0.99), stepwiseBucketBound(stepwiseBucketOf(100)));
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

  describe('the control store', () => {
    const realNow = stepwiseClock.now.bind(stepwiseClock);
    let now = 0;
    beforeEach(() => {
      now = 0;
      stepwiseClock.now = () => now;
    });
    afterEach(() => {
      stepwiseClock.now = realNow;
      stepwiseAdapter.useControl(undefined);
      delete process.env.STEPWISE_FLAG_MIGRATION;
    });

    /** A store whose reads the test answers. */
    function controlled(): { store: { read(): Promise<string | undefined> }; reads: number; answer(value: string | Error): Promise<void> } {
      const pending: ((value: string | Error) => void)[] = [];
      const handle = {
        reads: 0,
        store: {
          read: () => {
            handle.reads++;
            return new Promise<string | undefined>((resolve, reject) =>
              pending.push((value) => (value instanceof Error ? reject(value) : resolve(value))),
            );
          },
        },
        // The read starts a moment after the call that asked for it (never on the caller's path).
        answer: async (value: string | Error) => {
          await turn();
          pending.shift()?.(value);
          await turn();
        },
      };
      return handle;
    }

    it('a call never waits for the store: it uses the last known mode, and the answer serves the next calls', async () => {
      const c = controlled();
      stepwiseAdapter.useControl(c.store, { periodMs: 2000 });
      assert.equal(stepwiseAdapter.flag(), 'legacy', 'nothing known yet: legacy, at once');
      assert.equal(c.reads, 0, 'not even the store\u2019s read() runs on the caller\u2019s path');
      await turn();
      assert.equal(c.reads, 1, 'the first call started a read');
      await c.answer('25');
      assert.equal(stepwiseAdapter.flag(), '25');
    });

    it('the store is read at most once per period', async () => {
      const c = controlled();
      stepwiseAdapter.useControl(c.store, { periodMs: 2000 });
      for (let i = 0; i < 100; i++) stepwiseAdapter.flag();
      await c.answer('new');
      now = 1999;
      for (let i = 0; i < 100; i++) stepwiseAdapter.flag();
      assert.equal(c.reads, 1);
      now = 2000;
      assert.equal(stepwiseAdapter.flag(), 'new', 'the stale value serves while the next read runs');
      await turn();
      assert.equal(c.reads, 2);
      await c.answer('legacy');
      assert.equal(stepwiseAdapter.flag(), 'legacy', 'a rollback in the store reaches the process after one period');
    });

    it('a store that fails keeps the last known mode; one that does not answer holds up nothing', async () => {
      const c = controlled();
      stepwiseAdapter.useControl(c.store, { periodMs: 0 });
      stepwiseAdapter.flag();
      await c.answer('new');
      stepwiseAdapter.flag();
      await c.answer(new Error('connection refused'));
      assert.equal(stepwiseAdapter.flag(), 'new');
      assert.equal(stepwiseAdapter.metrics().controlErrors, 1);
      // The read this call started never answers: calls go on with what is known.
      stepwiseAdapter.flag();
      await turn();
      for (let i = 0; i < 10; i++) assert.equal(stepwiseAdapter.flag(), 'new');
      assert.equal(stepwiseControl.reading, c.store);
    });

    it('the environment overrides the store', async () => {
      const c = controlled();
      stepwiseAdapter.useControl(c.store, { periodMs: 0 });
      stepwiseAdapter.flag();
      await c.answer('new');
      process.env.STEPWISE_FLAG_MIGRATION = 'legacy';
      assert.equal(stepwiseAdapter.flag(), 'legacy');
    });

    it("Redis through the app's own client: the migration's key", async () => {
      const asked: string[] = [];
      stepwiseAdapter.useRedis({ get: (key) => (asked.push(key), Promise.resolve('shadow')) }, undefined, { periodMs: 0 });
      stepwiseAdapter.flag();
      await turn();
      await turn();
      assert.equal(stepwiseAdapter.flag(), 'shadow');
      assert.equal(asked[0], 'stepwise:migration-id:mode');
    });

    it('the file store reads { "mode": … } or the mode alone; no file means nothing known', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'stepwise-control-'));
      try {
        const file = join(dir, 'control.json');
        assert.equal(await stepwiseFileStore(file).read(), undefined);
        writeFileSync(file, '{ "mode": "shadow" }\n');
        assert.equal(await stepwiseFileStore(file).read(), 'shadow');
        writeFileSync(file, '50\n');
        assert.equal(await stepwiseFileStore(file).read(), '50');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('the circuit on the new side', () => {
    const realNow = stepwiseClock.now.bind(stepwiseClock);
    let now = 0;
    beforeEach(() => {
      now = 0;
      stepwiseClock.now = () => now;
      stepwiseAdapter.resetMetrics();
      stepwiseAdapter.setFlag('new');
    });
    afterEach(() => {
      stepwiseClock.now = realNow;
      stepwiseAdapter.resetMetrics();
    });

    it('opens after too many errors in the window, sends calls to legacy while open, probes later and closes', () => {
      let newCalls = 0;
      let failing = true;
      const call = (): unknown =>
        stepwiseCall(
          { call: () => undefined },
          () => 'legacy',
          () => {
            newCalls++;
            if (failing) throw new Error('down');
            return 'new';
          },
          'k',
        );
      for (let i = 0; i < 19; i++) assert.equal(call(), 'legacy');
      assert.equal(stepwiseAdapter.circuit(), 'closed', 'not judged on fewer calls than the minimum');
      call();
      assert.equal(stepwiseAdapter.circuit(), 'open');
      assert.equal(stepwiseAdapter.metrics().circuitOpens, 1);
      const before = newCalls;
      assert.equal(call(), 'legacy');
      assert.equal(newCalls, before, 'while open the new side is not called');
      assert.equal(stepwiseAdapter.metrics().circuitSkips, 1);
      now = 30_000;
      failing = false;
      assert.equal(call(), 'new', 'after openMs one call probes the new side');
      assert.equal(stepwiseAdapter.circuit(), 'closed');
    });

    it('a failed probe opens it again', () => {
      const failing = (): unknown =>
        stepwiseCall(
          { call: () => undefined },
          () => 'legacy',
          () => {
            throw new Error('down');
          },
        );
      for (let i = 0; i < 20; i++) failing();
      now = 30_000;
      failing();
      assert.equal(stepwiseAdapter.circuit(), 'open');
      assert.equal(stepwiseAdapter.metrics().circuitOpens, 2);
    });

    it('errors spread over windows do not open it', () => {
      for (let i = 0; i < 100; i++) {
        now = i * 1000;
        stepwiseCall(
          { call: () => undefined },
          () => 'legacy',
          () => {
            if (i % 10 === 0) throw new Error('now and then');
            return 'new';
          },
        );
      }
      assert.equal(stepwiseAdapter.circuit(), 'closed');
    });
  });

  describe('shadow comparison: categories under the rules', () => {
    const none: StepwiseCompareRules = { ignoreFields: [], unordered: false, numericTolerance: 0, ttlSkewMs: 0 };
    const rules = (extra: Partial<StepwiseCompareRules>): StepwiseCompareRules => ({ ...none, ...extra });
    const table: [string, unknown, unknown, StepwiseCompareRules, StepwiseCategory, boolean?][] = [
      ['the same string', 'a', 'a', none, 'match'],
      ['the same object, keys in another order', { a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, none, 'match'],
      ['both miss', undefined, null, none, 'match'],
      ['the new side misses', { a: 1 }, undefined, none, 'missing'],
      ['the new side answers where legacy missed', undefined, 'x', none, 'semantic'],
      ['another string', 'a', 'b', none, 'semantic'],
      ['an ignored field differs', { v: 1, at: 5 }, { v: 1, at: 9 }, rules({ ignoreFields: ['at'] }), 'acceptable'],
      ['a field not ignored differs', { v: 1, at: 5 }, { v: 2, at: 9 }, rules({ ignoreFields: ['at'] }), 'semantic'],
      ['a field only one side has', { v: 1 }, { v: 1, extra: true }, none, 'semantic'],
      ['the same items in another order', [1, 2, 3], [3, 1, 2], none, 'ordering'],
      ['the same items in another order, order-insensitive', [1, 2, 3], [3, 1, 2], rules({ unordered: true }), 'acceptable'],
      ['other items', [1, 2, 3], [1, 2, 4], rules({ unordered: true }), 'semantic'],
      ['one item more', [1, 2], [1, 2, 3], rules({ unordered: true }), 'semantic'],
      ['a float off in the last digits', 0.1 + 0.2, 0.3, none, 'precision'],
      ['numbers within the tolerance', 10, 10.4, rules({ numericTolerance: 0.5 }), 'acceptable'],
      ['numbers beyond the tolerance', 10, 11, rules({ numericTolerance: 0.5 }), 'semantic'],
      ['a TTL within the skew', 30_000, 29_400, rules({ ttlSkewMs: 1000 }), 'acceptable', true],
      ['a TTL beyond the skew', 30_000, 20_000, rules({ ttlSkewMs: 1000 }), 'semantic', true],
      ['the same number as a TTL', 5, 5, none, 'match', true],
      ['Maps with the same entries', new Map([['a', 1]]), new Map([['a', 1]]), none, 'match'],
      ['Sets in another order', new Set([1, 2]), new Set([2, 1]), none, 'acceptable'],
      [
        'nested: ordering beats an ignored field',
        { list: [1, 2], at: 1 },
        { list: [2, 1], at: 2 },
        rules({ ignoreFields: ['at'] }),
        'ordering',
      ],
    ];
    for (const [name, legacyValue, nextValue, given, category, ttl] of table) {
      it(`${name}: ${category}`, () => assert.equal(stepwiseCompare(legacyValue, nextValue, given, ttl === true), category));
    }

    it('shadow mode counts each category, keeps the last few differences with hashed keys and values cut short', async () => {
      stepwiseAdapter.setFlag('shadow');
      const route = { call: () => undefined };
      const long = 'x'.repeat(500);
      for (let i = 0; i < 8; i++) {
        stepwiseCall(
          route,
          () => ({ secret: `user-${i}`, long }),
          () => ({ secret: `other-${i}`, long }),
          `session:${i}`,
          { member: 'get', hasNext: () => true },
        );
      }
      stepwiseCall(
        route,
        () => [1, 2],
        () => [2, 1],
        'k',
        { member: 'list', hasNext: () => true },
      );
      await turn();
      const metrics = stepwiseAdapter.metrics();
      assert.deepEqual([metrics.shadowComparisons, metrics.shadowSemantic, metrics.shadowOrdering, metrics.shadowMismatches], [9, 8, 1, 9]);
      assert.equal(metrics.samples.length, 5, 'a fixed number of samples');
      assert.equal(metrics.samples.at(-1)?.category, 'ordering', 'the newest last');
      for (const sample of metrics.samples) {
        assert.match(sample.key, /^[0-9a-f]{8}$/);
        assert.ok(sample.legacy.length <= 60 && sample.new.length <= 60, 'values are cut short');
        assert.ok(!JSON.stringify(sample).includes('session:'), 'no key in the clear');
      }
      assert.equal(metrics.members.get.shadowMismatches, 8);
      assert.equal(metrics.members.list.shadowMismatches, 1);
    });

    it('shadow work adds no awaited time: the caller has legacy\u2019s answer before the new side is asked', () => {
      stepwiseAdapter.setFlag('shadow');
      let asked = false;
      const answer = stepwiseCall(
        { call: () => undefined },
        () => 'legacy',
        () => ((asked = true), 'new'),
      );
      assert.equal(answer, 'legacy');
      assert.equal(asked, false);
    });
  });

  describe('the warm switch and dual writes', () => {
    /** An in-memory pair: legacy and new maps, adapted, with get/set/delete routes and set as the back-fill. */
    function pair() {
      const legacyMap = new Map<string, unknown>();
      const newMap = new Map<string, unknown>();
      class Legacy {
        get(key: string): unknown {
          return legacyMap.get(key);
        }
        set(key: string, value: unknown): void {
          legacyMap.set(key, value);
        }
        delete(key: string): void {
          legacyMap.delete(key);
        }
      }
      type Next = Map<string, unknown>;
      const routes: StepwiseRoutes<Next> = {
        get: { read: true, fill: 'set', call: (next, args) => next.get(args[0] as string) },
        set: { both: true, call: (next, args) => void next.set(args[0] as string, args[1]) },
        delete: { both: true, call: (next, args) => void next.delete(args[0] as string) },
      };
      let made = 0;
      const Adapted = stepwiseAdaptClass(Legacy, () => (made++, newMap), routes);
      return { cache: new Adapted(), legacyMap, newMap, made: () => made };
    }

    it('legacy → new: a miss on the new side is answered by legacy and back-filled, once', () => {
      const { cache, newMap } = pair();
      cache.set('a', 1);
      stepwiseAdapter.setFlag('new');
      assert.equal(cache.get('a'), 1, 'never a cold cache');
      assert.equal(newMap.get('a'), 1, 'back-filled');
      assert.equal(cache.get('a'), 1);
      assert.equal(cache.get('missing'), undefined);
      const m = stepwiseAdapter.metrics();
      assert.deepEqual([m.readThroughs, m.fills, m.members.get.readThroughs, m.members.get.fills], [2, 1, 2, 1]);
    });

    it("new mode's hot path: the new side answers alone, counted per member, one call in 16 timed; a throw or a rejection still falls back", async () => {
      const legacyCalls: string[] = [];
      let fail: 'throw' | 'reject' | undefined;
      class Legacy {
        get(key: string): unknown {
          legacyCalls.push(key);
          return `legacy ${key}`;
        }
      }
      const routes: StepwiseRoutes<Map<string, string>> = {
        get: {
          read: true,
          call: (next, args) => {
            if (fail === 'throw') throw new Error('boom');
            if (fail === 'reject') return Promise.reject(new Error('boom'));
            return next.get(args[0] as string);
          },
        },
      };
      const cache = new (stepwiseAdaptClass(Legacy, () => new Map([['k', 'new k']]), routes))();
      stepwiseAdapter.setFlag('new');
      for (let i = 0; i < 32; i++) assert.equal(cache.get('k'), 'new k');
      assert.deepEqual(legacyCalls, [], 'legacy is not asked');
      const m = stepwiseAdapter.metrics();
      assert.deepEqual([m.newCalls, m.members.get.newCalls, m.legacyCalls], [32, 32, 0]);
      assert.equal(
        stepwiseLatency.new.reduce((a, b) => a + b, 0),
        2,
        'two of the 32 calls timed',
      );
      fail = 'throw';
      assert.equal(cache.get('k'), 'legacy k');
      fail = 'reject';
      assert.equal(await cache.get('k'), 'legacy k');
      const after = stepwiseAdapter.metrics();
      assert.deepEqual([after.fallbacks, after.errors, after.members.get.fallbacks], [2, 2, 2]);
    });

    it('a percentage: writes go to both sides for every key, so keys moving to the new side find them', () => {
      const { cache, newMap } = pair();
      stepwiseAdapter.setFlag('10');
      for (let i = 0; i < 200; i++) cache.set(`k${i}`, i);
      assert.equal(newMap.size, 200, 'every write reached the new side, whatever side its key reads from');
      stepwiseAdapter.setFlag('50');
      stepwiseAdapter.resetMetrics();
      for (let i = 0; i < 200; i++) assert.equal(cache.get(`k${i}`), i);
      assert.equal(stepwiseAdapter.metrics().readThroughs, 0);
    });

    it('after a rollback, writes still reach the new side (it exists), so a later stage does not serve stale values', () => {
      const { cache, newMap, legacyMap } = pair();
      stepwiseAdapter.setFlag('new');
      cache.set('a', 1);
      stepwiseAdapter.setFlag('legacy');
      cache.set('a', 2);
      cache.delete('gone');
      assert.deepEqual([legacyMap.get('a'), newMap.get('a')], [2, 2]);
      stepwiseAdapter.setFlag('new');
      assert.equal(cache.get('a'), 2);
      assert.ok(stepwiseAdapter.metrics().mirrorWrites >= 2);
    });

    it('in legacy mode before any stage, the new side is never made', () => {
      const { cache, made } = pair();
      cache.set('a', 1);
      cache.get('a');
      assert.equal(made(), 0);
      assert.equal(stepwiseAdapter.metrics().mirrorWrites, 0);
    });

    it('a read legacy answers by storing the value itself ("refill", a wrap) fills the new side too, once it matters', async () => {
      const legacyMap = new Map<string, unknown>();
      const newMap = new Map<string, unknown>();
      class Legacy {
        wrap(key: string, work: () => unknown): unknown {
          if (!legacyMap.has(key)) legacyMap.set(key, work());
          return legacyMap.get(key);
        }
      }
      const routes: StepwiseRoutes<Map<string, unknown>> = {
        wrap: { read: true, refill: true, fill: 'set', call: (next, args) => next.get(args[0] as string) },
        set: { both: true, call: (next, args) => void next.set(args[0] as string, args[1]) },
      };
      const cache = new (stepwiseAdaptClass(Legacy, () => newMap, routes))();
      let works = 0;
      const work = (): number => ++works;
      const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
      assert.equal(cache.wrap('a', work), 1);
      await settle();
      assert.equal(newMap.size, 0, 'in legacy mode before any stage, the new side is never made');
      stepwiseAdapter.setFlag('shadow');
      assert.equal(cache.wrap('b', work), 2);
      await settle();
      assert.equal(newMap.get('b'), 2, 'what legacy computed in shadow mode reached the new side');
      stepwiseAdapter.setFlag('new');
      assert.equal(await cache.wrap('b', work), 2, 'the new side answers it');
      assert.equal(await cache.wrap('a', work), 1, 'a miss reads through from legacy, which has it');
      assert.equal(works, 2, 'the work ran once per key');
    });

    it('a write to a store both sides share ("once") runs on one side in every mode: never mirrored, never shadowed', async () => {
      const sides: string[] = [];
      const route = { once: true, call: () => sides.push('new') };
      for (const flag of ['legacy', 'shadow', 'new', '0', '100']) {
        stepwiseAdapter.setFlag(flag);
        sides.length = 0;
        stepwiseCall(route, () => sides.push('legacy'), route.call, 'key');
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(sides, [flag === 'new' || flag === '100' ? 'new' : 'legacy'], `flag ${flag}`);
      }
      assert.equal(stepwiseAdapter.metrics().mirrorWrites, 0);
      assert.equal(stepwiseAdapter.metrics().shadowComparisons, 0);
    });

    it('a mirrored write the new side rejects is counted and never reaches the caller', async () => {
      stepwiseAdapter.setFlag('shadow');
      const answer = stepwiseCall(
        { both: true, call: () => undefined },
        () => 'legacy',
        () => Promise.reject(new Error('new side down')),
        'k',
        { member: 'set', hasNext: () => true },
      );
      assert.equal(answer, 'legacy');
      await turn();
      assert.equal(stepwiseAdapter.metrics().mirrorErrors, 1);
    });
  });

  it('the runtime module: this migration\u2019s flag, id and comparison rules, beside the adapter', () => {
    const text = emitRuntimeModule('STEPWISE_FLAG_X', "it's-id", {
      ignoreFields: ["it's"],
      unordered: true,
      numericTolerance: 0.5,
      ttlSkewMs: 1000,
    });
    const lines = text.split('\n');
    assert.ok(lines.includes(`export const stepwiseFlagName = 'STEPWISE_FLAG_X';`));
    assert.ok(lines.includes(`export const stepwiseMigration = 'it\\'s-id';`));
    assert.ok(lines.some((l) => l.startsWith('export const stepwiseCompareRules') && l.includes('"numericTolerance":0.5')));
    assert.ok(!text.includes('stepwise:flag-name') && !text.includes('stepwise:migration-id') && !text.includes('stepwise:compare-rules'));
    assert.ok(lines.includes('export const stepwiseAdapter = {'));
    assert.equal(runtimePathOf('src/core/cache-migration/legacy-adapter.ts'), 'src/core/cache-migration/stepwise-runtime.ts');
    assert.equal(runtimePathOf('lib/adapter.mts'), 'lib/stepwise-runtime.mts');
  });

  it('the generated source is the module as it is now (npm run build writes it)', () => {
    const file = join(repoRoot, 'server', 'src', 'rewrite', 'runtime', 'adapterRuntime.ts');
    assert.equal(adapterRuntimeSource, readFileSync(file, 'utf8'));
  });
});
