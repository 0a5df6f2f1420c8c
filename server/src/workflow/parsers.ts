import type { BenchComparison, TestCounts } from '../protocol/wire';

export type { BenchComparison, TestCounts };
/** Reading what test runners, type checkers and benchmarks print. */

// Terminal colour codes (ESC [ … letter), which some runners print even when asked not to.
// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*[A-Za-z]/g;

export function stripAnsi(text: string): string {
  return text.replace(ansi, '');
}

function last(text: string, pattern: RegExp): RegExpExecArray | undefined {
  let found: RegExpExecArray | undefined;
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  for (let m = global.exec(text); m; m = global.exec(text)) found = m;
  return found;
}

const n = (value: string | undefined): number => (value === undefined ? 0 : Number(value));

/** The sum of every count a global pattern finds ("2 skipped, 1 todo" is 3 not run). */
const sum = (text: string, pattern: RegExp): number => [...text.matchAll(pattern)].reduce((total, m) => total + n(m[1]), 0);

/** Pass/fail counts from mocha, jest, vitest, node:test or TAP output, when the output has them. */
export function parseTestCounts(raw: string): TestCounts | undefined {
  const text = stripAnsi(raw);
  const jest = last(text, /^Tests:\s+(.*?)(\d+) total/m);
  if (jest) {
    const part = jest[1];
    return {
      framework: 'jest',
      failed: n(/(\d+) failed/.exec(part)?.[1]),
      passed: n(/(\d+) passed/.exec(part)?.[1]),
      skipped: sum(part, /(\d+) (?:skipped|todo|pending)/g),
    };
  }
  const vitest = last(text, /^\s*Tests\s+(.*?)\((\d+)\)\s*$/m);
  if (vitest) {
    const part = vitest[1];
    return {
      framework: 'vitest',
      failed: n(/(\d+) failed/.exec(part)?.[1]),
      passed: n(/(\d+) passed/.exec(part)?.[1]),
      skipped: sum(part, /(\d+) (?:skipped|todo)/g),
    };
  }
  const passing = last(text, /^\s*(\d+) passing\b/m);
  if (passing) {
    return {
      framework: 'mocha',
      passed: n(passing[1]),
      failed: n(last(text, /^\s*(\d+) failing\b/m)?.[1]),
      skipped: n(last(text, /^\s*(\d+) pending\b/m)?.[1]),
    };
  }
  // TAP summary comments ("# pass 3"; tape writes "# pass  3"), or node:test's spec reporter, the
  // default on a terminal and everywhere since Node 23 ("ℹ pass 3").
  const pass = last(text, /^(?:#|ℹ) pass[ \t]+(\d+)/m);
  if (pass) {
    const isNodeTest = /^(?:# (?:suites|cancelled|duration_ms) |ℹ )/m.test(text);
    return {
      framework: isNodeTest ? 'node:test' : 'tap',
      passed: n(pass[1]),
      failed: n(last(text, /^(?:#|ℹ) fail[ \t]+(\d+)/m)?.[1]),
      skipped: n(last(text, /^(?:#|ℹ) (?:skip|skipped)[ \t]+(\d+)/m)?.[1]) + n(last(text, /^(?:#|ℹ) todo[ \t]+(\d+)/m)?.[1]),
    };
  }
  return undefined;
}

/** TypeScript errors by file, from `tsc` output (plain `file(l,c): error TS…` or pretty `file:l:c - error TS…`). */
export function parseTscErrors(raw: string): { total: number; byFile: Record<string, number> } {
  const text = stripAnsi(raw);
  const byFile: Record<string, number> = {};
  let total = 0;
  const pattern = /^(.+?)(?:\((\d+),(\d+)\)|:(\d+):(\d+))\s*[:-]\s*error TS\d+/gm;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const file = m[1].trim().replace(/\\/g, '/').replace(/^\.\//, '');
    byFile[file] = (byFile[file] ?? 0) + 1;
    total++;
  }
  // Errors without a file (config problems) still count.
  const bare = text.match(/^error TS\d+/gm)?.length ?? 0;
  return { total: total + bare, byFile };
}

/**
 * The figures a benchmark printed: the numeric fields of the last JSON object (on one line, or
 * pretty-printed), or else the last number in the output (as `value`).
 */
export function parseBenchOutput(raw: string): Record<string, number> | undefined {
  const text = stripAnsi(raw).trim();
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const trimmed = lines[i].trim();
    if (!trimmed.startsWith('{')) continue;
    // One JSON line, or an object printed over several lines (JSON.stringify(x, null, 2)) that ends
    // with a closing brace indented like its opening one.
    const candidates = [trimmed];
    const closing = lines[i].replace('{', '}').trimEnd();
    const end = trimmed === '{' ? lines.findIndex((line, j) => j > i && line.trimEnd() === closing) : -1;
    if (end > i) candidates.push(lines.slice(i, end + 1).join('\n'));
    for (const candidate of candidates) {
      try {
        const parsed = JSON.parse(candidate) as Record<string, unknown>;
        const numbers: Record<string, number> = {};
        for (const [key, value] of Object.entries(parsed)) if (typeof value === 'number' && Number.isFinite(value)) numbers[key] = value;
        if (Object.keys(numbers).length > 0) return numbers;
      } catch {
        // Not JSON after all; keep looking.
      }
    }
  }
  const numbers = text.match(/-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi);
  if (numbers && numbers.length > 0) return { value: Number(numbers[numbers.length - 1]) };
  return undefined;
}

/**
 * Whether a larger value of a benchmark figure is better: throughput (ops, per second, score) is,
 * times and latencies (ms, time, latency, duration, p95/p99) are not. A bare number is a time.
 */
export function higherIsBetter(key: string): boolean {
  if (/ms$|ms[A-Z_]|time|latency|duration|elapsed|^p\d\d|p\d\d|seconds|nanos|bytes|memory|heap|rss/i.test(key)) return false;
  return /ops|persec|per_?sec|throughput|rate|score|hits|count/i.test(key);
}

/**
 * Compares each figure's runs, baseline against migrated. A figure regressed only when the medians
 * differ by more than the tolerance *and* the difference is larger than the noise: every migrated
 * run is worse than every baseline run. Runs of unchanged code interleaved on one machine
 * separate like that by chance about once in 250 times with 5 runs a side (1 / C(10, 5) one-sided), while a
 * real regression beyond the tolerance separates them every time on a steady benchmark.
 */
export function compareBench(
  baseline: Record<string, readonly number[]>,
  current: Record<string, readonly number[]>,
  tolerance: number,
): BenchComparison[] {
  const comparisons: BenchComparison[] = [];
  for (const [key, before] of Object.entries(baseline)) {
    const now = current[key];
    if (!now || now.length === 0 || before.length === 0) continue;
    const base = median([...before]);
    const value = median([...now]);
    if (base === 0) continue;
    const higher = higherIsBetter(key);
    const change = (value - base) / Math.abs(base);
    const regression = higher ? -change : change;
    const baselineRange: [number, number] = [Math.min(...before), Math.max(...before)];
    const valueRange: [number, number] = [Math.min(...now), Math.max(...now)];
    // Separated: the best migrated run is still worse than the worst baseline run.
    const separated = higher ? valueRange[1] < baselineRange[0] : valueRange[0] > baselineRange[1];
    const withinNoise = !separated;
    comparisons.push({
      key,
      baseline: base,
      value,
      baselineRange,
      valueRange,
      regression,
      withinNoise,
      ok: regression <= tolerance || withinNoise,
    });
  }
  return comparisons;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
