import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { minimatch } from 'minimatch';
import type { MigrationSpec } from '../spec/types';
import { describeErrors, formatFigure } from '../protocol/wording';
import { compareBench, median, parseBenchOutput, parseTestCounts, parseTscErrors, stripAnsi } from './parsers';
import { leavesBase, workspacePathProblem } from '../workspace/paths';
import { matchLines } from './logPattern';
import { CommandLineProblem, parseCommandLine, runCommand } from './runner';
import type { RunResult } from './runner';
import type { BenchStep, LogsStep, TestStep, TypecheckStep, VerificationResults } from '../protocol/wire';

export type { BenchStep, LogsStep, TestStep, TypecheckStep, VerificationResults };

export interface CheckContext {
  root: string;
  spec: MigrationSpec;
  /** The file being (or about to be) migrated, for `{file}` and the type check's focus. */
  file: string;
  head: string;
  now: number;
  trusted: boolean;
  signal?: AbortSignal;
  /** Command output, as it arrives. */
  output(text: string): void;
  /** What is being done now, for progress reports. */
  progress(message: string): void;
  /** Errors by file from Stepwise's own TypeScript, for the given files. */
  builtInTypecheck(): Promise<Record<string, number>>;
  /**
   * Checks a commit out beside the working tree (a temporary git worktree), so the baseline's
   * benchmark can run interleaved with the migrated code's; or says why it can't.
   */
  checkoutBeside?(commit: string): Promise<{ dir: string; dispose(): Promise<void> } | { error: string }>;
}

/**
 * Benchmark runs per side. The verdict weighs the medians against the tolerance and the runs'
 * spread against each other (see compareBench); five a side is the fewest for which unchanged
 * code is almost never judged a regression by chance.
 */
const benchRuns = 5;

function commandFor(ctx: CheckContext, command: string): string[] {
  return parseCommandLine(command, { file: ctx.file, root: ctx.root });
}

async function run(ctx: CheckContext, label: string, command: string, cwd = ctx.root): Promise<RunResult> {
  const argv = commandFor(ctx, command);
  ctx.progress(`${label}: ${command}`);
  ctx.output(`\n$ ${command}${cwd === ctx.root ? '' : `   (in ${cwd})`}\n`);
  const result = await runCommand(argv, {
    cwd,
    timeoutMs: ctx.spec.verify.timeoutSeconds * 1000,
    signal: ctx.signal,
    onOutput: (text) => ctx.output(text),
  });
  ctx.output(
    `[exit ${result.exitCode ?? (result.timedOut ? 'timeout' : result.cancelled ? 'cancelled' : 'error')} after ${result.durationMs} ms]\n`,
  );
  return result;
}

/** What went wrong with a command, as a sentence; `label` is a singular noun phrase ("The test run"). */
function failureOf(result: RunResult, label: string, timeoutSeconds: number): string | undefined {
  if (result.startError) return `${label} could not start: ${result.startError}.`;
  if (result.cancelled) return `${label} was cancelled.`;
  if (result.timedOut) return `${label} did not finish within ${timeoutSeconds} s.`;
  if (result.exitCode !== 0) return `${label} exited with code ${result.exitCode ?? 'none'}.`;
  return undefined;
}

