import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { stepwisePercentile } from '../rewrite/runtime/adapterRuntime';
import type { StepwiseReport, StepwiseSample } from '../rewrite/runtime/adapterRuntime';
import { writeFileAtomic } from '../workspace/edits';

/**
 * The local file store, the embedded default of the rollout control plane: the mode the generated
 * adapters read (`.stepwise/control/<migration>.json`) and the metrics they report
 * (`<migration>.metrics.jsonl`, one line per process per period). The folder ignores itself in
 * git, so it never dirties the working tree.
 */
export function controlPaths(root: string, migration: string): { dir: string; control: string; metrics: string } {
  const dir = path.join(root, '.stepwise', 'control');
  return { dir, control: path.join(dir, `${migration}.json`), metrics: path.join(dir, `${migration}.metrics.jsonl`) };
}

/** A rollout mode as written: legacy, shadow, new, or a whole or decimal percentage 0–100. */
export function parseMode(text: string): { mode: string } | { error: string } {
  const value = text.trim().toLowerCase();
  if (value === 'legacy' || value === 'shadow' || value === 'new') return { mode: value };
  const percent = Number(value.replace(/%$/, ''));
  if (value !== '' && Number.isFinite(percent) && percent >= 0 && percent <= 100) return { mode: String(percent) };
  return { error: `"${text}" is not a rollout mode; use legacy, shadow, a percentage from 0 to 100, or new.` };
}

export interface ControlRecord {
  mode: string;
  /** Milliseconds since the epoch. */
  at: number;
  by: string;
}

/** The mode the adapters read now (undefined: none set, so legacy). */
export async function readControl(root: string, migration: string): Promise<ControlRecord | undefined> {
  const { control } = controlPaths(root, migration);
  if (!existsSync(control)) return undefined;
  try {
    const parsed = JSON.parse(await fs.readFile(control, 'utf8')) as Partial<ControlRecord>;
    return typeof parsed.mode === 'string' ? { mode: parsed.mode, at: Number(parsed.at) || 0, by: String(parsed.by ?? '') } : undefined;
  } catch {
    return undefined;
  }
}

/** Sets the mode every adapter of this migration reads within its period (atomic; the folder ignores itself in git). */
export async function writeControl(root: string, migration: string, record: ControlRecord): Promise<void> {
  await prepareControl(root);
  await writeFileAtomic(controlPaths(root, migration).control, `${JSON.stringify(record, null, 2)}\n`);
}

/** Makes the control folder (adapters report only where it exists); it ignores itself in git. */
export async function prepareControl(root: string): Promise<void> {
  const dir = path.join(root, '.stepwise', 'control');
  const ignore = path.join(dir, '.gitignore');
  if (existsSync(ignore)) return;
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(ignore, '# Written by Stepwise: the rollout control and metrics stay out of git.\n*\n');
}

/** What the reporting processes say, added up. */
export interface Observation {
  /** Each process's last report: when, the mode it served with, and since when. */
  instances: { instance: string; at: number; mode: string; modeSince?: number }[];
  counters: Record<string, number>;
  /** Per member, added up over the processes. */
  members: Record<string, Record<string, number>>;
  /** The newest shadow differences over all processes (at most five). */
  samples: StepwiseSample[];
  latency: { p50LegacyMs: number | null; p99LegacyMs: number | null; p50NewMs: number | null; p99NewMs: number | null };
  /** The newest report (ms), or null when no process reported. */
  lastAt: number | null;
}

/** Adds up the processes' last reports (each report is cumulative for its process). Pure. */
export function aggregate(reports: StepwiseReport[]): Observation {
  const last = new Map<string, StepwiseReport>();
  for (const report of reports) {
    const known = last.get(report.instance);
    if (!known || report.at >= known.at) last.set(report.instance, report);
  }
  const counters: Record<string, number> = {};
  const legacy: number[] = [];
  const next: number[] = [];
  const add = (into: number[], from: number[]): void => from.forEach((n, i) => (into[i] = (into[i] ?? 0) + n));
  const members: Record<string, Record<string, number>> = {};
  const samples: StepwiseSample[] = [];
  for (const report of last.values()) {
    for (const [name, value] of Object.entries(report.counters)) counters[name] = (counters[name] ?? 0) + value;
    for (const [member, figures] of Object.entries(report.members ?? {})) {
      const into = (members[member] ??= {});
      for (const [name, value] of Object.entries(figures)) into[name] = (into[name] ?? 0) + value;
    }
    samples.push(...(report.samples ?? []));
    add(legacy, report.latency.legacy);
    add(next, report.latency.new);
  }
  const instances = [...last.values()]
    .map((r) => ({ instance: r.instance, at: r.at, mode: r.mode, modeSince: r.modeSince }))
    .sort((a, b) => b.at - a.at);
  return {
    instances,
    counters,
    members,
    samples: samples.sort((a, b) => a.at - b.at).slice(-5),
    latency: {
      p50LegacyMs: stepwisePercentile(legacy, 0.5),
      p99LegacyMs: stepwisePercentile(legacy, 0.99),
      p50NewMs: stepwisePercentile(next, 0.5),
      p99NewMs: stepwisePercentile(next, 0.99),
    },
    lastAt: instances[0]?.at ?? null,
  };
}

/** The reports the adapters appended to the file store (lines cut short are skipped). */
export async function readReports(root: string, migration: string): Promise<StepwiseReport[]> {
  const { metrics } = controlPaths(root, migration);
  const reports: StepwiseReport[] = [];
  if (!existsSync(metrics)) return reports;
  for (const line of (await fs.readFile(metrics, 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    try {
      const parsed = JSON.parse(line) as StepwiseReport;
      if (parsed && typeof parsed.instance === 'string' && parsed.counters && parsed.latency) reports.push(parsed);
    } catch {
      // A line a process was still writing.
    }
  }
  return reports;
}

/**
 * Keeps the metrics file small: past `maxBytes`, it is rewritten (atomically) with each process's
 * last report only. Reports are cumulative, so nothing is lost; a line a process appends while
 * this runs is replaced by its next report, a period later.
 */
export async function compactReports(root: string, migration: string, maxBytes = 1024 * 1024): Promise<boolean> {
  const { metrics } = controlPaths(root, migration);
  if (!existsSync(metrics) || (await fs.stat(metrics)).size <= maxBytes) return false;
  const last = new Map<string, StepwiseReport>();
  for (const report of await readReports(root, migration)) {
    const known = last.get(report.instance);
    if (!known || report.at >= known.at) last.set(report.instance, report);
  }
  await writeFileAtomic(metrics, [...last.values()].map((r) => `${JSON.stringify(r)}\n`).join(''));
  return true;
}

/** Reads and adds up the metrics the adapters reported to the file store. */
export async function readObservation(root: string, migration: string): Promise<Observation> {
  return aggregate(await readReports(root, migration));
}
