// node-redis 3 to 4 on the redis-service fixture (plain CommonJS, callback commands, a client with
// a key prefix), with redis 3 and redis 4 really installed from the registry and a real
// redis-server on a loopback port: each file is routed through the generated JavaScript adapter
// on a real git repository, and after every file the fixture's own tests pass in each rollout
// mode. Both clients share one Redis, so a counter must count once in every mode (shadow too).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineResult } from '../../../server/src/protocol/wire';
import { startRedis } from '../../support/redis';
import type { RedisServer } from '../../support/redis';
import { commitAll, git, openHarness } from '../../support/workflowRepo';
import type { Harness } from '../../support/workflowRepo';

const fixture = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'redis-service');
const flag = 'STEPWISE_FLAG_REDIS_3_TO_4';

function assertOk(result: EngineResult): asserts result is Extract<EngineResult, { ok: true }> {
  assert.ok(result.ok, result.ok ? '' : result.error);
}

describe('redis 3 to 4 on redis-service: the package adapter, file by file, with the fixture’s own tests on a real Redis', function () {
  this.timeout(300_000);
  let h: Harness;
  let root: string;
  let redis: RedisServer;

  /** The fixture's own `npm test` in one rollout mode, against the test's Redis. */
  function fixtureTests(mode: string): { pass: number; fail: number; output: string } {
    let output: string;
    try {
      output = execFileSync('npm', ['test', '--silent'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, [flag]: mode, REDIS_URL: redis.url },
      });
    } catch (error) {
      output = `${(error as { stdout?: string }).stdout ?? ''}`;
    }
    const count = (name: string): number => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? -1);
    return { pass: count('pass'), fail: count('fail'), output };
  }

  /** Runs a script in the fixture (CommonJS, its own node_modules) and parses the JSON it prints. */
  function inFixture<T>(mode: string, script: string): T {
    const output = execFileSync(process.execPath, ['-e', script], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, [flag]: mode, REDIS_URL: redis.url },
    });
    return JSON.parse(output) as T;
  }

  before(async () => {
    redis = await startRedis();
    root = mkdtempSync(join(tmpdir(), 'stepwise-redis-flow-'));
    cpSync(fixture, root, { recursive: true });
    writeFileSync(
      join(root, '.stepwise/migration.json'),
      `${JSON.stringify({ preset: 'redis-3-to-4', observation: { minimumCalls: 0 } }, null, 2)}\n`,
    );
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: root, stdio: 'ignore' });
    commitAll(root);
    h = await openHarness(root, {}, { removeOnDispose: true });
  });

  after(async () => {
    await h?.dispose();
    await redis?.stop();
  });

  it('passes its own tests before the migration, on redis 3', () => {
    const result = fixtureTests('legacy');
    assert.deepEqual([result.pass, result.fail], [7, 0], result.output);
  });

  for (const file of ['src/client.js', 'src/users.js']) {
    it(`routes ${file} through a JavaScript adapter; the tests pass in every mode`, async () => {
      assertOk(await h.engine.migrate(file, { force: true, reason: 'both files, in the test' }));
      assert.match(readFileSync(join(root, file), 'utf8'), /require\('\.\/cache-migration\/redis-adapter'\)/);
      const adapter = readFileSync(join(root, 'src/cache-migration/redis-adapter.js'), 'utf8');
      assert.match(adapter, /^module\.exports = redisAdapter;$/m, 'the adapter keeps redis 3’s export shape for require()');
      assert.match(adapter, /require\("redis-4"\)/);
      assert.equal(git(root, 'status', '--porcelain'), '', 'one commit, nothing left over');
      for (const mode of ['legacy', 'shadow', '50', 'new']) {
        const result = fixtureTests(mode);
        assert.deepEqual([result.pass, result.fail], [7, 0], `${file}, mode ${mode}:\n${result.output}`);
      }
      h.clock.advance(25 * 3600_000);
      assertOk(await h.engine.approve(file));
    });
  }

  it('new mode answers from redis 4; shadow answers from redis 3 and compares the reads only', () => {
    // Waits for the comparisons it expects (they settle after the caller has its answer), not for a time.
    const script = (comparisons: number): string => `
      const users = require('./src/users');
      const { stepwiseAdapter } = require('./src/cache-migration/stepwise-runtime');
      const until = (done, then) => (done() ? then() : setImmediate(() => until(done, then)));
      users.visit('once', (error, first) => {
        users.getUser('nobody', () => {
          users.visit('once', (error2, second) => {
            until(() => stepwiseAdapter.metrics().shadowComparisons >= ${comparisons}, () => {
              const m = stepwiseAdapter.metrics();
              users.close(() => console.log(JSON.stringify({ step: second - first, legacy: m.legacyCalls, next: m.newCalls, fallbacks: m.fallbacks, compared: m.shadowComparisons, mismatches: m.shadowMismatches })));
            });
          });
        });
      });`;
    const next = inFixture<Record<string, number>>('new', script(0));
    assert.deepEqual(next, { step: 1, legacy: 0, next: 3, fallbacks: 0, compared: 0, mismatches: 0 });
    const shadow = inFixture<Record<string, number>>('shadow', script(1));
    assert.equal(shadow.step, 1, 'a write runs once in shadow mode: the counter moved by one');
    assert.deepEqual([shadow.legacy, shadow.next, shadow.fallbacks], [3, 0, 0]);
    assert.deepEqual([shadow.compared, shadow.mismatches], [1, 0], 'the one read was compared, and agreed');
  });
});