function tail(text: string, lines = 20): string {
  return stripAnsi(text).trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Runs the spec's checks — tests, type check, benchmark, log scan — once as the baseline before a
 * move, and again as the verification after it, comparing with the baseline. Commands run
 * without a shell, with the spec's timeout, cancellable. In an untrusted workspace nothing from
 * the workspace runs: only Stepwise's own type check, and the results say what was skipped.
 */
export async function runChecks(
  ctx: CheckContext,
  kind: 'baseline' | 'verification',
  baseline?: VerificationResults,
  /** The log files' sizes at the migration (verification): only lines after them are new. */
  logOffsets?: Record<string, number>,
): Promise<VerificationResults> {
  const { verify } = ctx.spec;
  const results: VerificationResults = { kind, at: ctx.now, head: ctx.head, trusted: ctx.trusted, skipped: [], failures: [], ok: true };
  const untrusted = (what: string): void => {
    results.skipped.push(`${what}: not run because the workspace is not trusted`);
  };
  // One checkout of the baseline commit beside the working tree, made when first needed and
  // shared by the re-measured baseline and the benchmark.
  const beside = new BesideCheckout(ctx, baseline?.head);
  // A baseline recorded long ago was taken on another day's machine and dependencies: its tests
  // and type check run again beside the migrated code, in this run, and the comparison uses those.
  const ageHours = baseline ? (ctx.now - baseline.at) / 3600_000 : 0;
  const remeasure =
    kind === 'verification' &&
    baseline !== undefined &&
    ctx.trusted &&
    ctx.checkoutBeside !== undefined &&
    ageHours > verify.baselineMaxAgeHours;
  const reason = `the baseline was recorded ${ageHours.toFixed(1)} h ago (more than verify.baselineMaxAgeHours, ${verify.baselineMaxAgeHours} h)`;
  const remeasured = (): NonNullable<VerificationResults['remeasured']> | undefined => {
    if (!remeasure || !baseline) return undefined;
    results.remeasured ??= { commit: baseline.head, reason };
    return results.remeasured;
  };

  try {
    // Tests.
    if (!verify.test) results.skipped.push('tests: no "verify.test" command in the spec');
    else if (!ctx.trusted) untrusted('tests');
    else {
      let base = baseline?.test;
      const again = remeasured();
      const dir = again ? await beside.dir() : undefined;
      if (again && dir) {
        const before = await run(ctx, `Running tests on the baseline ${again.commit.slice(0, 8)} (${reason})`, verify.test, dir);
        again.test = { counts: parseTestCounts(before.output), exitCode: before.exitCode };
        const beforeProblem = failureOf(before, 'The baseline test run', verify.timeoutSeconds);
        base = {
          command: verify.test,
          exitCode: before.exitCode,
          counts: again.test.counts,
          durationMs: before.durationMs,
          ok: !beforeProblem && (again.test.counts?.failed ?? 0) === 0,
          tail: '',
        };
      }
      const result = await run(ctx, 'Running tests', verify.test);
      const counts = parseTestCounts(result.output);
      // Say how many failed when the output tells; the exit code alone otherwise.
      let problem =
        counts && counts.failed > 0 && !result.cancelled && !result.timedOut
          ? `${counts.failed} of ${counts.passed + counts.failed} test(s) failed (exit code ${result.exitCode ?? 'none'}).`
          : failureOf(result, 'The test run', verify.timeoutSeconds);
      // Against the baseline: tests that already failed before the move are not a regression.
      if (problem && base && !base.ok && !result.timedOut && !result.cancelled && !result.startError) {
        const before = base.counts?.failed;
        const now = counts?.failed;
        if (before !== undefined && now !== undefined ? now <= before : base.exitCode === result.exitCode) problem = undefined;
      }
      const step: TestStep = {
        command: verify.test,
        exitCode: result.exitCode,
        counts,
        durationMs: result.durationMs,
        ok: !problem,
        problem,
        tail: tail(result.output),
      };
      if (!problem && base && !base.ok) step.note = 'The tests already failed in the baseline; no new failures.';
      const before = base?.counts;
      if (counts && before && counts.passed < before.passed)
        step.note = `${before.passed - counts.passed} fewer passing test(s) than the baseline (${before.passed}).`;
      if (again && dir)
        step.note = `${step.note ? `${step.note} ` : ''}Compared with the baseline commit's tests run again in this run, beside the migrated code: ${reason}.`;
      results.test = step;
      if (problem) results.failures.push(problem);
    }

    // Type check.
    const started = Date.now();
    let typecheck: TypecheckStep;
    if (verify.typecheck && ctx.trusted) {
      const result = await run(ctx, 'Type checking', verify.typecheck);
      const parsed = parseTscErrors(result.output);
      const startProblem =
        result.startError || result.timedOut || result.cancelled ? failureOf(result, 'The type check', verify.timeoutSeconds) : undefined;
      typecheck = {
        source: 'command',
        command: verify.typecheck,
        errors: parsed.total,
        byFile: parsed.byFile,
        durationMs: result.durationMs,
        ok: !startProblem,
        problem: startProblem,
      };
    } else {
      if (verify.typecheck) untrusted("type check command (Stepwise's own type check ran instead)");
      ctx.progress("Type checking with Stepwise's TypeScript");
      const byFile = await ctx.builtInTypecheck();
      typecheck = {
        source: 'built-in',
        errors: Object.values(byFile).reduce((a, b) => a + b, 0),
        byFile,
        durationMs: Date.now() - started,
        ok: true,
      };
    }
    let comparable = baseline?.typecheck?.source === typecheck.source ? baseline.typecheck : undefined;
    const again = typecheck.source === 'command' && verify.typecheck ? remeasured() : undefined;
    const againDir = again ? await beside.dir() : undefined;
    if (again && againDir && verify.typecheck) {
      const before = await run(ctx, `Type checking the baseline ${again.commit.slice(0, 8)} (${reason})`, verify.typecheck, againDir);
      const parsed = parseTscErrors(before.output);
      again.typecheckErrors = parsed.byFile;
      comparable = {
        source: 'command',
        command: verify.typecheck,
        errors: parsed.total,
        byFile: parsed.byFile,
        durationMs: before.durationMs,
        ok: true,
      };
    }
    if (kind === 'verification') {
      const newErrors: { file: string; before: number; after: number }[] = [];
      for (const [file, after] of Object.entries(typecheck.byFile)) {
        const before = comparable?.byFile[file] ?? 0;
        if (after > before && (comparable || file === ctx.file)) newErrors.push({ file, before, after });
      }
      typecheck.newErrors = newErrors;
      if (newErrors.length > 0) {
        typecheck.ok = false;
        typecheck.problem = `The type check found new errors in ${newErrors.map((e) => `${e.file} (${e.before} → ${e.after})`).join(', ')}.`;
      }
    }
    results.typecheck = typecheck;
    if (typecheck.problem) results.failures.push(typecheck.problem);

    // Benchmark.
    if (!verify.bench) results.skipped.push('benchmark: no "verify.bench" command in the spec');
    else if (!ctx.trusted) untrusted('benchmark');
    else {
      const step = await runBench(ctx, kind, baseline?.bench ? baseline : undefined, beside);
      results.bench = step;
      if (step.problem) results.failures.push(step.problem);
    }

    // Logs.
    if (verify.logs && !ctx.trusted) untrusted('logs (the pattern comes from the workspace)');
    else if (verify.logs && kind === 'verification' && !logOffsets)
      results.skipped.push(
        'logs: the migration was made in another clone, which recorded where the logs ended; here old lines cannot be told from new ones',
      );
    else if (verify.logs) {
      ctx.progress(`Scanning the logs (${verify.logs.glob})`);
      results.logs = await scanLogs(
        ctx.root,
        verify.logs.glob,
        verify.logs.pattern,
        kind === 'verification' ? (logOffsets ?? {}) : undefined,
      );
      if (results.logs.problem) results.failures.push(results.logs.problem);
      else if (!results.logs.ok)
        results.failures.push(
          `The logs have ${results.logs.matches.length} new line(s) matching /${verify.logs.pattern}/ since the migration.`,
        );
    } else results.skipped.push('logs: no "verify.logs" in the spec');
  } catch (error) {
    if (!(error instanceof CommandLineProblem)) throw error;
    results.failures.push(error.message);
    results.specProblem = error.message;
  } finally {
    await beside.dispose();
  }
  if (remeasure && beside.error)
    results.skipped.push(
      `re-measuring the old baseline: the baseline commit could not be checked out beside the working tree (${beside.error})`,
    );
  if (ctx.signal?.aborted && !results.failures.some((f) => f.includes('cancelled'))) results.failures.push('The checks were cancelled.');
  results.ok = results.failures.length === 0;
  return results;
}

/**
 * The baseline commit checked out beside the working tree (a temporary git worktree), made on the
 * first `dir()` and removed by `dispose()`, whatever happened; `error` says why there is none.
 */
class BesideCheckout {
  private made: { dir: string; dispose(): Promise<void> } | undefined;
  private tried = false;
  error: string | undefined;

  constructor(
    private readonly ctx: CheckContext,
    private readonly commit: string | undefined,
  ) {}

  async dir(): Promise<string | undefined> {
    if (!this.tried) {
      this.tried = true;
      if (!this.commit || !this.ctx.checkoutBeside) this.error = 'no worktree support here';
      else {
        const checkout = await this.ctx.checkoutBeside(this.commit);
        if ('dir' in checkout) this.made = checkout;
        else this.error = checkout.error;
      }
    }
    return this.made?.dir;
  }

  async dispose(): Promise<void> {
    const made = this.made;
    this.made = undefined;
    await made?.dispose();
  }
}

/** Runs of one side of the benchmark, gathered per figure. */
class BenchRuns {
  readonly samples: Record<string, number[]> = {};
  durationMs = 0;
  problem: string | undefined;

  constructor(private readonly label: string) {}

  async run(ctx: CheckContext, n: number, cwd?: string): Promise<void> {
    const { verify } = ctx.spec;
    const result = await run(ctx, `Benchmark, ${this.label} (run ${n} of ${benchRuns})`, verify.bench ?? '', cwd);
    this.durationMs += result.durationMs;
    this.problem = failureOf(result, `The benchmark (${this.label})`, verify.timeoutSeconds);
    const values = parseBenchOutput(result.stdout || result.output);
    if (!this.problem && !values) this.problem = `The benchmark (${this.label}) printed no number or JSON object to compare.`;
    for (const [key, value] of Object.entries(values ?? {})) (this.samples[key] ??= []).push(value);
  }

  medians(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.samples).map(([key, list]) => [key, median(list)]));
  }
}

