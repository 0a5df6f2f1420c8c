import type { Person, RolloutPoint, RolloutState, WorkflowStatus } from '../protocol/wire';
import type { ControlPlane, PlaneHealth } from '../observe/controlPlane';
import { fileControlPlane } from '../observe/controlPlane';
import { parseMode } from '../observe/fileStore';
import { redisControlPlane } from '../observe/redisPlane';
import { judge, nextStage } from '../observe/verdict';
import { lastReports, observationSince, windowStart } from '../observe/window';
import type { WindowStart } from '../observe/window';
import type { StepwiseReport } from '../rewrite/runtime/adapterRuntime';
import type { MigrationSpec } from '../spec/types';
import { Emitter } from '../util/events';
import type { Logger } from '../util/logger';
import { Timer } from '../util/resources';
import type { Clock } from '../workflow/clock';
import type { SessionEvidence } from '../workflow/engine';
import type { JournalEntry } from '../workflow/journal';
import type { ApprovalGate } from '../workflow/state';

/** Where Redis is, when it is the control plane: settings, STEPWISE_REDIS_URL, the CLI's --redis. */
export interface RedisSettings {
  url?: string;
  /** From the editor's secret storage or STEPWISE_REDIS_PASSWORD; never logged or recorded. */
  password?: string;
  /** A CA certificate file for rediss:// (STEPWISE_REDIS_CA). */
  caFile?: string;
}

/** What the monitor needs from its session. */
export interface RolloutHost {
  root: string;
  clock: Clock;
  logger: Logger;
  redis(): RedisSettings;
  spec(): MigrationSpec | undefined;
  status(): Promise<WorkflowStatus>;
  record(entry: SessionEvidence): Promise<void>;
  entries(): Promise<JournalEntry[]>;
  who(): Promise<Person>;
}

export type RolloutResult = { ok: true; message: string; from: string; to: string } | { ok: false; error: string };

/** A process counts as serving when it reported within this long (three report periods). */
const activeMs = 15_000;
/** How long a rollback or a drill step waits for every serving process to report the new mode. */
const confirmMs = 60_000;
const isLegacy = (mode: string): boolean => {
  const parsed = parseMode(mode);
  return 'mode' in parsed && (parsed.mode === 'legacy' || parsed.mode === '0');
};
const sameMode = (a: string, b: string): boolean => {
  const [x, y] = [parseMode(a), parseMode(b)];
  return 'mode' in x && 'mode' in y && x.mode === y.mode;
};

/**
 * The rollout of one folder's migration after the move: the control plane (the file store, or
 * Redis), the current window's figures and verdict, the approval gate they make, the evidence
 * (samples, stage changes, rollback times, drills) and the controls (set, next stage, roll back,
 * drill). Reads are bounded; a store that is down shows as an error sentence, never a throw.
 */
export class RolloutMonitor {
  /** The state changed (new figures, a verdict, a mode). */
  readonly onDidChange = new Emitter<RolloutState>();
  private plane: { key: string; plane: ControlPlane } | undefined;
  private state: RolloutState | undefined;
  private gateValue: ApprovalGate | undefined;
  private readonly timer: Timer;
  private watching = false;
  private reading: Promise<RolloutState | { error: string }> | undefined;
  private lastSampleAt = 0;
  private pendingRollback: { at: number; waiting: Set<string>; processes: number; done: number } | undefined;
  private disposed = false;

  constructor(
    private readonly host: RolloutHost,
    /** How often a watching monitor reads the store (ms). */
    private readonly refreshMs = 5000,
  ) {
    this.timer = new Timer(`${host.root} rollout`);
  }

  /** The state last read, if any. */
  current(): RolloutState | undefined {
    return this.state;
  }

  /** What the figures say about approving the file in flight (undefined: the rollout never started). */
  gate(): ApprovalGate | undefined {
    return this.gateValue;
  }

  /** Reads the store every `refreshMs` from now on (the language server; the CLI reads once). */
  watch(): void {
    this.watching = true;
    this.schedule(0);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.timer.clear();
    this.onDidChange.dispose();
    await this.plane?.plane.dispose();
    this.plane = undefined;
  }

