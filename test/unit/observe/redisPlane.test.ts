// Stepwise on a real Redis (redis-server from Debian, on a random loopback port, started here):
// app processes with the adapter runtime on their own ioredis clients follow the stage Stepwise
// sets and report to it; their metrics add up; a rollback is timed on their reports; a drill runs.
// Then the faults: Redis absent, killed mid-window, slowed (DEBUG SLEEP), a wrong or missing
// password, an ACL user without INFO, TLS required. Each ends with one clear sentence from
// Stepwise, no crash, the evidence intact, and the app still serving.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { parseInfo } from '../../../server/src/observe/controlPlane';
import { describeRedisError, redactUrl } from '../../../server/src/observe/redisPlane';
import { startCacheApp } from '../../support/cacheApp';
import type { CacheApp } from '../../support/cacheApp';
import { cli, jsonOf, withEnv } from '../../support/cliRun';
import type { CliResult } from '../../support/cliRun';
import { makeCertificates, startRedis } from '../../support/redis';
import type { RedisServer } from '../../support/redis';
import { journalOf, migrationId, prepareWorkflowRepo } from '../../support/workflowRepo';
import { removeWorkspace } from '../../support/workspace';

interface State {
  mode: string;
  plane: { kind: string; where: string; error?: string };
  processes: { instance: string; mode: string }[];
  figures: Record<string, number>;
  health?: { pingMs?: number; hitRatePercent?: number | null; error?: string; infoError?: string };
}

describe('the rollout on Redis: what Stepwise makes of its answers', () => {
  it('INFO: hit rate from keyspace hits and misses, memory, evictions, load', () => {
    const info = parseInfo(
      '# Stats\r\nkeyspace_hits:300\r\nkeyspace_misses:100\r\nevicted_keys:7\r\ninstantaneous_ops_per_sec:42\r\n# Memory\r\nused_memory:1048576\r\n',
    );
    assert.deepEqual(info, {
      keyspaceHits: 300,
      keyspaceMisses: 100,
      hitRatePercent: 75,
      usedMemoryBytes: 1048576,
      evictedKeys: 7,
      opsPerSecond: 42,
    });
    assert.equal(parseInfo('').hitRatePercent, null, 'no lookups yet: no hit rate');
  });

  const errors: [string, unknown, RegExp][] = [
    [
      'refused',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      /refused the connection: is it running\?/,
    ],
    ['wrong password', new Error('WRONGPASS invalid username-password pair or user is disabled.'), /refused the password: set it with/],
    ['no password', new Error('NOAUTH Authentication required.'), /needs a password/],
    ['ACL', new Error("NOPERM User app has no permissions to run the 'info' command"), /may not do this: User app has no permissions/],
    ['timeout', new Error('Command timed out'), /did not answer within 1000 ms/],
    ['TLS', new Error('self-signed certificate in certificate chain'), /TLS handshake .* STEPWISE_REDIS_CA/],
    ['closed', new Error('Connection is closed.'), /closed the connection; if it requires TLS, use a rediss:\/\/ URL/],
  ];
  for (const [name, error, sentence] of errors) {
    it(`a Redis error in one sentence: ${name}`, () => assert.match(describeRedisError(error, 'redis://h:1', 1000), sentence));
  }

  it('a URL as people see it has no password', () => {
    assert.equal(redactUrl('redis://app:s3cret@127.0.0.1:6379'), 'redis://app:***@127.0.0.1:6379');
    assert.equal(redactUrl('rediss://127.0.0.1:6380/0'), 'rediss://127.0.0.1:6380/0');
  });
});

