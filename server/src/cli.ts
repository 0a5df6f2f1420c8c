/**
 * `stepwise` — the command line on the same core as the language server, for CI (a ratchet) and
 * scripts. Exit codes: 0 ok, 1 findings or violations, 2 usage or spec errors.
 */
import { leavesBase } from './workspace/paths';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline/promises';
import { createTwoFilesPatch } from 'diff';
import type { EngineResult, RolloutState, SpecProblem } from './protocol';
import { writeFileAtomic } from './workspace/edits';
import { MigrationSession } from './session/session';
import type { ComputedEdit, SessionHost } from './session/session';
import { presets } from './spec/presets';
import { specRelativePath } from './spec/validate';
import type { Logger } from './util/logger';
import { localTime } from './util/time';
import { formatFigure } from './protocol/wording';
import { systemClock } from './workflow/clock';
import { githubAnnotationsOf, sarifOf } from './operations/ratchet';
import { stepwiseVersion } from './util/version';

export const exitCodes = { ok: 0, findings: 1, usage: 2 } as const;

interface Options {
  root: string;
  json: boolean;
  flags: Map<string, string | true>;
  positional: string[];
}

/** A CLI failure with the exit code to use and one sentence for the person. */
class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = exitCodes.usage,
    readonly problems: SpecProblem[] = [],
  ) {
    super(message);
  }
}

interface Io {
  out(text: string): void;
  err(text: string): void;
}

const usage = `Usage: stepwise <command> [options]

Commands:
  analyze [--max-uses N]  list every legacy usage, routing issue and risk; a file with more than N
                          uses (5000; 0: no limit) or over 4 MB shows only its imports
  plan                    the migration order, lowest risk first
  dossier FILE            the pre-move analysis of one file
  migrate FILE --dry-run  show the edit that routes FILE through the adapter (unified diff)
  migrate FILE            record the pre-move analysis and baseline, commit the edit (one commit),
                          verify it against the baseline and start the observation timer
                          [--force --reason TEXT] out of plan order, [--no-verify], [--auto-revert]
  verify FILE             run the checks against the baseline again
  approve FILE            approve a file whose observation ended (unlocks the next file)
  revert FILE             git revert the file's migration commit
  status                  each file's state, the file in flight and the observation deadline
  report [--out FILE]     the markdown migration report
  cleanup FILE [--dry-run]  once every file is approved on the adapter: rewrite FILE to the new API,
                          as one commit, verified, observed and approved like a migration
                          [--by-hand] commit your own rewrite of FILE as that step (what it does
                          by itself once FILE no longer uses the old API) [--force --reason TEXT]
  remove-adapter --confirm PATH  delete the adapter (and the legacy package from package.json) once
                          nothing imports it; a one-way door, so PATH is the adapter's, typed
  scaffold-adapter [--dry-run]  generate the adapter module
  check [--update]        CI ratchet: fail when legacy usages grow (or exist, without a ratchet);
                          [--format sarif] a SARIF log on stdout, [--format github] annotations
                          (also by itself when GITHUB_ACTIONS=true)
  rollout set MODE        set the mode every adapter reads (the file store, or Redis) within 2 s:
                          legacy, shadow, a percentage of keys (0-100), or new [--reason TEXT]
  rollout next            the spec's next stage (shadow, 10, 25, 50, 100, new), only while the
                          figures say advance
  rollout rollback        the same as "rollout set legacy"; [--wait] until every serving process
                          reports legacy, and how long that took
  observe [FILE]          the mode, where it lives, the window's figures, the verdict and the next
                          stage [--watch] again every 5 s, [--json]
  drill                   a rollback drill: legacy until every serving process reports it, then
                          back to the stage, each step timed and recorded
  sync [REMOTE]           share the evidence (baselines, verifications, observations, rollout
                          history: git notes on the migration commits, refs/notes/stepwise) with
                          REMOTE (default origin): fetch, merge, push
  init                    write a starter .stepwise/migration.json

Options:
  --root DIR   workspace folder (default: the current folder)
  --json       print one JSON document on stdout
  --trust      allow running the spec's commands (tests, type check, benchmark); also STEPWISE_TRUST=1.
               Without it only Stepwise's own type check runs, and the output says what was skipped.
  --redis URL  the rollout's control plane on Redis (also STEPWISE_REDIS_URL; the spec's redis.url
               otherwise); the password from STEPWISE_REDIS_PASSWORD, a private CA from STEPWISE_REDIS_CA
  --help       this text`;

