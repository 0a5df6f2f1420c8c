/* eslint-disable @typescript-eslint/no-explicit-any --
 * Routes receive the legacy call's arguments as they came; the generated adapter types each call
 * site by the legacy member (`ReturnType<…>`), which is what proves the contract is kept.
 */
/**
 * The runtime every generated adapter carries: the rollout flag, routing, fallback to the legacy
 * implementation, shadow comparison and metrics. A real module, linted and unit-tested here; the
 * scaffold emits its text (from the marker below) into the user's adapter, with the migration's
 * flag name and id, and without the `export`s the tests need (only `stepwiseAdapter` stays public).
 * It must stay self-contained: no imports, nothing from Node beyond `globalThis`.
 */
// ---- Stepwise runtime: rollout flag, routing, fallback and metrics ---------------------------

export type StepwiseMode = 'legacy' | 'shadow' | 'new';
export interface StepwiseRoute<Next> {
  /** Runs on both implementations in "new" mode (writes, lifecycle). */
  both?: boolean;
  call(next: Next, args: any[]): unknown;
}
export type StepwiseRoutes<Next> = Record<string, StepwiseRoute<Next>>;

export const stepwiseFlagName: string = 'STEPWISE_FLAG_MIGRATION'; // stepwise:flag-name
export const stepwiseMigration: string = 'migration-id'; // stepwise:migration-id
export const stepwiseCounters = {
  legacyCalls: 0,
  newCalls: 0,
  fallbacks: 0,
  errors: 0,
  shadowMismatches: 0,
  /** Shadow comparisons made (reads; the agreement is 1 − mismatches ÷ comparisons). */
  shadowComparisons: 0,
  /** Calls sent to legacy because the circuit on the new side was open. */
  circuitSkips: 0,
  /** Times the circuit opened. */
  circuitOpens: 0,
  /** Reads of the control store that failed or timed out (the last known mode stayed in use). */
  controlErrors: 0,
};
/**
 * Latency histograms, one per side: a fixed array of counts (no per-call allocation or shifting).
 * Bucket i holds calls that took at most 1 µs × 2^(i/8) — eight buckets per doubling, so a
 * percentile is known within 9 % — up to about 67 s; the last bucket holds anything longer.
 */
export const stepwiseBuckets = 208;
export const stepwiseLatency: Record<'legacy' | 'new', number[]> = {
  legacy: new Array<number>(stepwiseBuckets + 1).fill(0),
  new: new Array<number>(stepwiseBuckets + 1).fill(0),
};
export let stepwiseFlagOverride: string | undefined;

/** The runtime's clock (ms); a test may replace `now`. */
export const stepwiseClock = {
  now(): number {
    const clock = (globalThis as { performance?: { now(): number } }).performance;
    return clock ? clock.now() : Date.now();
  },
};

export function stepwiseNow(): number {
  return stepwiseClock.now();
}

/**
 * Where the mode comes from after the environment: a control store (a local file Stepwise writes,
 * or Redis through the app's own client). Read at most once per `periodMs`, never on a caller's
 * path: a call uses the last known value and, when it is stale, starts a read whose answer serves
 * the calls after it. A store that fails or does not answer within `timeoutMs` leaves the last
 * known value (or legacy) in use.
 */
export interface StepwiseControlStore {
  read(): Promise<string | null | undefined> | string | null | undefined;
  /** Keeps this process's metrics (cumulative since it started), when the store takes them. */
  report?(snapshot: StepwiseReport): unknown;
}

/** What a process reports: its counters and latency histograms since it started, and its mode. */
export interface StepwiseReport {
  instance: string;
  migration: string;
  /** Milliseconds since the epoch. */
  at: number;
  mode: string;
  counters: Record<string, number>;
  latency: { legacy: number[]; new: number[] };
}

/** This process, among all that report (several app processes add up). */
export const stepwiseInstance = `${String((globalThis as { process?: { pid?: number } }).process?.pid ?? 0)}-${Math.random().toString(36).slice(2, 10)}`;

