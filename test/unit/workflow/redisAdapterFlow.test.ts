// node-redis 3 to redis 4, and to ioredis, on the redis-service fixture (plain CommonJS, callback
// commands, a client with a key prefix), with redis 3, redis 4 and ioredis really installed from
// the registry and a real redis-server on a loopback port: each file is routed through the
// generated JavaScript adapter on a real git repository, verified by Stepwise with the fixture's
// own tests, and those tests pass in each rollout mode. Both clients share one Redis, so a counter
// must count once in every mode (shadow too). Both run to the end: to redis 4 the cleanup is a
// person's (callbacks to promises, the prefix into the keys), committed through the same gates; to
// ioredis one file's cleanup is rewritten by Stepwise, the other's by hand; the adapter goes.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineResult } from '../../../server/src/protocol/wire';
import { runFixtureTests } from '../../support/fixtureTests';
import type { FixtureTestRun } from '../../support/fixtureTests';
import { startRedis } from '../../support/redis';
import type { RedisServer } from '../../support/redis';
import { commitAll, git, openHarness } from '../../support/workflowRepo';
import type { Harness } from '../../support/workflowRepo';

const fixture = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'redis-service');

function assertOk(result: EngineResult): asserts result is Extract<EngineResult, { ok: true }> {
  assert.ok(result.ok, result.ok ? '' : result.error);
}

// The redis 4 rewrites a person makes: promises and connect(), the prefix in the keys (redis 4 has
// none), users.js keeping its callback API for its callers.
const redis4Client = `'use strict';

const { createClient } = require('redis-4');

// redis 4 has no key prefix option: the keys carry it.
const prefix = 'app:';
const client = createClient({ url: process.env.REDIS_URL || 'redis://localhost:6379' });
client.on('error', (error) => {
  process.stderr.write(\`redis: \${error.message}\\n\`);
});
const ready = client.connect();

module.exports = { client, ready, key: (name) => prefix + name };
`;
const redis4ClientTest = `'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
// The keys as Redis holds them, through a client the migration does not touch.
const { createClient: createRawClient } = require('redis-4');
const { client, ready, key } = require('../src/client');

const raw = createRawClient({ url: process.env.REDIS_URL });

before(() => Promise.all([raw.connect(), ready]));
after(() => Promise.all([client.quit(), raw.quit()]));

test('keys are written under the prefix', async () => {
  assert.equal(await client.set(key('greeting'), 'hello'), 'OK');
  assert.equal(await client.get(key('greeting')), 'hello');
  assert.equal(await raw.get('app:greeting'), 'hello');
});

test('SET flags: NX sets once, EX gives a TTL', async () => {
  await client.del(key('lock'));
  assert.equal(await client.set(key('lock'), 'me', { EX: 30, NX: true }), 'OK');
  assert.equal(await client.set(key('lock'), 'you', { EX: 30, NX: true }), null);
  const ttl = await client.ttl(key('lock'));
  assert.ok(ttl > 0 && ttl <= 30, \`ttl \${ttl}\`);
});
`;
const redis4Users = `'use strict';

const { createClient } = require('redis-4');

const client = createClient({ url: process.env.REDIS_URL });
const ready = client.connect();

/** A redis 4 command, its reply (mapped) given to a redis 3 style callback. */
function reply(command, callback, map = (value) => value) {
  ready.then(command).then(
    (value) => callback && callback(null, map(value)),
    (error) => callback && callback(error),
  );
}

function getUser(id, callback) {
  reply(() => client.get(\`user:\${id}\`), callback, (value) => (value ? JSON.parse(value) : null));
}

function putUser(id, user, seconds) {
  reply(() => client.setEx(\`user:\${id}\`, seconds, JSON.stringify(user)));
}

function touch(id, milliseconds) {
  reply(() => client.pSetEx(\`seen:\${id}\`, milliseconds, String(Date.now())));
}

function profile(id, callback) {
  // redis 4 answers {} for a hash that does not exist; callers expect null.
  reply(() => client.hGetAll(\`profile:\${id}\`), callback, (all) => (Object.keys(all).length > 0 ? { ...all } : null));
}

function flush(callback) {
  reply(() => client.flushDb(), callback);
}

function saveProfile(id, fields, callback) {
  reply(() => client.hSet(\`profile:\${id}\`, fields), callback, () => 'OK');
}

// A counter: a command that must run exactly once per call.
function visit(id, callback) {
  reply(() => client.incr(\`visits:\${id}\`), callback);
}

function close(callback) {
  reply(() => client.quit(), callback);
}

module.exports = { getUser, putUser, touch, profile, saveProfile, visit, flush, close };
`;

