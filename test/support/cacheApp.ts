// A small app process that serves cache calls through the adapter runtime (the module a generated
// adapter carries), with its control store on Redis through its own ioredis client — what a
// service with the generated adapter does. It prints "mode X" whenever the mode it serves changes.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './workspace';

export interface CacheApp {
  /** Resolves when the app says it serves `mode` (its own output; no polling). */
  serves(mode: string): Promise<void>;
  /** Everything it wrote on stderr (empty when all went well). */
  stderr(): string;
  stop(): Promise<void>;
}

const script = (runtime: string, url: string, migration: string): string => `
const runtime = require(${JSON.stringify(runtime)});
const Redis = require('ioredis');
const client = new Redis(${JSON.stringify(url)}, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 100 });
client.on('error', () => undefined);
const { stepwiseAdapter } = runtime;
// The subscriber queues its SUBSCRIBE until connected (ioredis's default), unlike the app's client.
const subscriber = client.duplicate({ enableOfflineQueue: true });
subscriber.on('error', () => undefined);
// The mode read every 2 s (the default); a change Stepwise publishes lands at once through the subscriber.
stepwiseAdapter.useRedis(client, 'stepwise:${migration}:mode', { timeoutMs: 200, reportMs: 300, subscriber });
class Cache { constructor() { this.map = new Map(); } get(k) { return this.map.get(k); } set(k, v) { this.map.set(k, v); } }
const routes = {
  get: { read: true, fill: 'set', call: (next, args) => next.get(args[0]) },
  set: { both: true, call: (next, args) => next.set(args[0], args[1]) },
};
const cache = new (runtime.stepwiseAdaptClass(Cache, () => new Cache(), routes))();
let last = '';
let i = 0;
const tick = () => {
  const key = 'user:' + (i++ % 500);
  if (cache.get(key) === undefined) cache.set(key, i);
  const mode = stepwiseAdapter.flag();
  if (mode !== last) { last = mode; process.stdout.write('mode ' + mode + '\\n'); }
  setTimeout(tick, 1);
};
tick();
process.on('SIGTERM', () => { client.disconnect(); subscriber.disconnect(); process.exit(0); });
`;

/** Starts the app against Redis at `url` for `migration`. */
export function startCacheApp(url: string, migration: string): CacheApp {
  const runtime = join(repoRoot, 'out', 'server', 'src', 'rewrite', 'runtime', 'adapterRuntime.js');
  const child: ChildProcess = spawn(process.execPath, ['-e', script(runtime, url, migration)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  const waiters: { mode: string; resolve: () => void }[] = [];
  const current = (): string | undefined => /mode (\S+)\n$/.exec(output)?.[1];
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    for (const w of waiters.splice(0)) {
      if (current() === w.mode) w.resolve();
      else waiters.push(w);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    serves: (mode) => (current() === mode ? Promise.resolve() : new Promise((resolve) => waiters.push({ mode, resolve }))),
    stderr: () => errors,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