export const stepwiseControl = {
  store: stepwiseDefaultStore(),
  periodMs: 2000,
  timeoutMs: 1000,
  value: undefined as string | undefined,
  readAt: -Infinity,
  /** The store whose read is under way (a store set since is read on its own). */
  reading: undefined as StepwiseControlStore | undefined,
  /** How often the metrics are reported to the store (one write per period per process). */
  reportMs: 5000,
  reportedAt: -Infinity,
  reporting: undefined as StepwiseControlStore | undefined,
};

/** Reports the metrics when a period has passed; like reads, never on a caller's path. */
export function stepwiseReportSoon(): void {
  const control = stepwiseControl;
  const store = control.store;
  if (!store?.report || control.reporting === store || stepwiseNow() - control.reportedAt < control.reportMs) return;
  control.reporting = store;
  control.reportedAt = stepwiseNow();
  const snapshot: StepwiseReport = {
    instance: stepwiseInstance,
    migration: stepwiseMigration,
    at: Date.now(),
    mode: stepwiseAdapter.flag(),
    counters: { ...stepwiseCounters },
    latency: { legacy: [...stepwiseLatency.legacy], new: [...stepwiseLatency.new] },
  };
  void Promise.resolve()
    .then(() => store.report?.(snapshot))
    .catch(() => {
      stepwiseCounters.controlErrors++;
    })
    .finally(() => {
      if (control.reporting === store) control.reporting = undefined;
    });
}

export function stepwiseControlValue(): string | undefined {
  const control = stepwiseControl;
  const store = control.store;
  if (!store || control.reading === store || stepwiseNow() - control.readAt < control.periodMs) return control.value;
  control.reading = store;
  control.readAt = stepwiseNow();
  // Timers through globalThis, so the adapter compiles without Node's or the DOM's typings.
  const timers = globalThis as unknown as {
    setTimeout(run: () => void, ms: number): { unref?(): void } | number;
    clearTimeout(handle: unknown): void;
  };
  let timer: { unref?(): void } | number | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = timers.setTimeout(() => reject(new Error('the control store did not answer')), control.timeoutMs);
    if (typeof timer === 'object') timer.unref?.();
  });
  void Promise.race([Promise.resolve().then(() => store.read()), timeout])
    .then(
      (value) => {
        if (control.store === store) control.value = typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
      },
      () => {
        stepwiseCounters.controlErrors++;
      },
    )
    .finally(() => {
      timers.clearTimeout(timer);
      if (control.reading === store) control.reading = undefined;
    });
  return control.value;
}

export function stepwiseUseControl(
  store: StepwiseControlStore | undefined,
  options: { periodMs?: number; timeoutMs?: number; reportMs?: number } = {},
): void {
  stepwiseControl.store = store;
  stepwiseControl.value = undefined;
  stepwiseControl.readAt = -Infinity;
  stepwiseControl.reportedAt = -Infinity;
  if (options.reportMs !== undefined) stepwiseControl.reportMs = options.reportMs;
  if (options.periodMs !== undefined) stepwiseControl.periodMs = options.periodMs;
  if (options.timeoutMs !== undefined) stepwiseControl.timeoutMs = options.timeoutMs;
}

/**
 * A control store over a file (`{ "mode": "25" }`, or the mode alone), read with Node's fs when
 * there is one; the metrics go to `<name>.metrics.jsonl` beside it, one line per report.
 */