const commands: Record<string, (open: () => Promise<MigrationSession>, options: Options, io: Io) => Promise<number>> = {
  analyze: async (open, options, io) => {
    // --max-uses N: the per-file budget of uses (0: none), read by the analysis from the environment.
    const maxUses = options.flags.get('max-uses');
    if (maxUses !== undefined) {
      if (typeof maxUses !== 'string' || !/^\d+$/.test(maxUses)) throw new CliError('--max-uses takes a number of uses (0: no limit).');
      process.env.STEPWISE_ANALYSIS_MAX_USES = maxUses;
    }
    const session = await open();
    const report = await session.analyze();
    if (options.json) {
      io.out(JSON.stringify(report, null, 2));
      return exitCodes.ok;
    }
    io.out(
      `${session.indexSummary().title ?? 'Migration'}: ${report.summary.usages} usages in ${report.summary.files} files (${report.summary.fixable} handled by migrating their file).`,
    );
    for (const file of report.files) {
      io.out('');
      io.out(`${file.path}  [${file.risk.level} risk, ${file.risk.score.toFixed(2)}]`);
      for (const u of file.usages) {
        io.out(
          `  ${`${u.line}:${u.column}`.padEnd(7)} ${u.kind.padEnd(14)} ${(u.member ? `${u.symbol}.${u.member}` : u.symbol).padEnd(28)} ${u.message}`,
        );
      }
      for (const f of file.shapes) io.out(`  ${`${f.line}:${f.column}`.padEnd(7)} shape: ${f.rule.padEnd(34)} ${f.message}`);
      for (const r of file.routingIssues) io.out(`  ${String(r.line).padEnd(7)} routing: ${r.kind.padEnd(17)} ${r.message}`);
    }
    if (report.configuration.length > 0) {
      io.out('');
      io.out('Configuration the legacy cache depends on:');
      for (const file of report.configuration) {
        io.out(`  ${file.path}`);
        for (const c of file.uses)
          io.out(
            `    ${`${c.line}:${c.column}`.padEnd(7)} ${`${c.access}${c.fixture ? ' (fixture)' : ''}`.padEnd(16)} ${c.name.padEnd(20)} ${c.message}`,
          );
      }
    }
    for (const broken of session.parseProblems())
      io.err(`${broken.path}:${broken.line}:${broken.column}: warning: does not parse (${broken.message}); its results may be incomplete.`);
    return exitCodes.ok;
  },

  plan: async (open, options, io) => {
    const entries = await (await open()).plan();
    if (options.json) {
      io.out(JSON.stringify({ plan: entries.map((e) => e.path), entries }, null, 2));
      return exitCodes.ok;
    }
    if (entries.length === 0) io.out('No file left to migrate.');
    entries.forEach((e, i) => {
      io.out(`${String(i + 1).padStart(3)}. ${e.path}  [${e.risk.level}, ${e.risk.score.toFixed(2)}]  ${e.usages} usages`);
      io.out(`       ${e.risk.reasons.join(' ')}`);
    });
    return exitCodes.ok;
  },

  dossier: async (open, options, io) => {
    const file = requireFile(options);
    const session = await open();
    const result = await session.dossier(toRel(session, options, file));
    if ('error' in result) throw new CliError(result.error);
    if (options.json) {
      io.out(JSON.stringify(result, null, 2));
      return exitCodes.ok;
    }
    io.out(`${result.path}: ${result.risk.level} risk (${result.risk.score.toFixed(2)})`);
    result.risk.reasons.forEach((r) => io.out(`  - ${r}`));
    io.out('Use cases:');
    result.useCases.forEach((u) =>
      io.out(
        `  ${String(u.line).padStart(4)}  ${u.kind.padEnd(14)} ${u.member ? `${u.symbol}.${u.member}` : u.symbol}${u.incompatible ? '  (incompatible)' : ''}  ${u.text}`,
      ),
    );
    if ((result.replacements ?? []).length > 0) {
      io.out('What the constructions become:');
      result.replacements?.forEach((r) =>
        io.out(
          `  ${String(r.line).padStart(4)}  ${r.symbol} → ${r.becomes}${r.because ? `, because ${r.because}` : ''}${r.manual ? `. Needs a manual change: ${r.manual}.` : ''}`,
        ),
      );
    }
    if ((result.shapes ?? []).length > 0) {
      io.out('Arguments whose meaning changed:');
      result.shapes?.forEach((f) => io.out(`  ${String(f.line).padStart(4)}  ${f.rule}: ${f.message}`));
    }
    io.out('Routing issues:');
    if (result.routingIssues.length === 0) io.out('  none');
    result.routingIssues.forEach((r) => io.out(`  ${String(r.line).padStart(4)}  ${r.kind}: ${r.message}`));
    if ((result.configuration ?? []).length > 0) {
      io.out('Configuration it depends on:');
      result.configuration?.forEach((c) =>
        io.out(
          c.path === result.path
            ? `  ${String(c.line).padStart(4)}  ${c.name}: ${c.message}`
            : `        ${c.name}: ${c.access === 'read' ? 'read' : 'set'} by ${c.path} line ${c.line}`,
        ),
      );
    }
    io.out(`Depends on: ${result.dependencies.join(', ') || 'nothing in the workspace'}`);
    io.out(`Imported by: ${result.dependents.join(', ') || 'nothing'}`);
    io.out(`Tests that reach it: ${result.coveredBy.join(', ') || 'none'}`);
    io.out('Rollback plan:');
    result.rollback.steps.forEach((s, i) => io.out(`  ${i + 1}. ${s}`));
    return exitCodes.ok;
  },

  migrate: async (open, options, io) => {
    const file = requireFile(options);
    const session = await open();
    const rel = toRel(session, options, file);
    if (options.flags.has('dry-run'))
      return applyOrShow(session, await session.migrationEdit(rel), options, io, `Routed ${rel} through the adapter`);
    return move(session, rel, options, io, {});
  },

  verify: async (open, options, io) => {
    const session = await open();
    return finish(await session.run('verify', toRel(session, options, requireFile(options)), {}, control(options, io)), options, io);
  },

  approve: async (open, options, io) => {
    const session = await open();
    return finish(await session.run('approve', toRel(session, options, requireFile(options))), options, io);
  },

  revert: async (open, options, io) => {
    const session = await open();
    const rel = options.positional[0] ? toRelLoose(session, options, options.positional[0]) : requireFile(options);
    const reason = options.flags.get('reason');
    const result = await session.run(
      'revert',
      rel,
      { reason: typeof reason === 'string' ? reason : 'reverted with the stepwise CLI' },
      control(options, io),
    );
    return finish(result, options, io);
  },

  status: async (open, options, io) => {
    const session = await open();
    // An operation a killed process left half-done is finished or undone first, and said so.
    const recovered = await session.recover();
    if (recovered) io.err(`stepwise: ${recovered}`);
    const status = await session.workflow();
    if (options.json) {
      io.out(
        JSON.stringify(
          {
            inFlight: status.inFlight,
            blocked: status.blocked ?? null,
            phase: status.phase ?? 'route',
            removeAdapter: status.removeAdapter ?? null,
            progress: status.progress,
            files: status.files.map((f) => ({
              path: f.path,
              state: f.state,
              commit: f.commit,
              observeUntil: f.observeUntil,
              risk: f.risk ?? null,
              allowed: f.allowed,
            })),
          },
          null,
          2,
        ),
      );
      return exitCodes.ok;
    }
    if (status.blocked) io.out(`Blocked: ${status.blocked}`);
    const p = status.progress;
    if (status.phase === 'done') io.out('The migration is done: the adapter is removed.');
    else if (status.phase === 'cleanup') {
      io.out('Cleanup: every file is approved on the adapter; each now moves onto the new API ("stepwise cleanup FILE").');
      io.out(
        status.removeAdapter?.ok
          ? 'Nothing imports the adapter any more: "stepwise remove-adapter --confirm PATH" removes it (a one-way door).'
          : `The adapter stays until the cleanup is done: ${status.removeAdapter?.reason ?? ''}`,
      );
    }
    io.out(
      `${p.done} approved, ${p.inFlight} in flight, ${p.pending} pending; ${p.usagesRemaining} ${status.phase === 'cleanup' ? 'uses of the old API' : 'legacy usages'} remaining.`,
    );
    if (status.inFlight) io.out(`In flight: ${status.inFlight}`);
    for (const f of status.files) {
      io.out(
        `${String(f.planPosition ?? '-').padStart(3)}. ${f.path.padEnd(40)} ${f.state.padEnd(18)} ${f.commit ? f.commit.slice(0, 8) : '        '}${f.observeUntil && f.state === 'observing' ? `  until ${localTime(f.observeUntil)}` : ''}`,
      );
    }
    return exitCodes.ok;
  },

  report: async (open, options, io) => {
    const markdown = await (await open()).report();
    const out = options.flags.get('out');
    if (typeof out === 'string') {
      await writeFileAtomic(path.resolve(out), markdown);
      io.out(options.json ? JSON.stringify({ written: path.resolve(out) }) : `Wrote the report to ${path.resolve(out)}.`);
    } else io.out(options.json ? JSON.stringify({ markdown }) : markdown);
    return exitCodes.ok;
  },

  cleanup: async (open, options, io) => {
    const file = requireFile(options);
    const session = await open();
    const rel = toRel(session, options, file);
    if (options.flags.has('dry-run'))
      return applyOrShow(session, await session.cleanupEdit(rel), options, io, `Rewrote ${rel} to the new API`);
    // The cleanup step goes through the gates of a migration: commit, verification, observation, approval.
    return move(session, rel, options, io, { cleanup: true, byHand: options.flags.has('by-hand') });
  },

  'remove-adapter': async (open, options, io) => {
    const session = await open();
    const confirm = options.flags.get('confirm');
    return finish(await session.removeAdapter(typeof confirm === 'string' ? confirm : ''), options, io);
  },

  'scaffold-adapter': async (open, options, io) => {
    const session = await open();
    const edit = await session.scaffoldEdit({ force: options.flags.has('force') });
    const adapter = 'error' in edit ? '' : edit.path;
    return applyOrShow(session, edit, options, io, `Wrote ${adapter}`);
  },

  check: async (open, options, io) => {
    const session = await open();
    let verdict: Awaited<ReturnType<MigrationSession['check']>>;
    try {
      verdict = await session.check({ update: options.flags.has('update') });
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const { ok, usages, ratchet, violations, updated } = verdict;
    const format = options.flags.get('format') ?? 'text';
    if (format !== 'text' && format !== 'sarif' && format !== 'github')
      throw new CliError(`--format is text, sarif or github, not ${String(format)}.`);
    if (format === 'sarif' && !updated) {
      io.out(JSON.stringify(sarifOf(verdict, stepwiseVersion()), null, 2));
      return ok ? exitCodes.ok : exitCodes.findings;
    }
    // In GitHub Actions (or asked for), each usage of a file that breaks the ratchet is annotated in the diff.
    if (!updated && !options.json && (format === 'github' || process.env.GITHUB_ACTIONS === 'true'))
      for (const line of githubAnnotationsOf(verdict)) io.out(line);
    if (updated) {
      io.out(
        options.json
          ? JSON.stringify({ ok: true, updated: true, ...updated })
          : `Recorded ${updated.usages} usages in ${Object.keys(updated.files).length} files in .stepwise/ratchet.json.`,
      );
      return exitCodes.ok;
    }
    if (options.json) {
      io.out(JSON.stringify({ ok, usages, ratchet, violations }, null, 2));
      return ok ? exitCodes.ok : exitCodes.findings;
    }
    if (ratchet === null) {
      if (ok) io.out('No legacy usages left.');
      else {
        io.out(`${usages} legacy usages in ${violations.length} files (no ratchet recorded):`);
        violations.forEach((v) => io.out(`  ${v.path}: ${v.now}`));
        io.out('Run "stepwise check --update" to record this as the ratchet; later runs fail only when usages grow.');
      }
      return ok ? exitCodes.ok : exitCodes.findings;
    }
    if (ok) {
      io.out(`OK: ${usages} legacy usages (ratchet ${ratchet}).`);
      if (usages < ratchet) io.out('Usages went down; run "stepwise check --update" to tighten the ratchet.');
      return exitCodes.ok;
    }
    io.out('Legacy usages grew:');
    violations.forEach((v) => io.out(`  ${v.path}: ${v.before} → ${v.now}`));
    return exitCodes.findings;
  },

  rollout: async (open, options, io) => {
    const [action, value] = options.positional;
    if (action !== 'set' && action !== 'rollback' && action !== 'next')
      throw new CliError('Use "stepwise rollout next", "stepwise rollout set MODE" or "stepwise rollout rollback".');
    if (action === 'set' && value === undefined) throw new CliError('"stepwise rollout set" needs a MODE: legacy, shadow, 0-100, or new.');
    const reason = typeof options.flags.get('reason') === 'string' ? (options.flags.get('reason') as string) : undefined;
    const session = await open();
    const result =
      action === 'next' ? await session.rolloutNext(reason) : await session.rollout(action === 'rollback' ? 'legacy' : value, reason);
    if (!result.ok) throw new CliError(result.error);
    const confirmed = options.flags.has('wait') ? await session.confirmRollback() : undefined;
    if (options.json) io.out(JSON.stringify({ ...result, confirmed }, null, 2));
    else {
      io.out(result.message);
      if (options.flags.has('wait'))
        io.out(
          !confirmed
            ? 'No process was serving in the last 15 s; nothing to wait for.'
            : confirmed.ms === null
              ? `Not every process reported legacy within a minute: ${confirmed.waitingFor.join(', ')}.`
              : `Every one of ${confirmed.processes} serving process(es) served from legacy ${formatFigure(confirmed.ms / 1000)} s after the change.`,
        );
    }
    return exitCodes.ok;
  },

  observe: async (open, options, io) => {
    const session = await open();
    const file = options.positional[0] ? toRelLoose(session, options, options.positional[0]) : undefined;
    /** Prints the state; false when its store could not be read. */
    const show = async (): Promise<boolean> => {
      const state = await session.observe();
      if ('error' in state) throw new CliError(state.error);
      if (options.json) io.out(JSON.stringify(state, null, options.flags.has('watch') ? undefined : 2));
      else describeRollout(state, file, io);
      return !state.plane.error;
    };
    const readable = await show();
    if (!options.flags.has('watch')) return readable ? exitCodes.ok : exitCodes.findings;
    // --watch: again every 5 s until interrupted.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        void show().catch((error: unknown) => io.err(`stepwise: ${(error as Error).message}`));
      }, 5000);
      process.once('SIGINT', () => {
        clearInterval(timer);
        resolve();
      });
    });
    return exitCodes.ok;
  },

  sync: async (open, options, io) => {
    const remote = options.positional[0] ?? 'origin';
    const result = await (await open()).syncEvidence(remote);
    if (!result.ok) throw new CliError(result.error);
    io.out(options.json ? JSON.stringify(result, null, 2) : result.message);
    return exitCodes.ok;
  },

  drill: async (open, options, io) => {
    const result = await (await open()).drill();
    if (!result.ok) throw new CliError(result.error, exitCodes.findings);
    io.out(options.json ? JSON.stringify(result, null, 2) : result.message);
    return exitCodes.ok;
  },

  init: async (open, options, io) => {
    if (existsSync(path.join(options.root, specRelativePath)) && !options.flags.has('force')) {
      throw new CliError(`${specRelativePath} already exists; edit it, or pass --force to replace it.`);
    }
    const session = await open();
    const flag = (name: string): string | undefined => {
      const value = options.flags.get(name);
      return typeof value === 'string' ? value : undefined;
    };
    let legacyModule = flag('legacy');
    // Not named `exports`: in tsc's CommonJS output that local would shadow the module's
    // `exports`, through which the compiled code reads `exitCodes`.
    let legacyExports = flag('exports')
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    let preset = flag('preset');
    if (preset !== undefined && !presets[preset])
      throw new CliError(`Unknown preset "${preset}"; known presets are ${Object.keys(presets).join(', ')}.`);
    let reasons: string[] = [];
    if (!legacyModule && preset !== undefined) {
      // The preset names its package; a preset for a local module needs the module that exports its names.
      const fromPreset = presets[preset].legacy?.modules?.[0];
      const wanted = presets[preset].legacy?.exports ?? [];
      const local = fromPreset
        ? undefined
        : (await session.legacyCandidates()).find((c) => !c.preset && wanted.some((name) => c.exports.includes(name)));
      legacyModule = fromPreset ?? local?.module;
      if (!legacyModule)
        throw new CliError(
          `No module of this workspace exports ${wanted.join(' or ')}, which the ${preset} preset migrates; pass --legacy MODULE.`,
        );
      if (local) {
        legacyExports ??= local.exports;
        reasons = local.reasons;
      }
    }
    if (!legacyModule) {
      const candidates = await session.legacyCandidates();
      if (candidates.length === 0)
        throw new CliError(
          'No module looks like a legacy cache (a module that defines or constructs a cache and that two or more files import, or a known cache package); pass --legacy MODULE.',
        );
      const interactive = process.stdin.isTTY && !options.flags.has('yes') && !options.json;
      let choice = 0;
      if (interactive) {
        io.out('Modules that look like the legacy cache, best first:');
        candidates.slice(0, 9).forEach((c, i) => {
          io.out(`  ${i + 1}. ${c.module}${c.preset ? ` (preset ${c.preset})` : ''}`);
          for (const reason of c.reasons) io.out(`       ${reason}`);
        });
        const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
        const answer = await rl.question('Which one is being replaced? [1] ');
        rl.close();
        choice = Math.max(0, Math.min(candidates.length - 1, (Number(answer) || 1) - 1));
      } else if (!options.flags.has('yes')) {
        throw new CliError(
          `Found ${candidates.length} candidate(s), best ${candidates[0].module} (${candidates[0].reasons.join('; ')}); pass --yes to take it or --legacy MODULE to choose.`,
        );
      }
      legacyModule = candidates[choice].module;
      legacyExports ??= candidates[choice].exports;
      preset ??= candidates[choice].preset;
      reasons = candidates[choice].reasons;
    }
    const written = await session.init({
      legacyModule,
      exports: legacyExports,
      target: flag('target'),
      adapter: flag('adapter'),
      id: flag('id'),
      preset,
      force: options.flags.has('force'),
    });
    if ('error' in written) throw new CliError(written.error);
    if (options.json) io.out(JSON.stringify({ written: written.written, spec: JSON.parse(written.text) as unknown, reasons }, null, 2));
    else if ((JSON.parse(written.text) as { legacy?: unknown }).legacy === undefined)
      io.out(
        `Wrote ${specRelativePath} for ${legacyModule} with the ${preset} preset, which supplies the modules, the target, the adapter and the member rules; run "stepwise analyze".`,
      );
    else io.out(`Wrote ${specRelativePath} for ${legacyModule}. Set "target.module" and the member rules, then run "stepwise analyze".`);
    if (!options.json && reasons.length > 0) io.out(`Why: ${reasons.join('; ')}.`);
    return exitCodes.ok;
  },
};