/**
 * The benchmark. A baseline runs it `benchRuns` times. A verification runs the migrated code the
 * same number of times interleaved with the baseline commit's code, checked out beside the
 * working tree, so both sides meet the same load; only when that checkout is impossible does it
 * compare with the runs recorded before the move (and says so).
 */
async function runBench(
  ctx: CheckContext,
  kind: 'baseline' | 'verification',
  baseline: VerificationResults | undefined,
  shared: BesideCheckout,
): Promise<BenchStep> {
  const { verify } = ctx.spec;
  const command = verify.bench ?? '';
  const migrated = new BenchRuns(kind === 'baseline' ? 'baseline' : 'migrated code');
  let base: BenchRuns | undefined;
  let comparedWith: string | undefined;
  let beside: { dir: string } | undefined;
  if (kind === 'verification' && baseline?.bench) {
    const dir = await shared.dir();
    if (dir) {
      beside = { dir };
      base = new BenchRuns(`baseline ${baseline.head.slice(0, 8)}`);
      comparedWith = `the baseline commit ${baseline.head.slice(0, 8)}, run side by side in a temporary worktree (runs interleaved)`;
    } else {
      comparedWith = `the runs recorded before the move (the baseline commit could not be checked out beside the working tree: ${shared.error ?? 'no worktree support here'})`;
    }
  }
  // The checkout is the caller's (shared with the re-measured baseline): runChecks removes it.
  for (let i = 1; i <= benchRuns && !migrated.problem && !ctx.signal?.aborted; i++) {
    // Alternate which side goes first, so a drift in load weighs on both alike.
    const order = i % 2 === 1 ? [base, migrated] : [migrated, base];
    for (const side of order) {
      if (!side || migrated.problem || ctx.signal?.aborted) continue;
      await side.run(ctx, i, side === base ? beside?.dir : undefined);
      if (base?.problem) {
        // The checkout may lack what the benchmark needs (submodules, generated files, an
        // install of its own); that says nothing about the migration, so the recorded runs
        // stand in for the baseline and the migrated side goes on alone.
        comparedWith = `the runs recorded before the move (the baseline commit's benchmark did not run beside the working tree: ${base.problem})`;
        base = undefined;
      }
    }
  }
  const step: BenchStep = {
    command,
    runs: benchRuns,
    values: migrated.medians(),
    samples: migrated.samples,
    durationMs: migrated.durationMs + (base?.durationMs ?? 0),
    ok: !migrated.problem && !base?.problem,
    problem: migrated.problem ?? base?.problem,
  };
  if (step.ok && kind === 'verification' && baseline?.bench) {
    // Journals written before runs were kept hold one best value per figure.
    const recorded = baseline.bench.samples ?? Object.fromEntries(Object.entries(baseline.bench.values).map(([k, v]) => [k, [v]]));
    step.baselineSamples = base ? base.samples : recorded;
    step.comparedWith = comparedWith;
    step.comparisons = compareBench(step.baselineSamples, migrated.samples, verify.benchTolerance);
    const worse = step.comparisons.filter((c) => !c.ok);
    if (worse.length > 0) {
      step.ok = false;
      step.problem = `The benchmark regressed beyond ${Math.round(verify.benchTolerance * 100)} % and beyond the noise of the runs: ${worse
        .map(
          (c) =>
            `${c.key} ${formatFigure(c.baseline)} → ${formatFigure(c.value)} (medians, ${(c.regression * 100).toFixed(1)} % worse; baseline runs ${formatRange(c.baselineRange)}, migrated runs ${formatRange(c.valueRange)})`,
        )
        .join(', ')}.`;
    }
  }
  return step;
}