export function stepwiseFileStore(file: string): StepwiseControlStore {
  type Fs = {
    promises: {
      readFile(path: string, encoding: 'utf8'): Promise<string>;
      appendFile(path: string, text: string): Promise<void>;
    };
    existsSync(path: string): boolean;
  };
  const fsOf = (): Fs | undefined =>
    (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:fs') as Fs | undefined;
  const metrics = file.replace(/\.json$/, '') + '.metrics.jsonl';
  return {
    async read() {
      const fs = fsOf();
      if (!fs || !fs.existsSync(file)) return undefined;
      const text = (await fs.promises.readFile(file, 'utf8')).trim();
      if (!text.startsWith('{')) return text;
      const parsed = JSON.parse(text) as { mode?: unknown };
      return typeof parsed.mode === 'string' || typeof parsed.mode === 'number' ? String(parsed.mode) : undefined;
    },
    async report(snapshot) {
      const fs = fsOf();
      // Only where Stepwise set up the control folder: an app elsewhere writes nothing.
      if (!fs || !fs.existsSync(metrics.slice(0, Math.max(0, metrics.lastIndexOf('/'))))) return;
      await fs.promises.appendFile(metrics, `${JSON.stringify(snapshot)}\n`);
    },
  };
}

/** Where the file store is by default: STEPWISE_CONTROL_FILE, else `.stepwise/control/<migration>.json` in the working folder. */
export function stepwiseDefaultStore(): StepwiseControlStore | undefined {
  const node = (globalThis as { process?: { env?: Record<string, string | undefined>; cwd?: () => string; getBuiltinModule?: unknown } })
    .process;
  if (!node?.getBuiltinModule || !node.cwd) return undefined;
  return stepwiseFileStore(node.env?.STEPWISE_CONTROL_FILE ?? `${node.cwd()}/.stepwise/control/${stepwiseMigration}.json`);
}

/**
 * The new side's circuit: when at least `minCalls` calls in `windowMs` fail at `maxErrorRate` or
 * more, the new side is switched off for this process (open: calls go to legacy, counted) for
 * `openMs`; then one call probes it (half-open): success closes the circuit, failure opens it again.
 */
export const stepwiseCircuit = {
  windowMs: 10_000,
  minCalls: 20,
  maxErrorRate: 0.5,
  openMs: 30_000,
  state: 'closed' as 'closed' | 'open' | 'half-open',
  windowStart: 0,
  calls: 0,
  failures: 0,
  openedAt: 0,
};

/** Whether the new side may take this call now. */
export function stepwiseCircuitAllows(): boolean {
  const circuit = stepwiseCircuit;
  if (circuit.state === 'closed') return true;
  if (circuit.state === 'half-open') return false; // one probe at a time
  if (stepwiseNow() - circuit.openedAt < circuit.openMs) return false;
  circuit.state = 'half-open';
  return true;
}

/** Records how a call on the new side went. */
export function stepwiseCircuitRecord(ok: boolean): void {
  const circuit = stepwiseCircuit;
  const now = stepwiseNow();
  if (circuit.state === 'half-open') {
    if (ok) {
      circuit.state = 'closed';
      circuit.windowStart = now;
      circuit.calls = 0;
      circuit.failures = 0;
    } else {
      circuit.state = 'open';
      circuit.openedAt = now;
      stepwiseCounters.circuitOpens++;
    }
    return;
  }
  if (now - circuit.windowStart > circuit.windowMs) {
    circuit.windowStart = now;
    circuit.calls = 0;
    circuit.failures = 0;
  }
  circuit.calls++;
  if (!ok) circuit.failures++;
  if (circuit.calls >= circuit.minCalls && circuit.failures / circuit.calls >= circuit.maxErrorRate) {
    circuit.state = 'open';
    circuit.openedAt = now;
    stepwiseCounters.circuitOpens++;
  }
}

/** The bucket a duration (ms) falls in. */
export function stepwiseBucketOf(ms: number): number {
  if (!(ms > 0.001)) return 0;
  return Math.min(stepwiseBuckets, Math.ceil(8 * Math.log2(ms / 0.001) - 1e-9));
}

/** The upper bound (ms) of bucket i. */
export function stepwiseBucketBound(i: number): number {
  return 0.001 * 2 ** (i / 8);
}

/** The p-th percentile (0..1) of a histogram, as its bucket's upper bound in ms; null when empty. */
export function stepwisePercentile(counts: number[], p: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i];
    if (seen >= rank) return stepwiseBucketBound(i);
  }
  return stepwiseBucketBound(stepwiseBuckets);
}