function control(options: Options, io: Io): { progress(message: string): void } {
  return { progress: (message) => (options.json ? undefined : io.err(`… ${message}`)) };
}

/** Exit 0 when it worked, 1 when a verification failed (a finding), 2 when the operation was refused. */
function finish(result: EngineResult, options: Options, io: Io): number {
  const code = result.ok ? exitCodes.ok : result.verificationFailed ? exitCodes.findings : exitCodes.usage;
  if (options.json) {
    io.out(JSON.stringify(result, null, 2));
    return code;
  }
  if (result.ok) {
    io.out(result.message);
    for (const note of result.notes ?? []) io.out(`note: ${note}`);
    return exitCodes.ok;
  }
  io.err(`stepwise: ${result.error}`);
  return code;
}

/** Prints a computed edit as a unified diff (--dry-run), or writes it (checked unchanged, atomic). */
async function applyOrShow(
  session: MigrationSession,
  edit: ComputedEdit | { error: string },
  options: Options,
  io: Io,
  done: string,
): Promise<number> {
  if ('error' in edit) throw new CliError(edit.error);
  if (options.flags.has('dry-run')) {
    if (options.json) {
      io.out(JSON.stringify({ ...summaryOf(edit), diff: edit.files.map((o) => patchOf(o)).join('') }, null, 2));
    } else {
      for (const o of edit.files) io.out(patchOf(o).trimEnd());
      edit.notes.forEach((n) => io.err(`note: ${n}`));
    }
    return exitCodes.ok;
  }
  const applied = await session.apply(edit);
  if (!applied.ok) throw new CliError(applied.error);
  if (options.json) io.out(JSON.stringify(summaryOf(edit), null, 2));
  else {
    io.out(`${done}${edit.createsAdapter ? ' (and created the adapter)' : ''}: ${edit.files.map((o) => o.path).join(', ')}.`);
    edit.notes.forEach((n) => io.out(`note: ${n}`));
  }
  return exitCodes.ok;
}

