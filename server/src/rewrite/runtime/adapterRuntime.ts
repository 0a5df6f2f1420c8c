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
export const stepwiseCounters = { legacyCalls: 0, newCalls: 0, fallbacks: 0, errors: 0, shadowMismatches: 0 };
/**
 * Latency histograms, one per side: a fixed array of counts (no per-call allocation or shifting).
 * Bucket i holds calls that took at most 1 µs × 2^i (the last bucket: longer than about 67 s).
 */
export const stepwiseBuckets = 27;
export const stepwiseLatency: Record<'legacy' | 'new', number[]> = {
  legacy: new Array<number>(stepwiseBuckets + 1).fill(0),
  new: new Array<number>(stepwiseBuckets + 1).fill(0),
};
export let stepwiseFlagOverride: string | undefined;

export function stepwiseNow(): number {
  const clock = (globalThis as { performance?: { now(): number } }).performance;
  return clock ? clock.now() : Date.now();
}

/** The bucket a duration (ms) falls in. */
export function stepwiseBucketOf(ms: number): number {
  if (!(ms > 0.001)) return 0;
  return Math.min(stepwiseBuckets, Math.ceil(Math.log2(ms / 0.001)));
}

/** The p-th percentile (0..1) of a histogram, as its bucket's upper bound in ms; null when empty. */
export function stepwisePercentile(counts: number[], p: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i];
    if (seen >= rank) return 0.001 * 2 ** i;
  }
  return 0.001 * 2 ** stepwiseBuckets;
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
  migration: 'migration-id', // stepwise:migration-id
  flagName: stepwiseFlagName,
  /** The flag's current value: the override if set, else the environment, else "legacy". */
  flag(): string {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    return stepwiseFlagOverride ?? env?.[stepwiseFlagName] ?? 'legacy';
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
        if (!route.both && !stepwiseSame(legacyValue, nextValue)) stepwiseCounters.shadowMismatches++;
      })
      .catch(() => {
        stepwiseCounters.errors++;
      });
    return result;
  }
  const fallback = (): unknown => {
    stepwiseCounters.errors++;
    stepwiseCounters.fallbacks++;
    return stepwiseTimed('legacy', legacyCall);
  };
  let result: unknown;
  try {
    result = stepwiseTimed('new', nextCall);
  } catch {
    return fallback();
  }
  if (route.both) {
    const legacyResult = legacyCall();
    if (stepwiseIsPromise(result)) {
      // A write the new side rejects is a fallback like any other: legacy answers, and it is counted.
      const answer = result.catch(() => {
        stepwiseCounters.errors++;
        stepwiseCounters.fallbacks++;
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