function formatRange([low, high]: [number, number]): string {
  return low === high ? formatFigure(low) : `${formatFigure(low)}–${formatFigure(high)}`;
}

/** The most of one log file read in one scan (its newest part). */
const maxLogBytes = 32 * 1024 * 1024;

/**
 * Log files matching a workspace glob, with their sizes; with `since`, the new lines matching
 * the pattern — matched in a worker with a time budget (see matchLines), since the pattern comes
 * from the workspace. Only files inside the workspace are read (no `..`, no link out of it).
 */
export async function scanLogs(root: string, glob: string, pattern: string, since?: Record<string, number>): Promise<LogsStep> {
  const files = await listMatching(root, glob);
  const offsets: Record<string, number> = {};
  const texts: { label: string; text: string }[] = [];
  for (const rel of files) {
    const absolute = path.join(root, rel);
    const stat = await fs.stat(absolute).catch(() => undefined);
    if (!stat) continue;
    offsets[rel] = stat.size;
    if (!since) continue;
    const from = Math.max(since[rel] !== undefined && since[rel] <= stat.size ? since[rel] : 0, stat.size - maxLogBytes);
    const handle = await fs.open(absolute, 'r');
    try {
      const buffer = Buffer.alloc(stat.size - from);
      await handle.read(buffer, 0, buffer.length, from);
      texts.push({ label: rel, text: buffer.toString('utf8') });
    } finally {
      await handle.close();
    }
  }
  if (!since) return { glob, pattern, offsets, matches: [], ok: true };
  const matched = await matchLines(pattern, texts);
  if ('error' in matched) return { glob, pattern, offsets, matches: [], problem: matched.error, ok: false };
  return { glob, pattern, offsets, matches: matched.matches, ok: matched.count === 0 };
}