function summaryOf(edit: ComputedEdit): Record<string, unknown> {
  return {
    path: edit.path,
    files: edit.files.map((f) => f.path),
    createsAdapter: edit.createsAdapter,
    changed: edit.routed,
    notes: edit.notes,
  };
}

function patchOf(o: { path: string; create: boolean; before: string; after: string }): string {
  return createTwoFilesPatch(o.create ? '/dev/null' : `a/${o.path}`, `b/${o.path}`, o.before, o.after, undefined, undefined, {
    context: 3,
  });
}

/** Like toRel, for files that may no longer be source files Stepwise indexes (reverting a deleted file). */
function toRelLoose(session: MigrationSession, options: Options, file: string): string {
  const absolute = path.isAbsolute(file) ? file : path.join(options.root, file);
  const rel = session.relative(absolute);
  if (leavesBase(rel)) throw new CliError(`${file} is outside the workspace ${session.root}.`);
  return rel;
}

function requireFile(options: Options): string {
  const file = options.positional[0];
  if (!file) throw new CliError('This command needs a FILE (workspace-relative or absolute).');
  return file;
}

function toRel(session: MigrationSession, options: Options, file: string): string {
  // A relative FILE names a workspace file; it is taken from the current folder only when that
  // path exists and lies inside the workspace (as when running from a sub-folder of it).
  const fromCwd = path.resolve(file);
  const insideRoot = !leavesBase(path.relative(options.root, fromCwd));
  const absolute = path.isAbsolute(file) ? file : existsSync(fromCwd) && insideRoot ? fromCwd : path.join(options.root, file);
  const rel = session.relative(absolute);
  if (leavesBase(rel)) throw new CliError(`${file} is outside the workspace ${session.root}.`);
  if (!session.index.hasFile(rel))
    throw new CliError(`${rel} is not a source file Stepwise indexes (missing, ignored, or not TypeScript/JavaScript).`);
  return rel;
}