  /** The control plane for the spec and settings now (made again when they change). */
  controlPlane(): ControlPlane | undefined {
    const spec = this.host.spec();
    if (!spec) return undefined;
    const redis = this.host.redis();
    const url = redis.url ?? spec.redis?.url;
    const key = JSON.stringify([spec.id, url, redis.password, redis.caFile, spec.redis?.prefix]);
    if (this.plane?.key === key) return this.plane.plane;
    void this.plane?.plane.dispose();
    const plane = url
      ? redisControlPlane({
          url,
          password: redis.password,
          caFile: redis.caFile,
          prefix: spec.redis?.prefix ?? 'stepwise:',
          migration: spec.id,
        })
      : fileControlPlane(this.host.root, spec.id);
    this.plane = { key, plane };
    return plane;
  }

  /** Reads the store now: the mode, the reports, the health; the window's verdict, the gate, the evidence. */
  observe(): Promise<RolloutState | { error: string }> {
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private schedule(ms: number): void {
    if (!this.watching || this.disposed) return;
    this.timer.set(() => {
      void this.observe()
        .catch((error: unknown) => this.host.logger.warn(`Could not read the rollout: ${(error as Error).message}`))
        .finally(() => this.schedule(this.pendingRollback ? 250 : this.refreshMs));
    }, ms);
  }

  private async read(): Promise<RolloutState | { error: string }> {
    const spec = this.host.spec();
    const plane = this.controlPlane();
    if (!spec || !plane) return { error: 'There is no valid spec.' };
    const now = this.host.clock.now();
    const status = await this.host.status();
    // A file in observation: the adapters of the running app may report from now on.
    if (
      status.inFlight &&
      status.files.some((f) => f.path === status.inFlight && (f.state === 'observing' || f.state === 'awaiting-approval'))
    )
      await plane.prepare?.().catch(() => undefined);
    const [control, reported, health, entries] = await Promise.all([
      plane.readMode(),
      plane.readReports(),
      plane.health(),
      this.host.entries(),
    ]);
    const mode = control.record?.mode ?? 'legacy';
    const reports = reported.reports;
    const rollouts = entries.filter((e): e is Extract<JournalEntry, { type: 'rollout' }> => e.type === 'rollout');
    // Nothing is recorded for a rollout that never started (no report, no stage set).
    const started = reports.length > 0 || rollouts.length > 0;
    const window = await this.windowOf(status, entries, reports, started);
    const observation = observationSince(reports, window.start);
    const o = spec.observation;
    const judgement = judge(observation, o.thresholds, o.minimumCalls);
    const f = judgement.figures;
    const lastChange = rollouts.at(-1);
    const stageSince = lastChange?.at ?? control.record?.at ?? null;
    const minutes = stageSince === null ? 0 : (now - stageSince) / 60_000;
    const next = nextStage(mode, o.stages) ?? null;
    const canNext =
      next === null
        ? { ok: false, reason: `${spec.id} is at its last stage (${mode}).` }
        : mode === 'legacy'
          ? { ok: true }
          : judgement.verdict !== 'advance'
            ? { ok: false, reason: `the figures say ${judgement.verdict}: ${judgement.reasons.join('; ')}` }
            : minutes < o.stageMinutes
              ? { ok: false, reason: `${mode} has been observed for ${Math.floor(minutes)} of its ${o.stageMinutes} minutes` }
              : { ok: true };
    const sample = Math.max(f.newCalls, observation.counters.shadowComparisons ?? 0);
    this.setGate(
      !started
        ? undefined
        : judgement.verdict === 'pause' || judgement.verdict === 'rollback'
          ? {
              ok: false,
              reason: `the rollout figures say ${judgement.verdict === 'rollback' ? 'roll back' : 'pause'} (${judgement.reasons.join('; ')}).`,
            }
          : sample < o.minimumCalls
            ? { ok: false, reason: `${sample} calls observed on the new side; at least ${o.minimumCalls} are needed to judge.` }
            : { ok: true, reason: judgement.reasons.join('; ') },
    );
    const c = observation.counters;
    const baseline = entries.filter((e) => e.type === 'redis-baseline' && e.file === window.file).at(-1);
    const categories: Record<string, number> = {};
    for (const name of ['Match', 'Acceptable', 'Ordering', 'Precision', 'Semantic', 'Missing'])
      categories[name.toLowerCase()] = c[`shadow${name}`] ?? 0;
    const point: RolloutPoint = {
      at: now,
      errorRatePercent: f.errorRatePercent,
      shadowAgreementPercent: f.shadowAgreementPercent,
      p99LegacyMs: observation.latency.p99LegacyMs,
      p99NewMs: observation.latency.p99NewMs,
    };
    const state: RolloutState = {
      migration: spec.id,
      plane: { kind: plane.kind, where: plane.where, error: control.error ?? reported.error ?? health.error },
      mode,
      setAt: control.record?.at ?? null,
      setBy: control.record?.by ?? null,
      next,
      canNext,
      stage: { since: stageSince, minutes, minimumMinutes: o.stageMinutes },
      verdict: judgement.verdict,
      reasons: judgement.reasons,
      window: { since: window.start?.at ?? null, file: window.file },
      figures: {
        legacyCalls: c.legacyCalls ?? 0,
        newCalls: c.newCalls ?? 0,
        errors: c.errors ?? 0,
        fallbacks: c.fallbacks ?? 0,
        readThroughs: c.readThroughs ?? 0,
        fills: c.fills ?? 0,
        circuitOpens: c.circuitOpens ?? 0,
        shadowComparisons: c.shadowComparisons ?? 0,
        errorRatePercent: f.errorRatePercent,
        p99LegacyMs: observation.latency.p99LegacyMs,
        p99NewMs: observation.latency.p99NewMs,
        p99IncreasePercent: f.p99IncreasePercent,
        shadowAgreementPercent: f.shadowAgreementPercent,
      },
      categories,
      samples: observation.samples,
      processes: observation.instances.map((i) => ({ instance: i.instance, mode: i.mode, at: i.at })),
      health: healthOf(health, baseline?.type === 'redis-baseline' ? baseline.info.hitRatePercent : undefined),
      series: [...seriesOf(entries, window), point],
      lastRollback: lastOf(entries, 'rollback-time', (e) => ({ at: e.at, ms: e.ms, processes: e.processes, waitingFor: e.waitingFor })),
      lastDrill: lastOf(entries, 'drill', (e) => ({
        at: e.at,
        stage: e.stage,
        rollbackMs: e.rollbackMs,
        restoreMs: e.restoreMs,
        ok: e.ok,
        error: e.error,
      })),
      observedAt: now,
    };
    await this.confirmRollback(reports, Date.now());
    if (started && window.file && now - this.lastSampleAt >= o.sampleSeconds * 1000 && !state.plane.error) {
      this.lastSampleAt = now;
      await this.host.record({
        type: 'sample',
        file: window.file,
        mode,
        verdict: judgement.verdict,
        figures: { ...f, p99LegacyMs: point.p99LegacyMs, p99NewMs: point.p99NewMs },
        health: state.health && {
          pingMs: state.health.pingMs,
          hitRatePercent: state.health.hitRatePercent,
          usedMemoryBytes: state.health.usedMemoryBytes,
          evictedKeys: state.health.evictedKeys,
          opsPerSecond: state.health.opsPerSecond,
        },
      });
    }
    const changed =
      JSON.stringify({ ...state, observedAt: 0, series: state.series.length, stage: 0 }) !==
      JSON.stringify(this.state && { ...this.state, observedAt: 0, series: this.state.series.length, stage: 0 });
    this.state = state;
    if (changed) this.onDidChange.fire(state);
    if (o.autoRollback && judgement.verdict === 'rollback' && !isLegacy(mode) && !state.plane.error) {
      const result = await this.set('legacy', judgement.reasons.join('; '), { automatic: 'the roll-back thresholds were crossed', state });
      this.host.logger.warn(result.ok ? `Automatic rollback: ${result.message}` : `Automatic rollback failed: ${result.error}`);
    }
    return state;
  }

  private setGate(gate: ApprovalGate | undefined): void {
    this.gateValue = gate;
  }

  /**
   * The window the verdict weighs: from the in-flight file's verification (recorded the first
   * time it is seen observing) or the last stage change, whichever is later.
   */
  private async windowOf(
    status: WorkflowStatus,
    entries: JournalEntry[],
    reports: StepwiseReport[],
    record: boolean,
  ): Promise<{ file: string | null; start: WindowStart | undefined }> {
    const inFlight = status.files.find((f) => f.path === status.inFlight);
    const observing = inFlight && (inFlight.state === 'observing' || inFlight.state === 'awaiting-approval') && inFlight.commit;
    let fileStart: WindowStart | undefined;
    let fileAt = Infinity;
    if (observing && inFlight.commit) {
      fileAt = lastIndex(entries, (e) => e.type === 'window' && e.file === inFlight.path && e.commit === inFlight.commit);
      const known = entries[fileAt];
      if (known?.type === 'window') fileStart = known.start;
      else if (record) {
        fileStart = windowStart(reports, this.host.clock.now());
        fileAt = entries.length; // the newest entry now
        await this.host.record({ type: 'window', file: inFlight.path, commit: inFlight.commit, start: fileStart });
      }
    }
    // Whichever opened last in the journal (a clock can stand still: tests, STEPWISE_NOW).
    const stageAt = lastIndex(entries, (e) => e.type === 'rollout' && e.start !== undefined);
    const stage = entries[stageAt];
    const stageStart = stage?.type === 'rollout' ? stage.start : undefined;
    const start = !fileStart ? stageStart : !stageStart ? fileStart : stageAt > fileAt ? stageStart : fileStart;
    return { file: observing ? inFlight.path : null, start };
  }

  /** Sets the mode every adapter reads, and records who, from what, to what, and the figures. */
  async set(value: string, reason?: string, options: { automatic?: string; state?: RolloutState } = {}): Promise<RolloutResult> {
    const spec = this.host.spec();
    const plane = this.controlPlane();
    if (!spec || !plane) return { ok: false, error: 'There is no valid spec.' };
    const parsed = parseMode(value);
    if ('error' in parsed) return { ok: false, error: parsed.error };
    // The figures at this moment go with the change: the window that ends here.
    // (Given by a read in progress: an automatic rollback must not wait for the read it is part of.)
    const state = options.state ?? (await this.observe());
    if ('error' in state) return { ok: false, error: state.error };
    const reported = await plane.readReports();
    const from = state.mode;
    const now = this.host.clock.now();
    const by = await this.host.who();
    // Reports carry the processes' own wall clock: a rollback is timed from here, on that clock.
    const wall = Date.now();
    try {
      await plane.writeMode({ mode: parsed.mode, at: now, by: options.automatic ? 'stepwise' : by.name });
    } catch (error) {
      return { ok: false, error: `The mode was not changed: ${(error as Error).message}` };
    }
    const { legacyCalls, newCalls, errors, fallbacks, shadowComparisons } = state.figures;
    await this.host.record({
      type: 'rollout',
      from,
      to: parsed.mode,
      by,
      reason,
      observed: {
        legacyCalls,
        newCalls,
        errors,
        fallbacks,
        shadowComparisons,
        shadowMismatches: state.figures.shadowComparisons - (state.categories.match ?? 0) - (state.categories.acceptable ?? 0),
      },
      verdict: state.verdict,
      figures: {
        errorRatePercent: state.figures.errorRatePercent,
        p99IncreasePercent: state.figures.p99IncreasePercent,
        shadowAgreementPercent: state.figures.shadowAgreementPercent,
      },
      start: windowStart(reported.reports, now),
      automatic: options.automatic,
    });
    if (isLegacy(parsed.mode) && !isLegacy(from)) this.timeRollback(reported.reports, wall);
    this.schedule(0);
    const what =
      parsed.mode === 'legacy'
        ? 'from legacy'
        : parsed.mode === 'new' || parsed.mode === 'shadow'
          ? `in ${parsed.mode} mode`
          : `${parsed.mode} % of keys on the new side`;
    return {
      ok: true,
      from,
      to: parsed.mode,
      message: `${spec.id}: ${from} → ${parsed.mode}. Every adapter reading ${plane.kind === 'redis' ? `Redis at ${plane.where}` : 'the file store'} serves ${what} within its read period (2 s by default).`,
    };
  }

  /** The spec's next stage, only when the figures say advance and the stage was observed long enough. */
  async next(reason?: string): Promise<RolloutResult> {
    const state = await this.observe();
    if ('error' in state) return { ok: false, error: state.error };
    if (!state.canNext.ok || !state.next)
      return { ok: false, error: `Not moving past ${state.mode}: ${state.canNext.reason ?? 'no next stage'}.` };
    return this.set(state.next, reason);
  }

  /**
   * Waits (polling the store every 100 ms, at most a minute) until the rollback just set reached
   * every process that was serving, and says how long it took; undefined when none was serving.
   */
  async confirm(): Promise<{ ms: number | null; processes: number; waitingFor: string[] } | undefined> {
    const pending = this.pendingRollback;
    if (!pending) return undefined;
    const plane = this.controlPlane();
    while (this.pendingRollback === pending && plane && !this.disposed) {
      await this.confirmRollback((await plane.readReports()).reports, Date.now());
      if (this.pendingRollback === pending) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const found = (await this.host.entries()).filter((e) => e.type === 'rollback-time' && e.rolloutAt === pending.at).at(-1);
    return found?.type === 'rollback-time' ? { ms: found.ms, processes: found.processes, waitingFor: found.waitingFor } : undefined;
  }

  /** Starts timing a rollback: done when every process serving before it reports legacy. */
  private timeRollback(reports: StepwiseReport[], at: number): void {
    const serving = lastReports(reports).filter((r) => at - r.at <= activeMs);
    if (serving.length === 0) return;
    this.pendingRollback = { at, waiting: new Set(serving.map((r) => r.instance)), processes: serving.length, done: 0 };
  }

  private async confirmRollback(reports: StepwiseReport[], now: number): Promise<void> {
    const pending = this.pendingRollback;
    if (!pending) return;
    let latest = 0;
    for (const r of lastReports(reports)) {
      if (!pending.waiting.has(r.instance) || !isLegacy(r.mode) || (r.modeSince ?? r.at) < pending.at) continue;
      pending.waiting.delete(r.instance);
      latest = Math.max(latest, (r.modeSince ?? r.at) - pending.at);
      pending.done = Math.max(pending.done, latest);
    }
    const timedOut = now - pending.at > confirmMs;
    if (pending.waiting.size > 0 && !timedOut) return;
    this.pendingRollback = undefined;
    await this.host.record({
      type: 'rollback-time',
      rolloutAt: pending.at,
      ms: pending.waiting.size === 0 ? pending.done : null,
      processes: pending.processes,
      waitingFor: [...pending.waiting],
    });
  }

  /**
   * A rollback drill (seed 003): legacy, wait until every serving process reports it, then the
   * stage it left, wait again; each step timed and recorded. Needs a stage to leave and a process
   * serving; polls the store every 100 ms, at most a minute per step.
   */
  async drill(): Promise<{ ok: true; message: string; rollbackMs: number; restoreMs: number } | { ok: false; error: string }> {
    const plane = this.controlPlane();
    const spec = this.host.spec();
    if (!plane || !spec) return { ok: false, error: 'There is no valid spec.' };
    const control = await plane.readMode();
    if (control.error) return { ok: false, error: control.error };
    const stage = control.record?.mode ?? 'legacy';
    if (isLegacy(stage)) return { ok: false, error: `${spec.id} serves from legacy already; a drill needs a stage to roll back from.` };
    const before = await plane.readReports();
    const now = Date.now();
    const serving = lastReports(before.reports).filter((r) => now - r.at <= activeMs);
    if (serving.length === 0) return { ok: false, error: 'No process has reported in the last 15 s; a drill needs the app running.' };
    const by = await this.host.who();
    const ids = new Set(serving.map((r) => r.instance));
    const step = async (mode: string): Promise<number | null> => {
      const started = Date.now();
      const set = await this.set(mode, 'rollback drill', { automatic: 'drill' });
      if (!set.ok) throw new Error(set.error);
      while (Date.now() - started < confirmMs && !this.disposed) {
        const { reports } = await plane.readReports();
        const last = lastReports(reports).filter((r) => ids.has(r.instance));
        if (last.length === ids.size && last.every((r) => sameMode(r.mode, mode) && (r.modeSince ?? r.at) >= started))
          return Math.max(...last.map((r) => (r.modeSince ?? r.at) - started));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return null;
    };
    let rollbackMs: number | null = null;
    let restoreMs: number | null = null;
    let error: string | undefined;
    try {
      rollbackMs = await step('legacy');
      if (rollbackMs === null) error = 'not every process reported legacy within a minute';
      restoreMs = await step(stage);
      if (restoreMs === null) error ??= `not every process reported ${stage} again within a minute`;
    } catch (failure) {
      error = (failure as Error).message;
    }
    const ok = error === undefined && rollbackMs !== null && restoreMs !== null;
    await this.host.record({ type: 'drill', by, stage, rollbackMs, restoreMs, processes: ids.size, ok, error });
    if (!ok || rollbackMs === null || restoreMs === null) return { ok: false, error: `The drill did not finish: ${error ?? 'unknown'}.` };
    return {
      ok: true,
      rollbackMs,
      restoreMs,
      message: `Drill from ${stage}: all ${ids.size} process(es) served from legacy ${(rollbackMs / 1000).toFixed(1)} s after the rollback, and from ${stage} again ${(restoreMs / 1000).toFixed(1)} s after the restore.`,
    };
  }

  /** Redis INFO before a file moves: what its window's hit rate is set against (Redis only, best effort). */
  async baseline(file: string): Promise<void> {
    const plane = this.controlPlane();
    if (plane?.kind !== 'redis') return;
    const health = await plane.health();
    if (health.info) await this.host.record({ type: 'redis-baseline', file, info: health.info });
  }
}

function healthOf(health: PlaneHealth, baselineHitRatePercent: number | null | undefined): RolloutState['health'] {
  if (health.pingMs === undefined && !health.error) return undefined;
  return {
    pingMs: health.pingMs,
    hitRatePercent: health.info?.hitRatePercent,
    baselineHitRatePercent,
    usedMemoryBytes: health.info?.usedMemoryBytes,
    evictedKeys: health.info?.evictedKeys,
    opsPerSecond: health.info?.opsPerSecond,
    error: health.error,
    infoError: health.infoError,
  };
}

/** The chart's points: the window's samples from the evidence. */
function seriesOf(entries: JournalEntry[], window: { file: string | null; start: WindowStart | undefined }): RolloutPoint[] {
  const since = window.start?.at ?? 0;
  return entries
    .filter((e): e is Extract<JournalEntry, { type: 'sample' }> => e.type === 'sample' && e.file === window.file && e.at >= since)
    .slice(-120)
    .map((e) => ({
      at: e.at,
      errorRatePercent: e.figures.errorRatePercent ?? null,
      shadowAgreementPercent: e.figures.shadowAgreementPercent ?? null,
      p99LegacyMs: e.figures.p99LegacyMs ?? null,
      p99NewMs: e.figures.p99NewMs ?? null,
    }));
}

function lastOf<T extends JournalEntry['type'], R>(
  entries: JournalEntry[],
  type: T,
  map: (e: Extract<JournalEntry, { type: T }>) => R,
): R | null {
  const found = entries.filter((e): e is Extract<JournalEntry, { type: T }> => e.type === type).at(-1);
  return found ? map(found) : null;
}

function lastIndex<T>(items: T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i])) return i;
  return -1;
}
