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
  /** A write or lifecycle call: it runs on both implementations while the new one may serve reads. */
  both?: boolean;
  /** A read: a miss on the new side reads through from legacy (the warm switch). */
  read?: boolean;
  /** The route that back-fills the new side after a read-through, called with [key, value]. */
  fill?: string;
  /** A TTL answer: compared within the rules' TTL skew. */
  ttl?: boolean;
  /**
   * A write to a store both sides share (two clients of one Redis): it runs once, on the side the
   * mode picks, never mirrored and never shadowed (an INCR sent twice counts twice).
   */
  once?: boolean;
  /**
   * A read the legacy side may answer by computing and storing the value itself (a `wrap`): its
   * answer is also written to the new side through `fill`, as a write would be, so the new side
   * never lacks what legacy stored.
   */
  refill?: boolean;
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
  /** Shadow comparisons by category (see StepwiseCategory). */
  shadowMatch: 0,
  shadowAcceptable: 0,
  shadowOrdering: 0,
  shadowPrecision: 0,
  shadowSemantic: 0,
  shadowMissing: 0,
  /** Reads the new side missed that were answered by legacy (the warm switch), and the back-fills they made. */
  readThroughs: 0,
  fills: 0,
  fillErrors: 0,
  /** Writes sent to the new side while legacy answered (not awaited), those that failed, and those skipped. */
  mirrorWrites: 0,
  mirrorErrors: 0,
  mirrorSkips: 0,
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
  /** When this process started serving in `mode` (ms since the epoch). */
  modeSince?: number;
  counters: Record<string, number>;
  latency: { legacy: number[]; new: number[] };
  /** Per member (counters as StepwiseMemberCounters). */
  members?: Record<string, Record<string, number>>;
  /** The last few shadow differences. */
  samples?: StepwiseSample[];
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
    mode: stepwiseParsedFlag.raw,
    modeSince: stepwiseParsedFlag.since,
    counters: { ...stepwiseCounters },
    latency: { legacy: [...stepwiseLatency.legacy], new: [...stepwiseLatency.new] },
    members: JSON.parse(JSON.stringify(stepwiseMembers)) as Record<string, Record<string, number>>,
    samples: [...stepwiseSamples],
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

/** The environment's override, read when the runtime loads and again once per control period (never per call). */
export let stepwiseEnvFlag: string | undefined = stepwiseReadEnv();

function stepwiseReadEnv(): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[stepwiseFlagName];
}

export function stepwiseControlValue(now: number = stepwiseNow()): string | undefined {
  const control = stepwiseControl;
  if (now - control.readAt < control.periodMs) return control.value;
  control.readAt = now;
  stepwiseEnvFlag = stepwiseReadEnv();
  const store = control.store;
  if (!store || control.reading === store) return control.value;
  control.reading = store;
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
        stepwiseTick.due = true;
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
  stepwiseTick.due = true;
}

/**
 * The hot path's clock: instead of reading the time on every call to see whether the control
 * period has passed, a call in legacy mode looks at `due`, which an unref'd interval timer (and
 * every change of flag or store) sets. The call that finds it set takes the full path, reads the
 * clock and the store as their periods say, and clears it.
 */
export const stepwiseTick = { due: true, timer: undefined as unknown, everyMs: 0 };