async function listMatching(root: string, glob: string): Promise<string[]> {
  const found: string[] = [];
  // The spec's validation refuses these; a journal or an older spec may still hold one.
  if (!isWorkspaceGlob(glob)) return found;
  const realRoot = await fs.realpath(root).catch(() => path.resolve(root));
  // Walk only from the part of the glob before its first wildcard.
  const base = glob.split('/').filter((part, i, all) => i < all.length - 1 && !/[*?[{]/.test(part));
  const start = path.join(root, ...base);
  if (!existsSync(start)) return found;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const absolute = path.join(dir, entry.name);
      const rel = path.relative(root, absolute).split(path.sep).join('/');
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== '.git') await walk(absolute);
      } else if (minimatch(rel, glob, { dot: true }) && isInside(realRoot, await fs.realpath(absolute).catch(() => ''))) found.push(rel);
    }
  };
  await walk(start);
  return found.sort();
}

/** Whether a glob stays inside the workspace: relative, with no `..` segment. */
export function isWorkspaceGlob(glob: string): boolean {
  return workspacePathProblem(glob) === undefined;
}

function isInside(root: string, absolute: string): boolean {
  const rel = path.relative(root, absolute);
  return absolute !== '' && rel !== '' && !leavesBase(rel);
}

/** One line for commit trailers and reports: "tests 15 passed, 0 failed; type check: no errors; bench opsPerSec 1205311". */
export function summarize(results: VerificationResults): string {
  const parts: string[] = [];
  if (results.test) {
    const c = results.test.counts;
    parts.push(c ? `tests ${c.passed} passed, ${c.failed} failed` : `tests exit ${results.test.exitCode ?? '-'}`);
  }
  if (results.typecheck)
    parts.push(
      `type check: ${describeErrors(results.typecheck.errors)}${results.typecheck.source === 'built-in' ? " (Stepwise's own)" : ''}`,
    );
  if (results.bench)
    parts.push(
      `bench ${Object.entries(results.bench.values)
        .map(([k, v]) => `${k} ${formatFigure(v)}`)
        .join(' ')}`,
    );
  if (results.logs)
    parts.push(
      `logs: ${results.logs.matches.length === 0 ? 'no new matches' : `${results.logs.matches.length} new match${results.logs.matches.length === 1 ? '' : 'es'}`}`,
    );
  if (results.skipped.some((s) => s.includes('not trusted'))) parts.push('untrusted: commands skipped');
  return parts.join('; ') || 'nothing to run';
}
