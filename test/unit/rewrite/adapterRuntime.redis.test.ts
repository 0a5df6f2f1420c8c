// The adapter runtime's control store on a real Redis (ioredis, as an app would pass its own
// client): a mode set in Redis reaches the adapter within one period, a rollback too; Redis killed
// mid-run or absent at start leaves the last known mode (or legacy), counts the errors, and no
// call ever waits for it.
import * as assert from 'node:assert/strict';
import Redis from 'ioredis';
import { stepwiseAdapter, stepwiseControl } from '../../../server/src/rewrite/runtime/adapterRuntime';
import { startRedis } from '../../support/redis';
import type { RedisServer } from '../../support/redis';

const key = 'stepwise:migration-id:mode';
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Calls flag() (as every cache call does) until it says `want`; each round trip is an event. */
async function flagBecomes(want: string): Promise<number> {
  let calls = 0;
  while (stepwiseAdapter.flag() !== want) {
    calls++;
    await turn();
  }
  return calls;
}

describe('adapter runtime: the control store on a real Redis', function () {
  // A hang guard: each step waits on Redis's answers, or on the runtime's own 100 ms timeout.
  this.timeout(60_000);
  let redis: RedisServer | undefined;
  const clients: Redis[] = [];

  afterEach(async () => {
    stepwiseAdapter.useControl(undefined);
    stepwiseAdapter.resetMetrics();
    for (const client of clients.splice(0)) client.disconnect();
    await redis?.stop();
    redis = undefined;
  });

  function client(port: number): Redis {
    const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => 50, lazyConnect: false });
    c.on('error', () => undefined); // the adapter counts what matters; the app decides what to log
    clients.push(c);
    return c;
  }

  it('a stage set in Redis reaches the adapter, and a rollback too, without a restart', async () => {
    redis = await startRedis();
    const admin = client(redis.port);
    const app = client(redis.port);
    stepwiseAdapter.useRedis(app, undefined, { periodMs: 0, timeoutMs: 1000 });
    assert.equal(stepwiseAdapter.flag(), 'legacy', 'nothing in Redis: legacy');
    await admin.set(key, '25');
    await flagBecomes('25');
    await admin.set(key, 'legacy');
    await flagBecomes('legacy');
    assert.equal(stepwiseAdapter.metrics().controlErrors, 0);
  });

  it('Redis killed mid-run: the last known mode stays, errors are counted, and calls never wait', async () => {
    redis = await startRedis();
    const admin = client(redis.port);
    stepwiseAdapter.useRedis(client(redis.port), undefined, { periodMs: 0, timeoutMs: 100 });
    await admin.set(key, 'new');
    await flagBecomes('new');
    await redis.stop();
    redis = undefined;
    while (stepwiseAdapter.metrics().controlErrors === 0) {
      const started = process.hrtime.bigint();
      assert.equal(stepwiseAdapter.flag(), 'new');
      // A call takes what flag() takes: no round trip to Redis on the caller's path.
      assert.ok(process.hrtime.bigint() - started < 50_000_000n, 'flag() returned at once');
      await turn();
    }
    assert.equal(stepwiseAdapter.flag(), 'new');
  });

  it('Redis absent at start: legacy, the errors counted, nothing thrown', async () => {
    const absent = await startRedis();
    const port = absent.port;
    await absent.stop(); // a port where nothing listens now
    stepwiseAdapter.useRedis(client(port), undefined, { periodMs: 0, timeoutMs: 100 });
    while (stepwiseAdapter.metrics().controlErrors === 0) {
      assert.equal(stepwiseAdapter.flag(), 'legacy');
      await turn();
    }
    assert.equal(stepwiseControl.value, undefined);
  });
});
