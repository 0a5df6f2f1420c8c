import type { AnalyzeReport } from './overview';

/** `.stepwise/ratchet.json`: the usages recorded last, per file. */
export interface Ratchet {
  usages: number;
  files: Record<string, number>;
}

export interface RatchetVerdict {
  ok: boolean;
  usages: number;
  /** The total recorded, or null when no ratchet was recorded yet. */
  ratchet: number | null;
  /** Files whose usages grew (every file with usages, without a ratchet). */
  violations: { path: string; before: number; now: number }[];
}

export const ratchetRelativePath = '.stepwise/ratchet.json';

/** The ratchet that records a report's counts. */
export function ratchetOf(report: AnalyzeReport): Ratchet {
  const files: Record<string, number> = {};
  for (const file of report.files) files[file.path] = file.usages.length;
  return { usages: report.summary.usages, files };
}

/** The CI ratchet: a file may lose legacy usages, never gain them; without a ratchet, none may exist. Pure. */
export function checkRatchet(report: AnalyzeReport, ratchet: Ratchet | undefined): RatchetVerdict {
  const violations: RatchetVerdict['violations'] = [];
  for (const [path, now] of Object.entries(ratchetOf(report).files)) {
    const before = ratchet?.files[path] ?? 0;
    if (now > before) violations.push({ path, before, now });
  }
  return { ok: violations.length === 0, usages: report.summary.usages, ratchet: ratchet?.usages ?? null, violations };
}

/** Reads a ratchet file's text; throws one sentence when it is not a ratchet. */
export function parseRatchet(text: string): Ratchet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${ratchetRelativePath} is not valid JSON (${(error as Error).message}); run "stepwise check --update" to rewrite it.`);
  }
  const candidate = parsed as Partial<Ratchet> | null;
  if (!candidate || typeof candidate !== 'object' || typeof candidate.files !== 'object' || candidate.files === null)
    throw new Error(`${ratchetRelativePath} has no "files" counts; run "stepwise check --update" to rewrite it.`);
  const files: Record<string, number> = {};
  for (const [path, count] of Object.entries(candidate.files as Record<string, unknown>)) {
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || Array.isArray(candidate.files))
      throw new Error(
        `${ratchetRelativePath} counts ${JSON.stringify(path)} as ${JSON.stringify(count)}, which is not a number of usages; run "stepwise check --update" to rewrite it.`,
      );
    files[path] = count;
  }
  return { usages: Number(candidate.usages) || 0, files };
}
