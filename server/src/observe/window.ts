import type { StepwiseReport } from '../rewrite/runtime/adapterRuntime';
import { aggregate } from './fileStore';
import type { Observation } from './fileStore';

/**
 * Where each process stood when a window opened (a file's verification, a stage change): its last
 * report's counters and its latency histograms, sparse. Kept in the journal, so a window's figures
 * are what happened inside it, though every process reports counts since it started.
 */
export interface WindowStart {
  /** Milliseconds since the epoch. */
  at: number;
  instances: Record<string, { counters: Record<string, number>; legacy: Record<string, number>; new: Record<string, number> }>;
}

function sparse(counts: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  counts.forEach((n, i) => {
    if (n > 0) out[i] = n;
  });
  return out;
}

/** The last report of each process. */
export function lastReports(reports: StepwiseReport[]): StepwiseReport[] {
  const last = new Map<string, StepwiseReport>();
  for (const report of reports) {
    const known = last.get(report.instance);
    if (!known || report.at >= known.at) last.set(report.instance, report);
  }
  return [...last.values()];
}

/** A window opening now, over these reports. Pure. */
export function windowStart(reports: StepwiseReport[], at: number): WindowStart {
  const instances: WindowStart['instances'] = {};
  for (const r of lastReports(reports))
    instances[r.instance] = { counters: { ...r.counters }, legacy: sparse(r.latency.legacy), new: sparse(r.latency.new) };
  return { at, instances };
}

/**
 * The observation inside a window: each process's last report less where it stood at the start
 * (a process that started since counts whole; one whose counts went down restarted under the same
 * id, and counts whole too). Pure.
 */
export function observationSince(reports: StepwiseReport[], start: WindowStart | undefined): Observation {
  if (!start) return aggregate(reports);
  const within = lastReports(reports).map((report): StepwiseReport => {
    const before = start.instances[report.instance];
    if (
      !before ||
      (report.counters.legacyCalls ?? 0) + (report.counters.newCalls ?? 0) <
        (before.counters.legacyCalls ?? 0) + (before.counters.newCalls ?? 0)
    )
      return report;
    const counters: Record<string, number> = {};
    for (const [name, value] of Object.entries(report.counters)) counters[name] = Math.max(0, value - (before.counters[name] ?? 0));
    const less = (counts: number[], was: Record<string, number>): number[] => counts.map((n, i) => Math.max(0, n - (was[i] ?? 0)));
    return {
      ...report,
      counters,
      latency: { legacy: less(report.latency.legacy, before.legacy), new: less(report.latency.new, before.new) },
    };
  });
  return aggregate(within);
}