describe('the rollout on a real Redis', function () {
  // A hang guard: every wait below is on an event (a process's output, Redis's answer, a timeout of Stepwise's own).
  this.timeout(120_000);
  let redis: RedisServer | undefined;
  let root: string;
  const apps: CacheApp[] = [];
  const clients: Redis[] = [];

  beforeEach(async () => {
    root = await prepareWorkflowRepo();
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.stop();
    for (const c of clients.splice(0)) c.disconnect();
    await redis?.stop();
    redis = undefined;
    await removeWorkspace(root);
  });

  const admin = (url: string, password?: string): Redis => {
    const c = new Redis(url, { password, maxRetriesPerRequest: 1, retryStrategy: () => null });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };
  const observe = (url: string, env: Record<string, string | undefined> = {}): Promise<CliResult> =>
    withEnv({ STEPWISE_REDIS_PASSWORD: undefined, ...env }, () => cli('observe', '--json', '--redis', url, '--root', root));

  it('two app processes follow the stage Stepwise sets; their metrics add up; a rollback is timed; a drill runs; the password is never shown or kept', async () => {
    const password = 'pa55-word-never-shown';
    redis = await startRedis({ args: ['--requirepass', password] });
    const appUrl = `redis://:${password}@127.0.0.1:${redis.port}`;
    const env = { STEPWISE_REDIS_PASSWORD: password };
    apps.push(startCacheApp(appUrl, migrationId), startCacheApp(appUrl, migrationId));
    await Promise.all(apps.map((a) => a.serves('legacy')));

    // Each mode in turn: both processes follow, and Stepwise reads what they report in it.
    for (const mode of ['shadow', 'new']) {
      const stage = await withEnv(env, () => cli('rollout', 'set', mode, '--redis', redis!.url, '--root', root));
      assert.equal(stage.code, 0, stage.stderr);
      await Promise.all(apps.map((a) => a.serves(mode)));
      let seen = jsonOf<State>(await observe(redis.url, env));
      while (seen.processes.filter((p) => p.mode === mode).length < 2) seen = jsonOf<State>(await observe(redis.url, env));
      // The stage's evidence is what was reported in it: wait for its comparisons (shadow) or new calls.
      if (mode === 'shadow') while (seen.figures.shadowComparisons === 0) seen = jsonOf<State>(await observe(redis.url, env));
      if (mode === 'new') while (seen.figures.newCalls === 0) seen = jsonOf<State>(await observe(redis.url, env));
    }
    const set = await withEnv(env, () => cli('rollout', 'set', '25', '--redis', redis!.url, '--root', root));
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /new → 25\. Every adapter reading Redis at redis:\/\/127\.0\.0\.1:\d+ serves 25 % of keys/);
    await Promise.all(apps.map((a) => a.serves('25')));

    // Both processes report into the hash; what Stepwise shows is their sum.
    let state = jsonOf<State>(await observe(redis.url, env));
    while (state.processes.length < 2 || state.processes.some((p) => p.mode !== '25') || state.figures.newCalls === 0)
      state = jsonOf<State>(await observe(redis.url, env));
    const hash = await admin(redis.url, password).hgetall(`stepwise:${migrationId}:metrics`);
    assert.equal(Object.keys(hash).length, 2);
    assert.equal(state.plane.kind, 'redis');
    assert.equal(state.plane.error, undefined);
    assert.equal(typeof state.health?.pingMs, 'number');
    assert.equal(typeof state.health?.hitRatePercent === 'number' || state.health?.hitRatePercent === null, true);

    // The comparisons made in shadow mode are in the evidence of that stage's change.
    const shadowEnded = journalOf(root).find((e) => e.type === 'rollout' && e.from === 'shadow');
    assert.ok(shadowEnded?.type === 'rollout' && (shadowEnded.observed.shadowComparisons ?? 0) > 0, JSON.stringify(shadowEnded));
    const back = await withEnv(env, () => cli('rollout', 'rollback', '--wait', '--redis', redis!.url, '--root', root));
    assert.equal(back.code, 0, back.stderr);
    const measured = /Every one of 2 serving process\(es\) served from legacy ([\d.]+) s after the change/.exec(back.stdout);
    assert.ok(measured, back.stdout);
    console.log(`      Redis: a rollback reached both processes in ${measured[1]} s (pub/sub; their read period is 2 s)`);
    await Promise.all(apps.map((a) => a.serves('legacy')));

    assert.equal((await withEnv(env, () => cli('rollout', 'set', '50', '--redis', redis!.url, '--root', root))).code, 0);
    await Promise.all(apps.map((a) => a.serves('50')));
    const drill = await withEnv(env, () => cli('drill', '--redis', redis!.url, '--root', root));
    assert.equal(drill.code, 0, drill.stderr);
    assert.match(
      drill.stdout,
      /Drill from 50: all 2 process\(es\) served from legacy [\d.]+ s after the rollback, and from 50 again [\d.]+ s after the restore\./,
    );
    console.log(`      Redis: ${drill.stdout}`);
    await Promise.all(apps.map((a) => a.serves('50')));

    const journal = readFileSync(join(root, '.git', 'stepwise', 'journal.jsonl'), 'utf8');
    assert.ok(!journal.includes(password), 'the password is not in the journal');
    assert.ok(![set, back, drill].some((r) => r.stdout.includes(password) || r.stderr.includes(password)), 'nor in any output');
    const kinds = journalOf(root).map((e) => e.type);
    assert.ok(kinds.includes('rollback-time') && kinds.includes('drill'), kinds.join(', '));
    for (const app of apps) assert.equal(app.stderr(), '');
  });

  it('Redis absent at start: a clear status, exit 1, nothing recorded; a mode cannot be set', async () => {
    const absent = await startRedis();
    await absent.stop();
    const result = await observe(absent.url);
    assert.equal(result.code, 1);
    const state = jsonOf<State>(result);
    assert.match(state.plane.error ?? '', /^Redis at redis:\/\/127\.0\.0\.1:\d+ refused the connection: is it running\?$/);
    const set = await cli('rollout', 'set', 'new', '--redis', absent.url, '--root', root);
    assert.equal(set.code, 2);
    assert.match(set.stderr, /The mode was not changed: Redis at .* refused the connection/);
    assert.deepEqual(
      journalOf(root).filter((e) => e.type === 'rollout'),
      [],
      'nothing recorded for a change that did not happen',
    );
  });

  it('Redis killed mid-window: a clear status, the evidence kept, the app still serving its last mode', async () => {
    redis = await startRedis();
    const app = startCacheApp(redis.url, migrationId);
    apps.push(app);
    assert.equal((await cli('rollout', 'set', 'new', '--redis', redis.url, '--root', root)).code, 0);
    await app.serves('new');
    const url = redis.url;
    await redis.stop();
    redis = undefined;
    const result = await observe(url);
    assert.equal(result.code, 1);
    assert.equal(journalOf(root).filter((e) => e.type === 'rollout').length, 1, 'the change made before is still in the evidence');
    const report = await cli('report', '--root', root);
    assert.match(report.stdout, /rollout legacy → new/);
    // The app keeps serving from the last mode it read: it says nothing more.
    await app.serves('new');
    assert.equal(app.stderr(), '');
  });

  it('Redis slowed (DEBUG SLEEP): Stepwise says it did not answer in time, and returns', async () => {
    redis = await startRedis({ args: ['--enable-debug-command', 'yes'] });
    const sleeper = admin(redis.url);
    await sleeper.ping();
    const sleeping = sleeper.debug('SLEEP', '4').catch(() => undefined);
    const result = await observe(redis.url);
    await sleeping;
    assert.equal(result.code, 1);
    assert.match(jsonOf<State>(result).plane.error ?? '', /did not answer within 1000 ms/);
  });

  it('a wrong password, and none: each in one sentence naming what to do', async () => {
    redis = await startRedis({ args: ['--requirepass', 'right'] });
    const wrong = await observe(redis.url, { STEPWISE_REDIS_PASSWORD: 'wrong' });
    assert.equal(wrong.code, 1);
    assert.match(
      jsonOf<State>(wrong).plane.error ?? '',
      /refused the password: set it with "Stepwise: Set Redis Password" or STEPWISE_REDIS_PASSWORD\./,
    );
    const none = await observe(redis.url);
    assert.match(jsonOf<State>(none).plane.error ?? '', /needs a password/);
    const inUrl = await observe(`redis://:wrong@127.0.0.1:${redis.port}`);
    assert.ok(!inUrl.stdout.includes(':wrong@'), 'a password in the URL is never shown');
  });

  it('an ACL user without INFO: the rollout works, and the health says INFO is not allowed', async () => {
    redis = await startRedis();
    await admin(redis.url).call('ACL', 'SETUSER', 'app', 'on', '>app-pw', '~*', '&*', '+@all', '-info');
    const url = `redis://app@127.0.0.1:${redis.port}`;
    const env = { STEPWISE_REDIS_PASSWORD: 'app-pw' };
    assert.equal((await withEnv(env, () => cli('rollout', 'set', 'shadow', '--redis', url, '--root', root))).code, 0);
    const result = await observe(url, env);
    assert.equal(result.code, 0, result.stdout);
    const state = jsonOf<State>(result);
    assert.equal(state.mode, 'shadow');
    assert.match(state.health?.infoError ?? '', /may not do this: .*info/i);
    assert.equal(typeof state.health?.pingMs, 'number');
  });

  it('TLS required: plain redis:// is told to use rediss://; rediss:// with the private CA works; without it, the handshake is named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepwise-tls-'));
    try {
      const files = makeCertificates(dir);
      redis = await startRedis({ tls: files });
      const plain = await observe(`redis://127.0.0.1:${redis.port}`);
      assert.equal(plain.code, 1);
      assert.match(
        jsonOf<State>(plain).plane.error ?? '',
        /closed the connection; if it requires TLS, use a rediss:\/\/ URL|did not answer within/,
      );
      const noCa = await observe(redis.url);
      assert.match(
        jsonOf<State>(noCa).plane.error ?? '',
        /TLS handshake with Redis at rediss:\/\/127\.0\.0\.1:\d+ failed .* STEPWISE_REDIS_CA/,
      );
      const ok = await observe(redis.url, { STEPWISE_REDIS_CA: files.ca });
      assert.equal(ok.code, 0, ok.stdout);
      assert.equal(jsonOf<State>(ok).plane.error, undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