/** The rollout as \`stepwise observe\` prints it: the mode and where it lives, the window's figures, the verdict. */
function describeRollout(state: RolloutState, file: string | undefined, io: Io): void {
  const f = state.figures;
  const where = state.plane.kind === 'redis' ? `Redis at ${state.plane.where}` : 'the file store';
  io.out(
    `${state.migration}: mode ${state.mode}${state.setAt ? ` (set ${localTime(state.setAt)}${state.setBy ? ` by ${state.setBy}` : ''})` : ' (never set: legacy)'}, on ${where}.`,
  );
  if (state.plane.error) io.out(`${where} could not be read: ${state.plane.error} The figures below are what it last said.`);
  if (file && state.window.file !== file) io.out(`${file} is not in observation now; the figures are the migration's current window.`);
  io.out(
    `Window: ${state.window.file ?? 'no file in observation'}${state.window.since ? ` since ${localTime(state.window.since)}` : ''}; stage ${state.mode} for ${Math.floor(state.stage.minutes)} of its ${state.stage.minimumMinutes} minutes.`,
  );
  if (state.processes.length === 0) io.out('No process has reported yet (adapters report every 5 s while they serve calls).');
  else
    io.out(
      `${state.processes.length} process(es) reporting: ${state.processes.map((p) => `${p.instance} (${p.mode}, ${localTime(p.at)})`).join(', ')}.`,
    );
  io.out(
    `Calls: ${f.legacyCalls} legacy, ${f.newCalls} new; ${f.errors} errors, ${f.fallbacks} fallbacks, ${f.readThroughs} read-throughs (${f.fills} back-filled), circuit opened ${f.circuitOpens} time(s).`,
  );
  const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${formatFigure(v)} %`);
  const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${formatFigure(v)} ms`);
  if (f.shadowComparisons > 0)
    io.out(
      `Shadow: ${f.shadowComparisons} compared, agreement ${pct(f.shadowAgreementPercent)}: ${Object.entries(state.categories)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`,
    );
  for (const sample of state.samples)
    io.out(`  ${sample.category} in ${sample.member}(key ${sample.key}): legacy ${sample.legacy}, new ${sample.new}`);
  io.out(
    `p99: legacy ${ms(f.p99LegacyMs)}, new ${ms(f.p99NewMs)}${f.p99IncreasePercent === null ? '' : ` (${f.p99IncreasePercent >= 0 ? '+' : ''}${pct(f.p99IncreasePercent)})`}; error rate ${pct(f.errorRatePercent)}.`,
  );
  const h = state.health;
  if (h && !h.error)
    io.out(
      `Redis: PING ${ms(h.pingMs)}${h.infoError ? `; ${h.infoError}` : `, hit rate ${pct(h.hitRatePercent)} (before the move ${pct(h.baselineHitRatePercent)}), ${h.evictedKeys ?? 0} evictions, ${h.opsPerSecond ?? 0} ops/s`}.`,
    );
  io.out(
    `Verdict: ${state.verdict}: ${state.reasons.join('; ')}.${state.next ? ` Next stage: ${state.next}${state.canNext.ok ? '' : ` (not yet: ${state.canNext.reason})`}.` : ''}`,
  );
  const r = state.lastRollback;
  if (r)
    io.out(
      r.ms === null
        ? `Last rollback (${localTime(r.at)}): not confirmed by ${r.waitingFor.join(', ')}.`
        : `Last rollback (${localTime(r.at)}): every one of ${r.processes} process(es) served from legacy ${formatFigure(r.ms / 1000)} s after it.`,
    );
  const d = state.lastDrill;
  if (d)
    io.out(
      d.ok
        ? `Last drill (${localTime(d.at)}): legacy in ${formatFigure((d.rollbackMs ?? 0) / 1000)} s, ${d.stage} again in ${formatFigure((d.restoreMs ?? 0) / 1000)} s.`
        : `Last drill (${localTime(d.at)}) did not finish: ${d.error ?? 'unknown'}.`,
    );
}