/** The tests Stepwise's own verification ran, as passed/failed. */
function verifiedTests(result: EngineResult): string {
  const counts = result.ok ? result.verification?.test?.counts : undefined;
  return counts ? `${counts.passed} passed, ${counts.failed} failed` : `no test counts: ${JSON.stringify(result)}`;
}

interface FlowCase {
  preset: string;
  flag: string;
  adapter: string;
  /** How the adapter loads the new client. */
  requiresNext: RegExp;
}

function routePhase(c: FlowCase, state: { root: string; h: Harness; redis: RedisServer }): void {
  /** The fixture's own `npm test` in one rollout mode, against the test's Redis. */
  const fixtureTests = (mode: string): FixtureTestRun => runFixtureTests(state.root, { [c.flag]: mode, REDIS_URL: state.redis.url });

  it('passes its own tests before the migration, on redis 3', () => {
    const result = fixtureTests('legacy');
    assert.deepEqual([result.pass, result.fail], [7, 0], result.output);
  });

  for (const file of ['src/client.js', 'src/users.js']) {
    it(`routes ${file} through a JavaScript adapter, verified by its tests; they pass in every mode`, async () => {
      const result = await state.h.engine.migrate(file, { force: true, reason: 'both files, in the test' });
      assertOk(result);
      assert.equal(verifiedTests(result), '7 passed, 0 failed');
      assert.match(
        readFileSync(join(state.root, file), 'utf8'),
        new RegExp(`require\\('\\./cache-migration/${c.adapter.replace(/^.*\//, '').replace(/\.js$/, '')}'\\)`),
      );
      const adapter = readFileSync(join(state.root, c.adapter), 'utf8');
      assert.match(adapter, /^module\.exports = redisAdapter;$/m, 'the adapter keeps redis 3’s export shape for require()');
      assert.match(adapter, c.requiresNext);
      assert.equal(git(state.root, 'status', '--porcelain'), '', 'one commit, nothing left over');
      for (const mode of ['legacy', 'shadow', '50', 'new']) {
        const run = fixtureTests(mode);
        assert.deepEqual([run.pass, run.fail], [7, 0], `${file}, mode ${mode}:\n${run.output}`);
      }
      state.h.clock.advance(25 * 3600_000);
      assertOk(await state.h.engine.approve(file));
    });
  }

  it('every routed command answers the same through the new client as through redis 3, with no fallback', () => {
    // One row per route (the adapter's table): the same sequence in legacy mode and in new mode, on
    // a client with a prefix; TTLs compare as "positive", the rest exactly.
    const commands: [string, unknown[]][] = [
      ['flushdb', []],
      ['set', ['k', 'v']],
      ['set', ['k2', 'v', 'EX', 100, 'NX']],
      ['set', ['k2', 'x', 'EX', 100, 'NX']],
      ['get', ['k']],
      ['get', ['missing']],
      ['setex', ['s', 100, 'v']],
      ['psetex', ['p', 100000, 'v']],
      ['setnx', ['n', '1']],
      ['setnx', ['n', '2']],
      ['exists', ['k', 's', 'missing']],
      ['mget', ['k', 's', 'missing']],
      ['ttl', ['s']],
      ['pttl', ['p']],
      ['expire', ['k', 100]],
      ['pexpire', ['k', 100000]],
      ['expire', ['missing', 10]],
      ['incr', ['c']],
      ['incrby', ['c', 5]],
      ['decr', ['c']],
      ['hset', ['h', 'f', 'v']],
      ['hmset', ['h', { a: '1', b: '2' }]],
      ['hget', ['h', 'a']],
      ['hgetall', ['h']],
      ['hgetall', ['missing']],
      ['hdel', ['h', 'a']],
      ['hincrby', ['h', 'n', 3]],
      ['lpush', ['l', 'a', 'b']],
      ['rpush', ['l', 'c']],
      ['lrange', ['l', 0, -1]],
      ['sadd', ['st', 'x', 'y']],
      ['srem', ['st', 'x']],
      ['smembers', ['st']],
      ['del', ['k', 's', 'p']],
    ];
    const script = `
      const adapter = require('./${c.adapter.replace(/\.js$/, '')}');
      const { stepwiseAdapter } = require('./src/cache-migration/stepwise-runtime');
      const client = adapter.createClient(process.env.REDIS_URL, { prefix: 'table:' });
      const commands = ${JSON.stringify(commands)};
      const replies = [];
      const next = (i) => {
        if (i === commands.length) {
          const m = stepwiseAdapter.metrics();
          return client.quit(() => console.log(JSON.stringify({ replies, next: m.newCalls, fallbacks: m.fallbacks, errors: m.errors })));
        }
        const [name, args] = commands[i];
        client[name](...args, (error, reply) => {
          const ttl = name === 'ttl' || name === 'pttl';
          replies.push(error ? 'error: ' + error.message : ttl ? (reply > 0 ? 'positive' : reply) : reply);
          next(i + 1);
        });
      };
      next(0);`;
    const run = (mode: string): { replies: unknown[]; next: number; fallbacks: number; errors: number } =>
      JSON.parse(
        execFileSync(process.execPath, ['-e', script], {
          cwd: state.root,
          encoding: 'utf8',
          env: { ...process.env, [c.flag]: mode, REDIS_URL: state.redis.url },
        }),
      ) as { replies: unknown[]; next: number; fallbacks: number; errors: number };
    const legacy = run('legacy');
    const next = run('new');
    assert.equal(legacy.next, 0);
    assert.deepEqual([next.next, next.fallbacks, next.errors], [commands.length, 0, 0], 'every command on the new client, none fell back');
    const table = commands.map(([name, args], i) => `${name} ${JSON.stringify(args)} → ${JSON.stringify(next.replies[i])}`);
    assert.deepEqual(
      table,
      commands.map(([name, args], i) => `${name} ${JSON.stringify(args)} → ${JSON.stringify(legacy.replies[i])}`),
    );
  });

  it('new mode answers from the new client; shadow answers from redis 3 and compares the reads only', () => {
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
    const inFixture = (mode: string, text: string): Record<string, number> =>
      JSON.parse(
        execFileSync(process.execPath, ['-e', text], {
          cwd: state.root,
          encoding: 'utf8',
          env: { ...process.env, [c.flag]: mode, REDIS_URL: state.redis.url },
        }),
      ) as Record<string, number>;
    assert.deepEqual(inFixture('new', script(0)), { step: 1, legacy: 0, next: 3, fallbacks: 0, compared: 0, mismatches: 0 });
    const shadow = inFixture('shadow', script(1));
    assert.equal(shadow.step, 1, 'a write runs once in shadow mode: the counter moved by one');
    assert.deepEqual([shadow.legacy, shadow.next, shadow.fallbacks], [3, 0, 0]);
    assert.deepEqual([shadow.compared, shadow.mismatches], [1, 0], 'the one read was compared, and agreed');
  });
}

