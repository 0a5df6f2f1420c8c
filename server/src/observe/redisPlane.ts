import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import Redis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { StepwiseReport } from '../rewrite/runtime/adapterRuntime';
import { parseInfo } from './controlPlane';
import type { ControlPlane, PlaneHealth } from './controlPlane';
import type { ControlRecord } from './fileStore';

export interface RedisPlaneOptions {
  url: string;
  /** From the editor's secret storage or STEPWISE_REDIS_PASSWORD; never logged or written. */
  password?: string;
  /** Key prefix (the spec's `redis.prefix`, "stepwise:" by default, what the adapter's useRedis reads). */
  prefix: string;
  migration: string;
  /** Every command's bound, in ms (default 1000). */
  timeoutMs?: number;
  /** A CA certificate file for rediss:// with a private CA (STEPWISE_REDIS_CA). */
  caFile?: string;
}

/** A Redis URL as people may see it: the password, if the URL carries one, replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** One sentence for what went wrong talking to Redis, naming where and what to do. */
export function describeRedisError(error: unknown, where: string, timeoutMs: number): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string } | null)?.code ?? '';
  if (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) return `Redis at ${where} refused the connection: is it running?`;
  if (/WRONGPASS|invalid password|invalid username-password/i.test(message))
    return `Redis at ${where} refused the password: set it with "Stepwise: Set Redis Password" or STEPWISE_REDIS_PASSWORD.`;
  if (/NOAUTH/.test(message))
    return `Redis at ${where} needs a password: set it with "Stepwise: Set Redis Password" or STEPWISE_REDIS_PASSWORD.`;
  if (/NOPERM/.test(message)) return `The Redis user at ${where} may not do this: ${message.replace(/^NOPERM\s*/, '')}`;
  if (/timed out|timeout/i.test(message)) return `Redis at ${where} did not answer within ${timeoutMs} ms.`;
  if (/certificate|self[- ]signed|SSL|TLS|EPROTO/i.test(message))
    return `The TLS handshake with Redis at ${where} failed (${message}); for a private CA set STEPWISE_REDIS_CA to its certificate file.`;
  if (code === 'ECONNRESET' || /ECONNRESET|Connection is closed|socket hang up/i.test(message))
    return `Redis at ${where} closed the connection; if it requires TLS, use a rediss:// URL.`;
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) return `The Redis host in ${where} was not found.`;
  return `Redis at ${where} failed: ${message}`;
}

/**
 * The control plane on Redis (ioredis): the mode at `<prefix><migration>:mode` (what the
 * generated adapter's `useRedis` reads, and a pub/sub channel of the same name), who set it at
 * `…:control`, and each process's report in the hash `…:metrics`. Every command is bounded by
 * `timeoutMs`; the connection reconnects with backoff on its own; nothing here throws on a Redis
 * that is down: reads say why in one sentence.
 */
export function redisControlPlane(options: RedisPlaneOptions): ControlPlane {
  const timeoutMs = options.timeoutMs ?? 1000;
  const where = redactUrl(options.url);
  const base = `${options.prefix}${options.migration}`;
  const keys = { mode: `${base}:mode`, control: `${base}:control`, metrics: `${base}:metrics` };
  const settings: RedisOptions = {
    lazyConnect: true,
    connectTimeout: timeoutMs * 2,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    // Backoff: 0.2 s, 0.4 s, … up to 5 s between attempts, for as long as the session lives.
    retryStrategy: (times) => Math.min(times * 200, 5000),
  };
  // The URL read here, not by ioredis: "redis://user@host" names a user, never a password.
  let url: URL | undefined;
  try {
    url = new URL(options.url);
  } catch {
    url = undefined;
  }
  if (url) {
    settings.host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
    settings.port = Number(url.port) || 6379;
    if (url.username) settings.username = decodeURIComponent(url.username);
    if (url.password) settings.password = decodeURIComponent(url.password);
    const db = Number(url.pathname.slice(1));
    if (Number.isInteger(db) && db > 0) settings.db = db;
    if (url.protocol === 'rediss:')
      settings.tls = {
        // A name to check the certificate against (an address is checked as an address).
        ...(isIP(settings.host) ? {} : { servername: settings.host }),
        ...(options.caFile ? { ca: readFileSync(options.caFile) } : {}),
      };
  }
  if (options.password) settings.password = options.password;
  const client = url ? new Redis(settings) : new Redis(options.url, settings);
  let lastError: unknown;
  client.on('error', (error: unknown) => (lastError = error));
  let connecting: Promise<void> | undefined;

  /** Connected, or a sentence why not (within the timeout). */
  async function ready(): Promise<void> {
    if (client.status === 'ready' || client.status === 'connect') return;
    if (client.status === 'wait' || client.status === 'end') {
      connecting ??= client.connect().finally(() => (connecting = undefined));
    }
    const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));
    const attempt = connecting ?? Promise.reject(asError(lastError ?? `connection ${client.status}`));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        attempt,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(asError(lastError ?? 'connection timed out')), timeoutMs * 2);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The connection's own error (refused, wrong password, TLS) says more than "the stream is closed". */
  const fail = (error: unknown): string => {
    const vague =
      !(error instanceof Error) ||
      /Stream isn't writeable|Connection is closed|connection (timed out|wait|end|close|reconnecting)/i.test(error.message);
    return describeRedisError(vague && lastError ? lastError : error, where, timeoutMs);
  };

  return {
    kind: 'redis',
    where,
    async readMode() {
      try {
        await ready();
        const [mode, control] = await Promise.all([client.get(keys.mode), client.hgetall(keys.control)]);
        if (mode === null) return {};
        return { record: { mode, at: Number(control.at) || 0, by: control.by ?? '' } };
      } catch (error) {
        return { error: fail(error) };
      }
    },
    async writeMode(record: ControlRecord) {
      try {
        await ready();
        await client
          .multi()
          .set(keys.mode, record.mode)
          .hset(keys.control, { mode: record.mode, at: String(record.at), by: record.by })
          .publish(keys.mode, record.mode)
          .exec();
      } catch (error) {
        throw new Error(fail(error));
      }
    },
    async readReports() {
      try {
        await ready();
        const all = await client.hgetall(keys.metrics);
        const reports: StepwiseReport[] = [];
        for (const value of Object.values(all)) {
          try {
            const parsed = JSON.parse(value) as StepwiseReport;
            if (parsed && typeof parsed.instance === 'string' && parsed.counters && parsed.latency) reports.push(parsed);
          } catch {
            // Not a report an adapter wrote.
          }
        }
        return { reports };
      } catch (error) {
        return { reports: [], error: fail(error) };
      }
    },
    async health(): Promise<PlaneHealth> {
      try {
        await ready();
        const started = performance.now();
        await client.ping();
        const pingMs = performance.now() - started;
        try {
          return { pingMs, info: parseInfo(await client.info()) };
        } catch (error) {
          return { pingMs, infoError: fail(error) };
        }
      } catch (error) {
        return { error: fail(error) };
      }
    },
    async dispose() {
      client.disconnect();
      await Promise.resolve();
    },
  };
}