/**
 * Where a call's key falls in [0, 100): a stable hash (FNV-1a, then a final mix), so a percentage
 * routes whole keys: one key is always served by the same side, and 25 means a quarter of the keys.
 * Calls without a string or number key all fall in one place.
 */
export function stepwiseKeyPoint(key: unknown): number {
  const text = typeof key === 'string' ? key : typeof key === 'number' || typeof key === 'bigint' ? String(key) : '';
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return ((hash >>> 0) % 10000) / 100;
}

/** Reads and controls this adapter at run time (the Stepwise panel and your tests use it). */
export const stepwiseAdapter = {
  migration: stepwiseMigration,
  flagName: stepwiseFlagName,
  /**
   * The flag's current value: this process's override if set, else the environment, else the
   * control store's last known value, else "legacy".
   */
  flag(): string {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    return stepwiseFlagOverride ?? env?.[stepwiseFlagName] ?? stepwiseControlValue() ?? 'legacy';
  },
  /** Reads the mode from a control store from now on (checked at most every `periodMs`, default 2 s). */
  useControl: stepwiseUseControl,
  /** Reads the mode from Redis through the app's own client (ioredis or node-redis: anything with get). */
  useRedis(
    client: {
      get(key: string): Promise<string | null> | string | null;
      hset?(key: string, field: string, value: string): unknown;
      hSet?(key: string, field: string, value: string): unknown;
    },
    key = `stepwise:${stepwiseMigration}:mode`,
    options: { periodMs?: number; timeoutMs?: number } = {},
  ): void {
    const metrics = key.replace(/:mode$/, '') + ':metrics';
    stepwiseUseControl(
      {
        read: () => client.get(key),
        // One write per period per process (ioredis spells it hset, node-redis hSet).
        report: (snapshot) => (client.hset ?? client.hSet)?.call(client, metrics, snapshot.instance, JSON.stringify(snapshot)),
      },
      options,
    );
  },
  /** The new side's circuit now: closed, open (calls go to legacy) or half-open (probing). */
  circuit(): 'closed' | 'open' | 'half-open' {
    return stepwiseCircuit.state;
  },
  /** Overrides the environment for this process; undefined goes back to the environment. */
  setFlag(value: string | undefined): void {
    stepwiseFlagOverride = value;
  },
  metrics() {
    return {
      ...stepwiseCounters,
      p50LegacyMs: stepwisePercentile(stepwiseLatency.legacy, 0.5),
      p99LegacyMs: stepwisePercentile(stepwiseLatency.legacy, 0.99),
      p50NewMs: stepwisePercentile(stepwiseLatency.new, 0.5),
      p99NewMs: stepwisePercentile(stepwiseLatency.new, 0.99),
    };
  },
  resetMetrics(): void {
    for (const key of Object.keys(stepwiseCounters) as (keyof typeof stepwiseCounters)[]) stepwiseCounters[key] = 0;
    Object.assign(stepwiseCircuit, { state: 'closed', windowStart: stepwiseNow(), calls: 0, failures: 0, openedAt: 0 });
    stepwiseLatency.legacy.fill(0);
    stepwiseLatency.new.fill(0);
  },
};

/** The mode for a call with this key: a percentage sends the keys below it to the new side. */
export function stepwiseMode(key?: unknown): StepwiseMode {
  const raw = stepwiseAdapter.flag().trim().toLowerCase();
  if (raw === 'new' || raw === 'on' || raw === 'true') return 'new';
  if (raw === 'shadow') return 'shadow';
  const percent = Number(raw);
  if (raw !== '' && Number.isFinite(percent)) return stepwiseKeyPoint(key) < percent ? 'new' : 'legacy';
  return 'legacy';
}

export function stepwiseIsPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

export function stepwiseTimed(side: 'legacy' | 'new', call: () => unknown): unknown {
  const started = stepwiseNow();
  const record = (): void => {
    stepwiseLatency[side][stepwiseBucketOf(stepwiseNow() - started)]++;
  };
  if (side === 'legacy') stepwiseCounters.legacyCalls++;
  else stepwiseCounters.newCalls++;
  stepwiseReportSoon();
  const result = call();
  if (stepwiseIsPromise(result)) return result.finally(record);
  record();
  return result;
}