/** The session's host in the CLI: the real clock (or STEPWISE_NOW), trust from --trust or STEPWISE_TRUST, edits on disk. */
function host(options: Options, logger: Logger): SessionHost {
  const trusted = options.flags.has('trust') || process.env.STEPWISE_TRUST === '1';
  const fixed = process.env.STEPWISE_NOW ? Date.parse(process.env.STEPWISE_NOW) : NaN;
  return {
    clock: Number.isFinite(fixed) ? { now: () => fixed } : systemClock,
    logger,
    trusted: () => trusted,
    autoRevert: () => options.flags.has('auto-revert'),
    actor: 'the CLI',
    redis: () => {
      const url = options.flags.get('redis');
      return {
        url: typeof url === 'string' ? url : process.env.STEPWISE_REDIS_URL || undefined,
        password: process.env.STEPWISE_REDIS_PASSWORD || undefined,
        caFile: process.env.STEPWISE_REDIS_CA || undefined,
      };
    },
    // Command output goes to stderr, so --json keeps stdout to one document.
    output: (text) => {
      if (!options.json) process.stderr.write(text);
    },
  };
}

function parseArgs(argv: string[]): { command: string | undefined; options: Options } {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  const valued = new Set([
    'confirm',
    'format',
    'root',
    'legacy',
    'exports',
    'target',
    'adapter',
    'preset',
    'id',
    'reason',
    'out',
    'redis',
    'max-uses',
  ]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2);
      if (inline !== undefined && valued.has(name)) flags.set(name, inline);
      else if (inline !== undefined) {
        // A switch written with a value means what the value says: --trust=false does not trust.
        if (/^(true|1|yes)$/i.test(inline)) flags.set(name, true);
        else if (!/^(false|0|no)$/i.test(inline))
          throw new CliError(`--${name} is a switch: write --${name}, --${name}=true or --${name}=false, not --${name}=${inline}.`);
      } else if (valued.has(name)) {
        const value = argv[i + 1];
        if (value === undefined || value.startsWith('--')) throw new CliError(`--${name} needs a value.`);
        flags.set(name, value);
        i++;
      } else flags.set(name, true);
    } else positional.push(arg);
  }
  const command = positional.shift();
  const root = flags.get('root');
  return {
    command,
    options: { root: path.resolve(typeof root === 'string' ? root : process.cwd()), json: flags.has('json'), flags, positional },
  };
}