function flow(c: FlowCase, rest: (state: { root: string; h: Harness; redis: RedisServer }) => void): void {
  describe(`${c.preset} on redis-service: the package adapter, file by file, with the fixture’s own tests on a real Redis`, function () {
    this.timeout(300_000);
    const state = {} as { root: string; h: Harness; redis: RedisServer };
    const saved = process.env.REDIS_URL;

    before(async () => {
      state.redis = await startRedis();
      // Stepwise's verification runs the fixture's tests, which find the Redis here.
      process.env.REDIS_URL = state.redis.url;
      state.root = mkdtempSync(join(tmpdir(), 'stepwise-redis-flow-'));
      cpSync(fixture, state.root, { recursive: true });
      writeFileSync(
        join(state.root, '.stepwise/migration.json'),
        `${JSON.stringify({ preset: c.preset, observation: { minimumCalls: 0 }, verify: { test: 'npm test' } }, null, 2)}\n`,
      );
      execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: state.root, stdio: 'ignore' });
      commitAll(state.root);
      state.h = await openHarness(state.root, {}, { removeOnDispose: true });
    });

    after(async () => {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
      await state.h?.dispose();
      await state.redis?.stop();
    });

    routePhase(c, state);
    rest(state);
  });
}

flow(
  {
    preset: 'redis-3-to-4',
    flag: 'STEPWISE_FLAG_REDIS_3_TO_4',
    adapter: 'src/cache-migration/redis-adapter.js',
    requiresNext: /require\("redis-4"\)/,
  },
  (state) => {
    it('the cleanup says what a person must change (callbacks, the prefix), and changes nothing', async () => {
      const head = git(state.root, 'rev-parse', 'HEAD');
      const client = await state.h.engine.migrate('src/client.js', { cleanup: true, force: true, reason: 'in the test' });
      assert.equal(client.ok, false);
      assert.match(client.ok ? '' : (client.error ?? ''), /redis 4 has no prefix option: it is ignored and every key loses its prefix/);
      const users = await state.h.engine.migrate('src/users.js', { cleanup: true, force: true, reason: 'in the test' });
      assert.match(users.ok ? '' : (users.error ?? ''), /redis 4 commands return promises and never call a callback/);
      assert.equal(git(state.root, 'rev-parse', 'HEAD'), head);
      assert.equal(git(state.root, 'status', '--porcelain'), '');
    });

    /** A cleanup step as a person makes it: the files rewritten, then the same step commits them. */
    async function byHand(file: string, texts: Record<string, string>): Promise<Extract<EngineResult, { ok: true }>> {
      for (const [rel, text] of Object.entries(texts)) writeFileSync(join(state.root, rel), text);
      await state.h.index.filesChangedOnDisk(Object.keys(texts));
      const result = await state.h.engine.migrate(file, { cleanup: true, force: true, reason: 'rewritten by hand' });
      assertOk(result);
      assert.equal(verifiedTests(result), '7 passed, 0 failed');
      state.h.clock.advance(25 * 3600_000);
      assertOk(await state.h.engine.approve(file));
      return result;
    }

    it('src/client.js, rewritten by hand onto redis 4 promises with its test, is one cleanup commit', async () => {
      const result = await byHand('src/client.js', { 'src/client.js': redis4Client, 'test/client.test.js': redis4ClientTest });
      assert.equal(git(state.root, 'show', '--name-only', '--format=', 'HEAD~1').trim(), 'src/client.js\ntest/client.test.js');
      assert.ok(
        result.notes?.some((n) => n.startsWith('test/client.test.js is committed with it')),
        JSON.stringify(result.notes),
      );
    });

    it('src/users.js, rewritten by hand onto redis 4 behind its callback API, is the last step; then the adapter goes', async () => {
      // Refused again at the new HEAD (which records its baseline there), then rewritten.
      const refused = await state.h.engine.migrate('src/users.js', { cleanup: true });
      assert.equal(refused.ok, false);
      await byHand('src/users.js', { 'src/users.js': redis4Users });
      assertOk(await state.h.engine.removeAdapter('src/cache-migration/redis-adapter.js'));
      const manifest = JSON.parse(readFileSync(join(state.root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      assert.deepEqual(Object.keys(manifest.dependencies), ['ioredis', 'redis-4']);
      assert.equal((await state.h.engine.status()).phase, 'done');
      assert.equal(git(state.root, 'status', '--porcelain'), '');
    });
  },
);

flow(
  {
    preset: 'redis-3-to-ioredis',
    flag: 'STEPWISE_FLAG_REDIS_3_TO_IOREDIS',
    adapter: 'src/cache-migration/ioredis-adapter.js',
    requiresNext: /require\("ioredis"\)/,
  },
  (state) => {
    it('rewrites src/client.js onto ioredis, the prefix as keyPrefix; verified by its tests', async () => {
      const result = await state.h.engine.migrate('src/client.js', { cleanup: true, force: true, reason: 'in the test' });
      assertOk(result);
      assert.equal(verifiedTests(result), '7 passed, 0 failed');
      const text = readFileSync(join(state.root, 'src/client.js'), 'utf8');
      assert.match(text, /^const \{ Redis \} = require\('ioredis'\);$/m);
      assert.match(text, /new Redis\(process\.env\.REDIS_URL \|\| 'redis:\/\/localhost:6379', \{ keyPrefix: 'app:' \}\)/);
      state.h.clock.advance(25 * 3600_000);
      assertOk(await state.h.engine.approve('src/client.js'));
    });

    it('src/users.js is refused (hgetall answers {} in ioredis), rewritten by hand, and that rewrite is the step', async () => {
      const refused = await state.h.engine.migrate('src/users.js', { cleanup: true });
      assert.match(
        refused.ok ? '' : (refused.error ?? ''),
        /ioredis answers \{\} for a hash that does not exist, where redis 3 answered null/,
      );
      const file = join(state.root, 'src/users.js');
      const rewritten = readFileSync(file, 'utf8')
        .replace("const { createClient } = require('./cache-migration/ioredis-adapter');", "const { Redis } = require('ioredis');")
        .replace('const client = createClient(process.env.REDIS_URL);', 'const client = new Redis(process.env.REDIS_URL);')
        .replace(
          '  client.hgetall(`profile:${id}`, callback);',
          '  client.hgetall(`profile:${id}`, (error, all) => callback(error, all && Object.keys(all).length > 0 ? all : null));',
        );
      writeFileSync(file, rewritten);
      await state.h.index.filesChangedOnDisk(['src/users.js']);
      const result = await state.h.engine.migrate('src/users.js', { cleanup: true });
      assertOk(result);
      assert.equal(verifiedTests(result), '7 passed, 0 failed');
      assert.equal(git(state.root, 'show', 'HEAD:src/users.js'), rewritten);
      state.h.clock.advance(25 * 3600_000);
      assertOk(await state.h.engine.approve('src/users.js'));
    });

    it('removes the adapter, its runtime and redis 3; the migration is done', async () => {
      assertOk(await state.h.engine.removeAdapter('src/cache-migration/ioredis-adapter.js'));
      assert.ok(!existsSync(join(state.root, 'src/cache-migration/ioredis-adapter.js')));
      const manifest = JSON.parse(readFileSync(join(state.root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      assert.deepEqual(Object.keys(manifest.dependencies), ['ioredis', 'redis-4']);
      assert.equal((await state.h.engine.status()).phase, 'done');
      assert.equal(git(state.root, 'status', '--porcelain'), '');
    });
  },
);