export function stepwiseSame(a: unknown, b: unknown): boolean {
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return a === b;
  }
}

export function stepwiseCall<Next>(route: StepwiseRoute<Next>, legacyCall: () => unknown, nextCall: () => unknown, key?: unknown): unknown {
  const mode = stepwiseMode(key);
  if (mode === 'legacy') return stepwiseTimed('legacy', legacyCall);
  if (mode === 'shadow') {
    const result = stepwiseTimed('legacy', legacyCall);
    void Promise.resolve(result)
      .then(async (legacyValue) => {
        const nextValue = await nextCall();
        if (route.both) return;
        stepwiseCounters.shadowComparisons++;
        if (!stepwiseSame(legacyValue, nextValue)) stepwiseCounters.shadowMismatches++;
      })
      .catch(() => {
        stepwiseCounters.errors++;
      });
    return result;
  }
  if (!stepwiseCircuitAllows()) {
    stepwiseCounters.circuitSkips++;
    return stepwiseTimed('legacy', legacyCall);
  }
  const fallback = (): unknown => {
    stepwiseCounters.errors++;
    stepwiseCounters.fallbacks++;
    stepwiseCircuitRecord(false);
    return stepwiseTimed('legacy', legacyCall);
  };
  let result: unknown;
  try {
    result = stepwiseTimed('new', nextCall);
  } catch {
    return fallback();
  }
  if (stepwiseIsPromise(result)) result = result.then((value) => (stepwiseCircuitRecord(true), value));
  else stepwiseCircuitRecord(true);
  if (route.both) {
    const legacyResult = legacyCall();
    if (stepwiseIsPromise(result)) {
      // A write the new side rejects is a fallback like any other: legacy answers, and it is counted.
      const answer = result.catch(() => {
        stepwiseCounters.errors++;
        stepwiseCounters.fallbacks++;
        stepwiseCircuitRecord(false);
        return legacyResult;
      });
      return Promise.all([answer, legacyResult]).then(
        ([value]) => value,
        () => legacyResult,
      );
    }
    return result;
  }
  return stepwiseIsPromise(result) ? result.catch(fallback) : result;
}

export const stepwiseAdapted = new WeakMap<object, object>();

export function stepwiseAdapt<T extends object, Next>(instance: T, createNext: (() => Next) | undefined, routes: StepwiseRoutes<Next>): T {
  const known = stepwiseAdapted.get(instance);
  if (known) return known as T;
  let next: Next | undefined;
  const getNext = (): Next => (next ??= (createNext as () => Next)());
  const members = new Map<PropertyKey, unknown>();
  const adapted = new Proxy(instance, {
    get(target, key) {
      const found: unknown = Reflect.get(target, key, target);
      if (typeof found !== 'function') return found;
      const value = found as (...args: unknown[]) => unknown;
      const known = members.get(key);
      if (known) return known;
      const route = typeof key === 'string' && createNext && Object.prototype.hasOwnProperty.call(routes, key) ? routes[key] : undefined;
      const member = route
        ? (...args: any[]) =>
            stepwiseCall(
              route,
              () => value.apply(target, args),
              () => route.call(getNext(), args),
              args[0],
            )
        : (value.bind(target) as unknown);
      members.set(key, member);
      return member;
    },
  });
  stepwiseAdapted.set(instance, adapted);
  return adapted;
}

export function stepwiseAdaptClass<C extends abstract new (...args: any[]) => object, Next>(
  legacyClass: C,
  createNext: ((args: any[]) => Next) | undefined,
  routes: StepwiseRoutes<Next>,
): C {
  const adaptedClass: C = new Proxy(legacyClass, {
    construct(target, args, newTarget) {
      const instance = Reflect.construct(target, args, newTarget === adaptedClass ? target : newTarget) as object;
      return stepwiseAdapt(instance, createNext && (() => createNext(args)), routes);
    },
  });
  return adaptedClass;
}