export function stepwiseTicker(): void {
  const tick = stepwiseTick;
  tick.due = false;
  const every = Math.max(1, Math.min(stepwiseControl.periodMs, stepwiseControl.reportMs));
  if (tick.timer !== undefined && tick.everyMs === every) return;
  const timers = globalThis as unknown as {
    setInterval(run: () => void, ms: number): { unref?(): void } | number;
    clearInterval(handle: unknown): void;
  };
  if (tick.timer !== undefined) timers.clearInterval(tick.timer);
  tick.everyMs = every;
  const timer = timers.setInterval(() => (tick.due = true), every);
  if (typeof timer === 'object') timer.unref?.();
  tick.timer = timer;
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
  flag(now: number = stepwiseNow()): string {
    const stored = stepwiseControlValue(now);
    return stepwiseFlagOverride ?? stepwiseEnvFlag ?? stored ?? 'legacy';
  },
  /** Reads the mode from a control store from now on (checked at most every `periodMs`, default 2 s). */
  useControl: stepwiseUseControl,
  /**
   * Reads the mode from Redis through the app's own client (ioredis or node-redis: anything with
   * get), and reports there. With `subscriber` (a second connection of the app's, e.g.
   * `client.duplicate()`, able to queue its SUBSCRIBE until it is connected), a change Stepwise
   * publishes lands at once; the periodic read stays as the safety net.
   */
  useRedis(
    client: {
      get(key: string): Promise<string | null> | string | null;
      hset?(key: string, field: string, value: string): unknown;
      hSet?(key: string, field: string, value: string): unknown;
    },
    key = `stepwise:${stepwiseMigration}:mode`,
    options: {
      periodMs?: number;
      timeoutMs?: number;
      reportMs?: number;
      subscriber?: {
        subscribe(channel: string, listener?: (...args: any[]) => void): unknown;
        on?(event: string, listener: (...args: any[]) => void): unknown;
      };
    } = {},
  ): void {
    const metrics = key.replace(/:mode$/, '') + ':metrics';
    const store: StepwiseControlStore = {
      read: () => client.get(key),
      // One write per period per process (ioredis spells it hset, node-redis hSet).
      report: (snapshot) => (client.hset ?? client.hSet)?.call(client, metrics, snapshot.instance, JSON.stringify(snapshot)),
    };
    stepwiseUseControl(store, options);
    const subscriber = options.subscriber;
    if (!subscriber) return;
    const apply = (message: unknown): void => {
      if (typeof message !== 'string' || stepwiseControl.store !== store) return;
      stepwiseControl.value = message.trim() || undefined;
      stepwiseTick.due = true;
    };
    // ioredis emits "message" events; node-redis calls the listener given to subscribe.
    subscriber.on?.('message', (channel: unknown, message: unknown) => {
      if (channel === key) apply(message);
    });
    void Promise.resolve()
      .then(() =>
        subscriber.subscribe(key, (message: unknown, channel: unknown) => {
          if (channel === undefined || channel === key) apply(message);
        }),
      )
      .catch(() => {
        stepwiseCounters.controlErrors++;
      });
  },
  /** The new side's circuit now: closed, open (calls go to legacy) or half-open (probing). */
  circuit(): 'closed' | 'open' | 'half-open' {
    return stepwiseCircuit.state;
  },
  /** Overrides the environment for this process; undefined goes back to the environment. */
  setFlag(value: string | undefined): void {
    stepwiseFlagOverride = value;
    stepwiseTick.due = true;
  },
  metrics() {
    return {
      ...stepwiseCounters,
      members: stepwiseMembers,
      samples: stepwiseSamples,
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
    for (const member of Object.values(stepwiseMembers))
      for (const name of Object.keys(member) as (keyof StepwiseMemberCounters)[]) member[name] = 0;
    stepwiseSamples.length = 0;
  },
};

/** The flag as last parsed: parsing happens only when its text changes. */
export const stepwiseParsedFlag = { raw: 'legacy', mode: 'legacy' as 'legacy' | 'shadow' | 'new' | number, since: Date.now() };

/** The flag as a mode: legacy, shadow, new, or a percentage of keys. */
export function stepwiseFlagMode(now: number = stepwiseNow()): 'legacy' | 'shadow' | 'new' | number {
  const raw = stepwiseAdapter.flag(now);
  const parsed = stepwiseParsedFlag;
  if (raw === parsed.raw) return parsed.mode;
  const value = raw.trim().toLowerCase();
  const percent = Number(value.replace(/%$/, ''));
  parsed.raw = raw;
  if (value === 'new' || value === 'on' || value === 'true') parsed.mode = 'new';
  else if (value === 'shadow') parsed.mode = 'shadow';
  else if (value !== '' && Number.isFinite(percent)) parsed.mode = percent >= 100 ? 'new' : percent <= 0 ? 'legacy' : percent;
  else parsed.mode = 'legacy';
  // Say so at once: Stepwise measures a rollback by when every process reports the new mode.
  parsed.since = Date.now();
  stepwiseControl.reportedAt = -Infinity;
  stepwiseReportSoon();
  return parsed.mode;
}

/** The side a call with this key takes under a flag: a percentage sends the keys below it to the new side. */
export function stepwiseModeOf(flag: 'legacy' | 'shadow' | 'new' | number, key?: unknown): StepwiseMode {
  if (typeof flag !== 'number') return flag;
  return stepwiseKeyPoint(key) < flag ? 'new' : 'legacy';
}

/** The mode for a call with this key now. */
export function stepwiseMode(key?: unknown): StepwiseMode {
  return stepwiseModeOf(stepwiseFlagMode(), key);
}

export function stepwiseIsPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * The hot path in legacy mode: two counters and, for one call in 16, two clock reads and a
 * histogram bucket; no allocation for a synchronous cache. The control store and the report are
 * looked at only when their period has passed (see stepwiseTick).
 */
export function stepwiseLegacyCall(
  member: StepwiseMemberCounters,
  value: (...args: any[]) => unknown,
  target: object,
  args: any[],
): unknown {
  stepwiseCounters.legacyCalls++;
  member.legacyCalls++;
  // One call in 16 is timed: reading the clock costs more than the rest of this path.
  if ((stepwiseCounters.legacyCalls & 15) !== 0) return value.apply(target, args);
  const started = stepwiseNow();
  if (started - stepwiseControl.reportedAt >= stepwiseControl.reportMs) stepwiseReportSoon();
  const result = value.apply(target, args);
  if (stepwiseIsPromise(result)) return result.finally(() => stepwiseLatency.legacy[stepwiseBucketOf(stepwiseNow() - started)]++);
  stepwiseLatency.legacy[stepwiseBucketOf(stepwiseNow() - started)]++;
  return result;
}

/** Whether a call may take the hot path; when a period is due, it reads the flag (and the store) first. */
export function stepwiseHot(keepsNextInStep: boolean): boolean {
  if (stepwiseTick.due) {
    stepwiseTicker();
    stepwiseFlagMode();
  }
  return stepwiseParsedFlag.mode === 'legacy' && !keepsNextInStep;
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

/** How the spec says two answers may differ and still agree (`observation.compare`). */
export interface StepwiseCompareRules {
  /** Object fields whose values are not compared (timestamps, request ids). */
  ignoreFields: string[];
  /** Whether arrays that hold the same items in another order agree. */
  unordered: boolean;
  /** Numbers within this much of each other agree. */
  numericTolerance: number;
  /** TTL answers (members named like ttl or expire) within this many ms agree. */
  ttlSkewMs: number;
}
export const stepwiseCompareRules: StepwiseCompareRules = { ignoreFields: [], unordered: false, numericTolerance: 0, ttlSkewMs: 0 }; // stepwise:compare-rules

/**
 * How the new side's answer differs from legacy's: the same, different only where the rules allow
 * (acceptable), only in order, only in numeric precision, in meaning (semantic), or missing on
 * the new side. Agreement is match + acceptable.
 */
export type StepwiseCategory = 'match' | 'acceptable' | 'ordering' | 'precision' | 'semantic' | 'missing';

export function stepwiseIsMiss(value: unknown): boolean {
  return value === undefined || value === null;
}

export function stepwiseCompare(
  legacyValue: unknown,
  nextValue: unknown,
  rules: StepwiseCompareRules = stepwiseCompareRules,
  ttl = false,
): StepwiseCategory {
  if (stepwiseIsMiss(nextValue) && !stepwiseIsMiss(legacyValue)) return 'missing';
  if (stepwiseIsMiss(nextValue) && stepwiseIsMiss(legacyValue)) return 'match';
  if (ttl && typeof legacyValue === 'number' && typeof nextValue === 'number' && Math.abs(legacyValue - nextValue) <= rules.ttlSkewMs)
    return legacyValue === nextValue ? 'match' : 'acceptable';
  const found = new Set<'allowed' | 'ordering' | 'precision' | 'semantic'>();
  stepwiseWalk(legacyValue, nextValue, rules, found, 0);
  if (found.has('semantic')) return 'semantic';
  if (found.has('precision')) return 'precision';
  if (found.has('ordering')) return 'ordering';
  return found.has('allowed') ? 'acceptable' : 'match';
}

function stepwiseCanonical(value: unknown): string {
  try {
    return JSON.stringify(value, (_, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
    );
  } catch {
    return String(value);
  }
}

function stepwiseWalk(a: unknown, b: unknown, rules: StepwiseCompareRules, found: Set<string>, depth: number): void {
  if (Object.is(a, b)) return;
  if (depth > 32) return void found.add('semantic');
  if (typeof a === 'number' && typeof b === 'number') {
    const gap = Math.abs(a - b);
    if (gap <= rules.numericTolerance) found.add('allowed');
    else if (gap <= 1e-3 * Math.max(Math.abs(a), Math.abs(b))) found.add('precision');
    else found.add('semantic');
    return;
  }
  if (a instanceof Map && b instanceof Map) return stepwiseWalk(Object.fromEntries(a), Object.fromEntries(b), rules, found, depth + 1);
  if (a instanceof Set && b instanceof Set) return stepwiseWalk([...a], [...b], { ...rules, unordered: true }, found, depth + 1);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return void found.add('semantic');
    const inOrder = new Set<string>();
    a.forEach((item, i) => stepwiseWalk(item, b[i], rules, inOrder, depth + 1));
    if (!inOrder.has('semantic')) return void inOrder.forEach((kind) => found.add(kind));
    const sorted = (list: unknown[]): string[] => list.map(stepwiseCanonical).sort();
    const [left, right] = [sorted(a), sorted(b)];
    if (left.every((item, i) => item === right[i])) return void found.add(rules.unordered ? 'allowed' : 'ordering');
    return void found.add('semantic');
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const [x, y] = [(a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]];
      if (rules.ignoreFields.includes(key)) {
        if (!Object.is(x, y) && stepwiseCanonical(x) !== stepwiseCanonical(y)) found.add('allowed');
      } else if (!(key in a) || !(key in b)) found.add('semantic');
      else stepwiseWalk(x, y, rules, found, depth + 1);
    }
    return;
  }
  found.add('semantic');
}

/** A difference kept as an example: the member, the category, the key hashed, the values cut short. */
export interface StepwiseSample {
  member: string;
  category: StepwiseCategory;
  key: string;
  legacy: string;
  new: string;
  /** Milliseconds since the epoch. */
  at: number;
}
/** The last few differences (at most `stepwiseSampleLimit`, the newest last). */
export const stepwiseSamples: StepwiseSample[] = [];
export const stepwiseSampleLimit = 5;

/** A key as a sample shows it: 8 hex digits of its hash (FNV-1a), never the key itself. */
export function stepwiseHashKey(key: unknown): string {
  const text = stepwiseCanonical(key);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

function stepwiseShort(value: unknown): string {
  const text = value === undefined ? 'undefined' : stepwiseCanonical(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

const stepwiseCategoryCounter: Record<StepwiseCategory, keyof typeof stepwiseCounters> = {
  match: 'shadowMatch',
  acceptable: 'shadowAcceptable',
  ordering: 'shadowOrdering',
  precision: 'shadowPrecision',
  semantic: 'shadowSemantic',
  missing: 'shadowMissing',
};

/** Counts one shadow comparison by its category, keeping a sample of a difference. */
export function stepwiseRecordComparison(member: string, key: unknown, legacyValue: unknown, nextValue: unknown, ttl: boolean): void {
  const category = stepwiseCompare(legacyValue, nextValue, stepwiseCompareRules, ttl);
  stepwiseCounters.shadowComparisons++;
  stepwiseCounters[stepwiseCategoryCounter[category]]++;
  if (category === 'match' || category === 'acceptable') return;
  stepwiseCounters.shadowMismatches++;
  stepwiseMember(member).shadowMismatches++;
  if (stepwiseSamples.length >= stepwiseSampleLimit) stepwiseSamples.shift();
  stepwiseSamples.push({
    member,
    category,
    key: stepwiseHashKey(key),
    legacy: stepwiseShort(legacyValue),
    new: stepwiseShort(nextValue),
    at: Date.now(),
  });
}

/** Per member: calls per side, errors, fallbacks, read-throughs and back-fills, shadow differences. */
export interface StepwiseMemberCounters {
  legacyCalls: number;
  newCalls: number;
  errors: number;
  fallbacks: number;
  readThroughs: number;
  fills: number;
  shadowMismatches: number;
}
export const stepwiseMembers: Record<string, StepwiseMemberCounters> = {};

export function stepwiseMember(name: string): StepwiseMemberCounters {
  return (stepwiseMembers[name] ??= {
    legacyCalls: 0,
    newCalls: 0,
    errors: 0,
    fallbacks: 0,
    readThroughs: 0,
    fills: 0,
    shadowMismatches: 0,
  });
}

/** Where a call comes from: its member, and the adapted instance's new side when it exists. */
export interface StepwiseSite {
  member: string;
  /** Whether this instance's new side was made (writes keep it in step once it exists). */
  hasNext(): boolean;
  /** Back-fills the new side after a read-through: the route named by `route.fill`, with [key, value]. */
  fill?(key: unknown, value: unknown): unknown;
}

/** Write mirrors to the new side not yet settled (bounded: beyond it a mirror is skipped, counted). */
export const stepwiseMirror = { inFlight: 0, limit: 100 };

/** Runs a call on the new side without the caller waiting for it; its failure is counted, never thrown. */
function stepwiseBackground(call: () => unknown, counter: 'mirrorErrors' | 'fillErrors'): void {
  if (stepwiseMirror.inFlight >= stepwiseMirror.limit || !stepwiseCircuitAllows()) {
    stepwiseCounters.mirrorSkips++;
    return;
  }
  try {
    const result = call();
    if (!stepwiseIsPromise(result)) return;
    stepwiseMirror.inFlight++;
    result.then(
      () => stepwiseMirror.inFlight--,
      () => {
        stepwiseMirror.inFlight--;
        stepwiseCounters[counter]++;
      },
    );
  } catch {
    stepwiseCounters[counter]++;
  }
}

const stepwiseNoSite: StepwiseSite = { member: '(call)', hasNext: () => true };

export function stepwiseCall<Next>(
  route: StepwiseRoute<Next>,
  legacyCall: () => unknown,
  nextCall: () => unknown,
  key?: unknown,
  site: StepwiseSite = stepwiseNoSite,
): unknown {
  const member = stepwiseMember(site.member);
  const flag = stepwiseFlagMode();
  const mode = stepwiseModeOf(flag, key);
  // A legacy answer the legacy side may have stored by itself reaches the new side too (not awaited).
  const refill = (result: unknown): unknown => {
    if (!route.refill || !site.fill || (flag === 'legacy' && !site.hasNext())) return result;
    void Promise.resolve(result).then(
      (value) => {
        if (stepwiseIsMiss(value)) return;
        stepwiseCounters.mirrorWrites++;
        stepwiseBackground(() => site.fill?.(key, value), 'mirrorErrors');
      },
      () => undefined,
    );
    return result;
  };
  if (mode === 'legacy') {
    member.legacyCalls++;
    const result = refill(stepwiseTimed('legacy', legacyCall));
    // Writes go to both while both may serve reads, and once the new side exists (after a rollback
    // too), so it never serves what it missed. The caller does not wait for the new side.
    if (route.both && (flag !== 'legacy' || site.hasNext())) {
      stepwiseCounters.mirrorWrites++;
      stepwiseBackground(nextCall, 'mirrorErrors');
    }
    return result;
  }
  if (mode === 'shadow') {
    member.legacyCalls++;
    const result = refill(stepwiseTimed('legacy', legacyCall));
    if (route.both) {
      stepwiseCounters.mirrorWrites++;
      stepwiseBackground(nextCall, 'mirrorErrors');
      return result;
    }
    if (route.once) return result;
    void Promise.resolve(result)
      .then(async (legacyValue) => {
        const nextValue = await nextCall();
        stepwiseRecordComparison(site.member, key, legacyValue, nextValue, route.ttl === true);
      })
      .catch(() => {
        stepwiseCounters.errors++;
        member.errors++;
      });
    return result;
  }
  if (!stepwiseCircuitAllows()) {
    stepwiseCounters.circuitSkips++;
    member.legacyCalls++;
    return stepwiseTimed('legacy', legacyCall);
  }
  member.newCalls++;
  let result: unknown;
  try {
    result = stepwiseTimed('new', nextCall);
  } catch {
    return stepwiseAnswerFromNew(route, undefined, true, legacyCall, key, site, member);
  }
  if (!route.both) return stepwiseAnswerFromNew(route, result, false, legacyCall, key, site, member);
  if (stepwiseIsPromise(result)) result = result.then((value) => (stepwiseCircuitRecord(true), value));
  else stepwiseCircuitRecord(true);
  const legacyResult = legacyCall();
  if (stepwiseIsPromise(result)) {
    // A write the new side rejects is a fallback like any other: legacy answers, and it is counted.
    const answer = result.catch(() => {
      stepwiseCounters.errors++;
      stepwiseCounters.fallbacks++;
      member.errors++;
      member.fallbacks++;
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

/**
 * What a call answers once the new side was asked (not a write on both): a throw or a rejection
 * falls back to legacy, counted; a read the new side misses asks legacy, which has had every
 * write, and back-fills (the warm switch).
 */
function stepwiseAnswerFromNew<Next>(
  route: StepwiseRoute<Next>,
  result: unknown,
  threw: boolean,
  legacyCall: () => unknown,
  key: unknown,
  site: StepwiseSite,
  member: StepwiseMemberCounters,
): unknown {
  const fallback = (): unknown => {
    stepwiseCounters.errors++;
    stepwiseCounters.fallbacks++;
    member.errors++;
    member.fallbacks++;
    stepwiseCircuitRecord(false);
    member.legacyCalls++;
    return stepwiseTimed('legacy', legacyCall);
  };
  if (threw) return fallback();
  const readThrough = (value: unknown): unknown => {
    if (!route.read || !stepwiseIsMiss(value)) return value;
    stepwiseCounters.readThroughs++;
    member.readThroughs++;
    const answer = (legacyValue: unknown): unknown => {
      if (!stepwiseIsMiss(legacyValue) && site.fill) {
        stepwiseCounters.fills++;
        member.fills++;
        stepwiseBackground(() => site.fill?.(key, legacyValue), 'fillErrors');
      }
      return legacyValue;
    };
    const legacyValue = stepwiseTimed('legacy', legacyCall);
    return stepwiseIsPromise(legacyValue) ? legacyValue.then(answer) : answer(legacyValue);
  };
  if (stepwiseIsPromise(result)) return result.then((value) => (stepwiseCircuitRecord(true), readThrough(value)), fallback);
  stepwiseCircuitRecord(true);
  return readThrough(result);
}

/**
 * The hot path in new mode (the whole flag on the new side, its circuit closed, a call that is not
 * a write on both): two counters, one call in 16 timed, and no allocation when the new side answers
 * at once with a value. A miss, a promise or a throw gets the full path's answer.
 */
export function stepwiseNewCall<Next>(
  route: StepwiseRoute<Next>,
  member: StepwiseMemberCounters,
  getNext: () => Next,
  value: (...args: any[]) => unknown,
  target: object,
  args: any[],
  site: StepwiseSite,
): unknown {
  stepwiseCounters.newCalls++;
  member.newCalls++;
  const timed = (stepwiseCounters.newCalls & 15) === 0;
  const started = timed ? stepwiseNow() : 0;
  let result: unknown;
  let threw = false;
  try {
    result = route.call(getNext(), args);
  } catch {
    threw = true;
  }
  if (!threw && !stepwiseIsPromise(result) && !(route.read === true && stepwiseIsMiss(result))) {
    // A success in a closed circuit only counts; the window turns over on the full path.
    stepwiseCircuit.calls++;
    if (timed) {
      stepwiseLatency.new[stepwiseBucketOf(stepwiseNow() - started)]++;
      stepwiseReportSoon();
    }
    return result;
  }
  if (timed && stepwiseIsPromise(result)) result = result.finally(() => stepwiseLatency.new[stepwiseBucketOf(stepwiseNow() - started)]++);
  return stepwiseAnswerFromNew(route, result, threw, () => value.apply(target, args), args[0], site, member);
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
      const fillRoute =
        route?.fill !== undefined && Object.prototype.hasOwnProperty.call(routes, route.fill) ? routes[route.fill] : undefined;
      const site: StepwiseSite = {
        member: String(key),
        hasNext: () => next !== undefined,
        fill: fillRoute && ((fillKey, fillValue) => fillRoute.call(getNext(), [fillKey, fillValue])),
      };
      const counters = stepwiseMember(site.member);
      // What the route is does not change: decided once per member, not per call.
      const keepsInStep = route?.both === true || route?.refill === true;
      const both = route?.both === true;
      const member = route
        ? (...args: any[]) => {
            // Legacy mode, no period due, and no new side to keep in step: the hot path.
            if (stepwiseHot(keepsInStep && next !== undefined)) return stepwiseLegacyCall(counters, value, target, args);
            // New mode for every key, the circuit closed, not a write on both: the other hot path.
            if (stepwiseParsedFlag.mode === 'new' && stepwiseCircuit.state === 'closed' && !both)
              return stepwiseNewCall(route, counters, getNext, value, target, args, site);
            return stepwiseCall(
              route,
              () => value.apply(target, args),
              () => route.call(getNext(), args),
              args[0],
              site,
            );
          }
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

/**
 * The new side when the target's factory is asynchronous (`await factory.forWebApp()`): it stands
 * for the instance to come. A member call waits for the instance, then makes the call; a factory
 * that fails makes each call fail, which the route counts and answers from legacy. Only members
 * that return promises are routed to it.
 */
export function stepwiseLater<Next extends object>(made: Promise<Next>): Next {
  // A rejection is seen by the calls that need the instance, never as an unhandled one.
  made.catch(() => undefined);
  return new Proxy({} as Next, {
    get(_, key) {
      if (key === 'then') return undefined;
      return (...args: unknown[]) =>
        made.then((next) => (next as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>)[key](...args));
    },
  });
}
