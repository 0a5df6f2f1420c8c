// The generated adapter's cost per call, in a fresh Node process: an in-memory cache called
// directly (the reference) and the same cache through the adapter runtime in each rollout mode,
// in rounds that take turns so drift hits them alike. Prints one JSON line on stdout:
// { rounds, callsPerRound, direct: [ns per call…], modes: { legacy: [ns…], … } }.
//
// Usage: node bench/measureAdapter.mjs <bundled adapterRuntime.js> [rounds] [calls per round]
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const [runtimePath, roundsArg = '15', callsArg = '200000'] = process.argv.slice(2);
const runtime = createRequire(import.meta.url)(runtimePath);
const rounds = Number(roundsArg);
const calls = Number(callsArg);
// Nothing reported or read from a store: the bench measures the call, not the file system.
runtime.stepwiseAdapter.useControl(undefined);

/** The legacy cache: a synchronous, Map-backed get/set (an in-memory get is the hot case). */
class LegacyCache {
  constructor() {
    this.map = new Map();
  }
  get(key) {
    return this.map.get(key);
  }
  set(key, value) {
    this.map.set(key, value);
  }
}
const routes = {
  get: { read: true, fill: 'set', call: (next, args) => next.get(args[0]) },
  set: { both: true, call: (next, args) => next.set(args[0], args[1]) },
};
const Adapted = runtime.stepwiseAdaptClass(LegacyCache, () => new LegacyCache(), routes);

const keys = Array.from({ length: 1024 }, (_, i) => `user:${i}`);
const direct = new LegacyCache();
const adapted = new Adapted();
for (const key of keys) {
  direct.set(key, key.length);
  adapted.set(key, key.length);
}

/** Nanoseconds per get over one round; the microtasks a mode starts settle inside the round. */
async function round(cache) {
  let sink = 0;
  const started = performance.now();
  for (let done = 0; done < calls; done += 10_000) {
    for (let i = 0; i < 10_000; i++) sink += cache.get(keys[i & 1023]) ?? 0;
    await new Promise((resolve) => setImmediate(resolve));
  }
  const ns = ((performance.now() - started) * 1e6) / calls;
  if (sink === -1) console.log('unreachable');
  return ns;
}

const modes = ['legacy', 'shadow', '25', 'new'];
const results = { rounds, callsPerRound: calls, direct: [], modes: Object.fromEntries(modes.map((m) => [m, []])) };
// Warm up every path once so the JIT has seen them all before anything counts.
for (const mode of modes) {
  runtime.stepwiseAdapter.setFlag(mode);
  await round(adapted);
}
runtime.stepwiseAdapter.setFlag('legacy');
await round(direct);
for (let r = 0; r < rounds; r++) {
  results.direct.push(await round(direct));
  for (const mode of modes) {
    runtime.stepwiseAdapter.setFlag(mode);
    results.modes[mode].push(await round(adapted));
  }
  runtime.stepwiseAdapter.setFlag('legacy');
}
process.stdout.write(`${JSON.stringify(results)}\n`);