/** A file's move (or its cleanup step): out of plan order only with --force and a reason. */
async function move(
  session: MigrationSession,
  rel: string,
  options: Options,
  io: Io,
  step: { cleanup?: boolean; byHand?: boolean },
): Promise<number> {
  const reason = options.flags.get('reason');
  const result = await session.run(
    'migrate',
    rel,
    {
      ...step,
      force: options.flags.has('force'),
      reason: typeof reason === 'string' ? reason : undefined,
      verify: !options.flags.has('no-verify'),
    },
    control(options, io),
  );
  if (!result.ok && result.needsConfirmation) {
    return finish({ ...result, error: `${result.error} Pass --force --reason "why" to go ahead.` }, options, io);
  }
  return finish(result, options, io);
}

const known = new Set([
  'confirm',
  'by-hand',
  'format',
  'root',
  'json',
  'help',
  'dry-run',
  'update',
  'force',
  'yes',
  'legacy',
  'exports',
  'target',
  'adapter',
  'preset',
  'id',
  'trust',
  'reason',
  'no-verify',
  'auto-revert',
  'out',
  'redis',
  'watch',
  'wait',
  'max-uses',
]);

export async function runCli(argv: string[], io: Io): Promise<number> {
  let json = argv.includes('--json');
  let opened: MigrationSession | undefined;
  try {
    const { command, options } = parseArgs(argv);
    json = options.json;
    if (!command || options.flags.has('help') || command === 'help') {
      io.out(usage);
      return command || options.flags.has('help') ? exitCodes.ok : exitCodes.usage;
    }
    const handler = commands[command];
    if (!handler) throw new CliError(`Unknown command "${command}".\n\n${usage}`);
    for (const name of options.flags.keys()) if (!known.has(name)) throw new CliError(`Unknown option --${name}.`);
    if (!existsSync(options.root)) throw new CliError(`The folder ${options.root} does not exist.`);
    const open = async (): Promise<MigrationSession> => {
      const logger: Logger = { error: (m) => io.err(m), warn: () => undefined, info: () => undefined, debug: () => undefined };
      const session = await MigrationSession.open(options.root, host(options, logger));
      opened = session;
      const summary = session.indexSummary();
      if (command !== 'init') {
        if (!session.index.specText()) throw new CliError(`No ${specRelativePath} in ${options.root}; run "stepwise init" to create one.`);
        if (summary.specProblems.some((p) => p.severity === 'error'))
          throw new CliError(`${specRelativePath} is not valid.`, exitCodes.usage, summary.specProblems);
        // Warnings once, on stderr, so --json output stays one document.
        for (const p of summary.specProblems.filter((w) => w.severity === 'warning'))
          io.err(`${specRelativePath}:${p.line}:${p.column}: warning: ${p.message}`);
      }
      return session;
    };
    return await handler(open, options, io);
  } catch (error) {
    return failed(error, json, io);
  } finally {
    // Closes what the session holds open (a Redis connection), so the process can end.
    opened?.dispose();
  }
}

function failed(error: unknown, json: boolean, io: Io): number {
  if (!(error instanceof CliError)) {
    const message = `Stepwise failed unexpectedly: ${(error as Error).stack ?? String(error)}`;
    if (json) io.out(JSON.stringify({ error: message }));
    else io.err(message);
    return exitCodes.usage;
  }
  if (json) io.out(JSON.stringify({ error: error.message, problems: error.problems }, null, 2));
  else {
    io.err(`stepwise: ${error.message}`);
    for (const p of error.problems)
      io.err(`${specRelativePath}:${p.line}:${p.column}: ${p.severity}: ${p.message}${p.path ? ` (at ${p.path})` : ''}`);
  }
  return error.code;
}

/** Runs the CLI as a process: its arguments, its output streams, its exit code. */
export function cliMain(): void {
  // `stepwise … | head` closes the pipe early; that is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  void runCli(process.argv.slice(2), {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  }).then((code) => {
    process.exitCode = code;
  });
}
