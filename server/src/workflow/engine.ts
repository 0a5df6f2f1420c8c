import { existsSync, promises as fs, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Dossier } from '../analysis/types';
import { computeMigrationEdit } from '../operations/migrationEdit';
import type { MigrationEdit } from '../operations/migrationEdit';
import { checkHandCleanup, computeCleanupEdit } from '../operations/cleanupEdit';
import { cleanupPlanEntries, dossierOf, planEntries } from '../operations/overview';
import { FileSystemEdits, prepareEdit, writeFileAtomic } from '../workspace/edits';
import { runtimePathOf } from '../rewrite/runtime/emit';
import { Emitter } from '../util/events';
import { Timer, trackWatcher } from '../util/resources';
import type { Logger } from '../util/logger';
import { faultPoint } from '../util/faults';
import { localTime } from '../util/time';
import type { WorkspaceIndex } from '../workspace/workspaceIndex';
import type { Clock } from './clock';
import { GitProblem, GitRepo, Trailers } from './git';
import { Journal, isJournalEntry } from './journal';
import { RepositoryLock, describeOwner } from './lock';
import { IntentRecord, recoverIntent } from './recovery';
import type { Intent } from './recovery';
import type { JournalEntry } from './journal';
import type { ApprovalGate } from './state';
import { renderReport } from './report';
import { deriveStatus } from './state';
import type { FileStatus, WorkflowStatus } from './state';
import { runChecks, scanLogs, summarize } from './verification';
import type { VerificationResults } from './verification';
import type { Allowed, EngineResult } from '../protocol/wire';
import type { MigrationSpec } from '../spec/types';

export type { EngineResult };

/** The journal entries a session records itself, without the time and migration the engine adds. */
type WithoutStamp<T> = T extends unknown ? Omit<T, 'at' | 'migration'> : never;
export type SessionEvidence = WithoutStamp<
  Extract<JournalEntry, { type: 'rollout' | 'window' | 'sample' | 'redis-baseline' | 'rollback-time' | 'drill' }>
>;

/**
 * The local journal with the evidence other clones shared as git notes (`stepwise sync`), each
 * entry once, oldest first. Lines that do not parse are skipped.
 */
export function withNotes(local: JournalEntry[], notes: Map<string, string>): JournalEntry[] {
  if (notes.size === 0) return local;
  const seen = new Set(local.map((e) => JSON.stringify(e)));
  const merged = [...local];
  for (const text of notes.values()) {
    for (const line of text.split('\n')) {
      if (!line.trim() || seen.has(line)) continue;
      try {
        const entry: unknown = JSON.parse(line);
        if (!isJournalEntry(entry)) continue;
        const canonical = JSON.stringify(entry);
        if (seen.has(canonical)) continue;
        seen.add(canonical);
        merged.push(entry);
      } catch {
        // Not a journal entry.
      }
    }
  }
  return merged.sort((a, b) => a.at - b.at);
}

export interface EngineOptions {
  clock: Clock;
  logger: Logger;
  /** Whether commands from the workspace may run (VS Code workspace trust, or the CLI's --trust). */
  trusted(): boolean;
  /** Whether a failed verification reverts the file at once. */
  autoRevert(): boolean;
  /** Command output as it arrives (the log channel). */
  output(text: string): void;
  /**
   * What the rollout's figures say about approving the file in flight now: undefined when no
   * process reported and the rollout never started (the observation time alone decides).
   */
  approvalGate?(): ApprovalGate | undefined;
  /** Which program acts, as the repository lock tells others ("the CLI", "VS Code"). */
  actor?: string;
}

/** How a long operation reports progress and is cancelled. */
export interface OperationControl {
  progress?(message: string): void;
  signal?: AbortSignal;
}

export interface MigrateOptions {
  /** Asked for as the cleanup step (refused, with the files left, before the cleanup phase). */
  cleanup?: boolean;
  /** Migrate even though lower-risk files come first in the plan. */
  force?: boolean;
  /** Why, when forced (recorded in the commit and the journal). */
  reason?: string;
  /** Run the verification right after the commit (default true). */
  verify?: boolean;
  /** The cleanup step as the person rewrote the file (its uncommitted changes), not computed. */
  byHand?: boolean;
}

/**
 * The per-file workflow: pre-move analysis and baseline, the migration commit, verification
 * against the baseline, the observation timer, approval, and revert. Git is the truth for what
 * is migrated; the journal keeps the evidence. One operation runs at a time per workspace.
 */
export class WorkflowEngine {
  readonly onDidChange = new Emitter<void>();
  readonly onObservationEnded = new Emitter<string>();
  /** An interrupted operation was found and completed or undone: one sentence saying which. */
  readonly onRecovered = new Emitter<string>();
  private repo: Promise<GitRepo> | undefined;
  private busy: string | undefined;
  private activity: { file: string; doing: string } | undefined;
  private watchers: FSWatcher[] = [];
  private readonly changeTimer: Timer;
  private readonly observationTimer: Timer;
  private announced = new Set<string>();
  private watching = false;

  private readonly files: FileSystemEdits;

  constructor(
    readonly index: WorkspaceIndex,
    private readonly options: EngineOptions,
  ) {
    this.files = new FileSystemEdits(index.root, (_rels, texts) => index.filesWritten(texts));
    this.changeTimer = new Timer(index.root);
    this.observationTimer = new Timer(index.root);
  }

  private async git(): Promise<GitRepo> {
    this.repo ??= GitRepo.open(this.index.root);
    try {
      return await this.repo;
    } catch (error) {
      this.repo = undefined;
      throw error;
    }
  }

  private async journal(): Promise<Journal> {
    this.journalFile ??= Journal.in((await this.git()).stateDir());
    return this.journalFile;
  }

  private journalFile: Journal | undefined;

  /** Whether this engine's running operation wrote an intent record (removed when it ends). */
  private intentWritten = false;

  private async intents(): Promise<IntentRecord> {
    return new IntentRecord((await this.git()).stateDir());
  }

  private async recordIntent(intent: Intent): Promise<void> {
    await (await this.intents()).write(intent);
    this.intentWritten = true;
  }

  private async intentDone(): Promise<void> {
    if (!this.intentWritten) return;
    await (await this.intents()).clear();
    this.intentWritten = false;
  }

  /** Watches git and the journal, so changes from the CLI, a terminal or another window show up. */
  async startWatching(): Promise<void> {
    this.watching = true;
    let repo: GitRepo;
    try {
      repo = await this.git();
    } catch {
      return;
    }
    await fs.mkdir(repo.stateDir(), { recursive: true }).catch(() => undefined);
    for (const dir of [repo.gitDir, path.join(repo.gitDir, 'logs'), repo.stateDir()]) {
      if (!existsSync(dir)) continue;
      try {
        this.watchers.push(
          trackWatcher(
            this.index.root,
            watch(dir, { persistent: false }, () => this.changedSoon()),
          ),
        );
      } catch (error) {
        this.options.logger.warn(`Cannot watch ${dir} for git changes: ${(error as Error).message}`);
      }
    }
    await this.armObservationTimer();
  }

  dispose(): void {
    this.watching = false;
    for (const w of this.watchers) w.close();
    this.watchers = [];
    this.changeTimer.clear();
    this.observationTimer.clear();
  }

  private changedSoon(): void {
    this.changeTimer.set(() => {
      this.onDidChange.fire();
      // An operation's own commits and journal entries are read once, when it ends.
      if (!this.busy) void this.armObservationTimer();
    }, 150);
  }

  /** Re-checks the observation deadlines now (after the test clock moved, for instance). */
  async clockChanged(): Promise<void> {
    this.onDidChange.fire();
    await this.armObservationTimer();
  }

  // ---- status --------------------------------------------------------------------------------

  /**
   * Every file's state, what each allows and its evidence. Computed again only when something it
   * depends on changed — HEAD, the journal's length, the analysis (usages, imports, routing, not
   * mere offsets), the spec, trust — or an observation deadline passed; otherwise the last answer
   * stands. While an operation runs, `lastStatus` is what every surface shows, with the activity.
   */
  async status(): Promise<WorkflowStatus> {
    return { ...(await this.derived()), activity: this.activity ?? null };
  }

  /** The status as last computed, without reading anything, with the current activity. */
  lastStatus(): WorkflowStatus | undefined {
    return this.cached ? { ...this.cached.status, activity: this.activity ?? null } : undefined;
  }

  /** Whether an operation is running (its own writes and commits are shown when it ends). */
  isBusy(): boolean {
    return this.busy !== undefined;
  }

  /** How many times the status was computed in full (the cost test reads it). */
  statusComputations = 0;
  private cached: { key: string; validUntil: number; status: WorkflowStatus } | undefined;

  private async derived(): Promise<WorkflowStatus> {
    await this.index.whenIdle();
    const spec = this.index.currentSpec();
    const migration = spec?.id ?? '';
    let blocked: string | undefined = spec ? undefined : 'There is no valid .stepwise/migration.json.';
    let repo: GitRepo | undefined;
    let head: string | undefined;
    let journalSize = -1;
    try {
      repo = await this.git();
      head = await repo.head();
      journalSize = await (await this.journal()).size();
      // A history cut off by `git clone --depth` may hide a migration commit still in flight.
      if (await repo.isShallow())
        blocked ??=
          'This clone is shallow (git clone --depth), so its history may hide a migration commit still in flight; run "git fetch --unshallow" first.';
    } catch (error) {
      blocked ??= (error as Error).message;
    }
    const now = this.options.clock.now();
    const key = JSON.stringify([
      migration,
      spec?.observation.requireApproval,
      specGeneration(spec),
      this.options.trusted(),
      head,
      journalSize,
      blocked,
      analysisSignature(this.index),
      this.options.approvalGate?.(),
      repo ? await repo.notesHead() : undefined,
    ]);
    if (this.cached?.key === key && now < this.cached.validUntil) return this.cached.status;
    this.statusComputations++;
    const plan = spec ? planEntries(this.index) : [];
    const usages = new Map(this.index.allAnalyses().map((a) => [a.path, a.usages.length] as const));
    let history: Awaited<ReturnType<GitRepo['history']>> = [];
    let journal: JournalEntry[] = [];
    try {
      if (repo) {
        history = head ? await repo.history(head) : [];
        journal = withNotes(await (await this.journal()).read(), await repo.notes().catch(() => new Map<string, string>()));
        if (!head) blocked ??= 'The repository has no commit yet; commit the current state first.';
      }
    } catch (error) {
      blocked ??= (error as Error).message;
    }
    const common = { history, journal, head, now, requireApproval: spec?.observation.requireApproval ?? true, blocked };
    const route = deriveStatus({
      ...common,
      migration,
      plan,
      usages,
      trusted: this.options.trusted(),
      approvalGate: this.options.approvalGate?.(),
    });
    const status = spec && routeComplete(route) ? this.cleanupStatus(spec, common) : { ...route, phase: 'route' as const };
    // The answer holds until the next observation deadline, when a state turns by the clock alone.
    const deadlines = status.files.map((f) => (f.observeUntil ? Date.parse(f.observeUntil) : Infinity)).filter((t) => t > now);
    this.cached = { key, validUntil: Math.min(Infinity, ...deadlines), status };
    return status;
  }

  /**
   * The cleanup phase, once every file of the plan is approved on the adapter: the files that
   * still use the old API through it move onto the new API one at a time, through the same gates
   * (their commits and evidence carry `<id>/cleanup`). The rollout's figures judge the adapter,
   * not these commits, so they do not gate approval here. Once nothing imports the adapter, it may
   * be removed; once it is gone, the migration is done.
   */
  private cleanupStatus(
    spec: MigrationSpec,
    common: Pick<Parameters<typeof deriveStatus>[0], 'history' | 'journal' | 'head' | 'now' | 'requireApproval' | 'blocked'>,
  ): WorkflowStatus {
    const migration = cleanupIdOf(spec.id);
    // A file whose cleanup was refused at this HEAD and that no longer uses the old API is being rewritten by hand.
    const recorded = new Map(
      common.journal.flatMap((e) =>
        e.type === 'dossier' && e.migration === migration && e.head === common.head ? [[e.file, e.dossier] as const] : [],
      ),
    );
    const { entries, usages } = cleanupPlanEntries(this.index, recorded);
    const status = deriveStatus({ ...common, migration, plan: entries, usages, trusted: this.options.trusted() });
    const adapterExists = this.index.hasFile(spec.adapter.module);
    const importers = this.index.graph.dependents(spec.adapter.module);
    const unfinished = status.files.filter((f) => f.state !== 'approved');
    const removeAdapter: Allowed = common.blocked
      ? { ok: false, reason: common.blocked }
      : !adapterExists
        ? { ok: false, reason: `${spec.adapter.module} is already removed.` }
        : unfinished.length > 0
          ? { ok: false, reason: `Finish the cleanup first: ${unfinished.map((f) => `${f.path} (${f.state})`).join(', ')}.` }
          : importers.length > 0
            ? { ok: false, reason: `${importers.join(', ')} still import${importers.length === 1 ? 's' : ''} ${spec.adapter.module}.` }
            : { ok: true };
    return { ...status, phase: adapterExists || unfinished.length > 0 ? 'cleanup' : 'done', removeAdapter, adapter: spec.adapter.module };
  }

  private absolute(rel: string): string {
    return path.join(this.index.root, ...rel.split('/'));
  }

  /** Says what the running operation is doing now; every surface shows it until the next step. */
  private doing(file: string, doing: string): void {
    if (this.activity?.file === file && this.activity.doing === doing) return;
    this.activity = { file, doing };
    this.onDidChange.fire();
  }

  private async fileStatus(file: string): Promise<{ all: WorkflowStatus; file: FileStatus | undefined }> {
    const all = await this.status();
    return { all, file: all.files.find((f) => f.path === file) };
  }

  // ---- operations ----------------------------------------------------------------------------

  /** Records the pre-move dossier and the baseline (tests, type check, benchmark, logs). */
  analyze(file: string, control: OperationControl = {}): Promise<EngineResult> {
    return this.exclusive(`analysing ${file}`, file, async () => {
      this.doing(file, 'recording the baseline');
      const { file: status, all } = await this.fileStatus(file);
      if (all.blocked) return fail(file, all.blocked);
      if (!status) return fail(file, `${file} does not use the legacy API.`);
      if (!status.allowed.analyze.ok) return fail(file, status.allowed.analyze.reason ?? 'Not allowed now.');
      const baseline = await this.ensureDossierAndBaseline(file, control);
      if (control.signal?.aborted) return fail(file, `Cancelled; no baseline of ${file} was recorded.`);
      return ok(file, `Recorded the pre-move analysis and baseline of ${file}: ${summarize(baseline)}.`);
    });
  }

  /**
   * Migrates one file: checks every gate, records what is missing from the pre-move analysis,
   * applies the adapter routing, commits exactly that file (and the adapter the first time) with
   * trailers, then verifies it against the baseline and starts the observation timer.
   */
  migrate(file: string, options: MigrateOptions = {}, control: OperationControl = {}): Promise<EngineResult> {
    return this.exclusive(`migrating ${file}`, file, async () => {
      const spec = this.index.currentSpec();
      if (!spec || this.index.specProblems().some((p) => p.severity === 'error')) {
        return fail(file, 'The spec has errors; fix .stepwise/migration.json before migrating.');
      }
      let repo: GitRepo;
      try {
        repo = await this.git();
        await repo.assertCanCommit();
      } catch (error) {
        return fail(file, (error as Error).message);
      }
      const { all, file: status } = await this.fileStatus(file);
      if (all.blocked) return fail(file, all.blocked);
      if (all.phase === 'done') return fail(file, `The migration is done: ${spec.adapter.module} is removed, nothing uses the old API.`);
      const cleanup = all.phase === 'cleanup';
      if (options.cleanup && !cleanup) return fail(file, notYetCleanup(all));
      if (options.byHand && !cleanup) return fail(file, notYetCleanup(all));
      // A file of the cleanup that no longer uses the old API, with uncommitted changes: the person
      // rewrote it after its cleanup was refused, so this step commits their rewrite.
      const byHand =
        cleanup &&
        (options.byHand === true ||
          (status !== undefined &&
            status.usages === 0 &&
            status.planPosition !== null &&
            !status.commit &&
            (await repo.changedPaths([file])).length > 0));
      const migration = all.migration;
      const computeEdit = (): MigrationEdit =>
        byHand
          ? checkHandCleanup(this.index, file)
          : cleanup
            ? computeCleanupEdit(this.index, file)
            : computeMigrationEdit(this.index, file);
      if (byHand && !status)
        return fail(
          file,
          `${file} is not in the cleanup: stash your changes and run "stepwise cleanup ${file}" first (it records the baseline, and says what it cannot rewrite), then restore them and run this again.`,
        );
      if (!status || (status.planPosition === null && !status.commit)) {
        // Say why there is nothing to migrate: the edit computation knows (e.g. "migrate X instead").
        return fail(file, computeEdit().error ?? `${file} does not use the legacy API, so there is nothing to migrate.`);
      }
      if (!status.allowed.migrate.ok) return fail(file, status.allowed.migrate.reason ?? 'Not allowed now.');
      const untouched = async (paths: string[]): Promise<string | undefined> => {
        for (const rel of paths)
          if (await this.unsavedText(rel)) return `${rel} has unsaved changes in the editor; save or revert them first.`;
        const dirty = await repo.changedPaths(paths);
        if (dirty.length === 0) return undefined;
        return `${dirty.join(' and ')} ${dirty.length === 1 ? 'has' : 'have'} uncommitted changes; commit or stash them first, so the migration commit holds only the migration.`;
      };
      const touched = cleanup ? [file] : [file, spec.adapter.module];
      let byHandWith: string[] = [];
      let byHandNotes: string[] = [];
      if (byHand) {
        const rewrite = await this.handRewrite(repo, file, all.migration);
        if ('error' in rewrite) return fail(file, rewrite.error);
        ({ with: byHandWith, notes: byHandNotes } = rewrite);
      } else {
        const untouchedProblem = await untouched(touched);
        if (untouchedProblem) return fail(file, untouchedProblem);
      }

      // Asked only once nothing else stands in the way, so a confirmation is never wasted.
      const needsReason = status.allowed.migrate.needsReason;
      if (needsReason && !options.force) return { ok: false, file, needsConfirmation: true, error: needsReason };
      this.doing(file, 'recording the baseline');
      const baseline = await this.ensureDossierAndBaseline(file, control, migration, byHand);
      if (control.signal?.aborted) return fail(file, `Cancelled before the migration commit; ${file} was not changed.`);
      // A verify command that cannot run would fail every verification: fix the spec first.
      if (baseline.specProblem) return fail(file, `${baseline.specProblem} Fix "verify" in the spec; ${file} was not changed.`);
      control.progress?.(cleanup ? `Rewriting ${file} to the new API` : `Routing ${file} through the adapter`);
      const edit = computeEdit();
      if (edit.error) return fail(file, edit.error);
      for (const user of byHandWith)
        edit.notes.push(`${user} is committed with it: it uses the caches ${file} makes, and you changed it too.`);
      edit.notes.push(...byHandNotes);
      // A cleanup may change a helper only this file imports (its options): the same checks apply to it.
      const extraProblem = await untouched(edit.files.map((f) => f.path).filter((p) => !touched.includes(p)));
      if (extraProblem) return fail(file, extraProblem);

      const risk = status.risk ? `${status.risk.level} ${status.risk.score.toFixed(2)}` : 'unknown';
      const reason = options.force && needsReason ? options.reason?.trim() || 'confirmed out of plan order' : undefined;
      const logOffsets = spec.verify.logs ? (await scanLogs(this.index.root, spec.verify.logs.glob, spec.verify.logs.pattern)).offsets : {};
      const before = (await repo.head()) ?? '';
      await this.recordIntent({
        op: 'migrate',
        file,
        migration,
        head: before,
        base: baseline.head,
        // A rewrite by hand is the person's: an interrupted commit must never put it back from HEAD.
        paths: byHand ? [] : edit.files.map((f) => f.path),
        created: edit.files.filter((f) => f.create).map((f) => f.path),
        createsAdapter: edit.createsAdapter,
        risk,
        forced: reason,
        logOffsets,
        at: this.options.clock.now(),
        pid: process.pid,
      });
      faultPoint('migrate:intent-written');
      // Written on disk (a commit needs the files there), checked unchanged, with a way back.
      const applied = await this.files.apply(
        prepareEdit(
          edit.files,
          (rel) => this.index.textOf(rel),
          (rel) => this.index.versionOf(rel),
        ),
      );
      if (!applied.ok) return fail(file, applied.error);
      faultPoint('migrate:files-written');
      const restore = (): Promise<void> => applied.restore();
      const paths = byHand ? [file, ...byHandWith] : edit.files.map((f) => f.path);
      const message = [
        cleanup ? `stepwise: rewrite ${file} to the new API` : `stepwise: route ${file} through the adapter`,
        '',
        cleanup
          ? `Cleanup of migration "${spec.title}" (${spec.id}): ${file} now uses ${spec.target.module} directly instead of ${spec.adapter.module}.${
              paths.length > 1 ? ` With it: ${paths.filter((p) => p !== file).join(', ')}, which only it imports.` : ''
            }`
          : `Migration "${spec.title}" (${spec.id}): ${file} now imports the legacy API from ${spec.adapter.module}${edit.createsAdapter ? ', which this commit creates' : ''}.`,
        byHand ? `Rewritten by hand, committed and verified through Stepwise.` : '',
        status.risk ? `Risk ${status.risk.level} (${status.risk.score.toFixed(2)}): ${status.risk.reasons.join(' ')}` : '',
        reason ? `Out of plan order: ${reason}` : '',
        '',
        `${Trailers.migration}: ${migration}`,
        `${Trailers.file}: ${file}`,
        `${Trailers.risk}: ${risk}`,
        `${Trailers.baseline}: ${summarize(baseline)}`,
      ]
        .filter((line, i, lines) => line !== '' || lines[i - 1] !== '')
        .join('\n');
      let commit: string;
      try {
        control.progress?.(`Committing ${file}`);
        this.doing(file, 'committing');
        commit = await repo.commitPaths(paths, `${message}\n`, restore);
      } catch (error) {
        if (error instanceof GitProblem && error.output) this.options.output(`${error.output}\n`);
        return fail(file, (error as Error).message);
      }
      faultPoint('migrate:committed');
      const by = repo.authorOf(commit) ?? (await repo.identity());
      const journal = await this.journal();
      await journal.append({
        type: 'migrated',
        at: this.options.clock.now(),
        migration,
        file,
        commit,
        base: baseline.head,
        createdAdapter: edit.createsAdapter,
        risk,
        by,
        forced: reason,
        logOffsets,
      });
      faultPoint('migrate:recorded');
      await this.intentDone();
      await this.noteEvidence(file, commit);
      this.onDidChange.fire();
      const committed = cleanup
        ? `Committed ${commit.slice(0, 8)}: ${file} uses the new API directly.`
        : `Committed ${commit.slice(0, 8)}: ${file} is routed through the adapter${edit.createsAdapter ? ' (the adapter was created)' : ''}.`;
      if (options.verify === false) return { ok: true, file, commit, message: committed, notes: edit.notes };
      const verified = await this.verifyNow(file, control);
      return verified.ok
        ? { ...verified, commit, message: `${committed} ${verified.message}`, notes: edit.notes }
        : { ...verified, error: `${committed} ${verified.error}` };
    });
  }

  /** Verifies a migrated file against its baseline; starts the observation timer when it passes. */
  verify(file: string, control: OperationControl = {}): Promise<EngineResult> {
    return this.exclusive(`verifying ${file}`, file, () => this.verifyNow(file, control));
  }

  private async verifyNow(file: string, control: OperationControl): Promise<EngineResult> {
    const spec = this.index.currentSpec();
    if (!spec) return fail(file, 'There is no valid spec.');
    const { all, file: status } = await this.fileStatus(file);
    if (!status?.commit) return fail(file, `${file} has no migration commit to verify.`);
    if (!status.allowed.verify.ok) return fail(file, status.allowed.verify.reason ?? 'Not allowed now.');
    this.doing(file, 'verifying');
    const entries = await (await this.journal()).read();
    const migrated = [...entries].reverse().find((e) => e.type === 'migrated' && e.commit === status.commit);
    const baselineHead = migrated?.type === 'migrated' ? migrated.base : undefined;
    const baseline = [...entries].reverse().find((e) => e.type === 'baseline' && e.head === baselineHead);
    const results = await runChecks(
      this.checkContext(file, status.commit, control),
      'verification',
      baseline?.type === 'baseline' ? baseline.results : undefined,
      // Unknown in a clone that did not make the migration: old lines cannot be told from new ones.
      migrated?.type === 'migrated' ? migrated.logOffsets : undefined,
    );
    // A cancel is not a failed verification: nothing is recorded (and nothing reverted).
    if (control.signal?.aborted)
      return fail(file, `The verification of ${file} was cancelled, so nothing was recorded; verify it again when ready.`);
    if (!baseline)
      results.skipped.push('comparison with the baseline: none was recorded before this migration (e.g. it was made in another clone)');
    const journal = await this.journal();
    const now = this.options.clock.now();
    await journal.append({ type: 'verification', at: now, migration: all.migration, file, commit: status.commit, results, ok: results.ok });
    await this.noteEvidence(file, status.commit);
    if (!results.ok) {
      this.onDidChange.fire();
      const failed = `Verification of ${file} failed: ${results.failures.join(' ')}`;
      if (this.options.autoRevert()) {
        const reverted = await this.revertNow(file, 'automatic revert after a failed verification', control);
        return { ok: false, file, error: `${failed} ${reverted.ok ? reverted.message : reverted.error}`, verificationFailed: true };
      }
      return { ok: false, file, error: `${failed} Revert it, or fix the cause and verify again.`, verificationFailed: true };
    }
    const until = now + spec.observation.hours * 3600_000;
    await journal.append({ type: 'observing', at: now, migration: all.migration, file, commit: status.commit, until });
    await this.noteEvidence(file, status.commit);
    this.announced.delete(file);
    this.onDidChange.fire();
    const skipped = results.skipped.filter((s) => s.includes('not trusted'));
    return {
      ok: true,
      file,
      verification: results,
      message: `Verification passed (${summarize(results)}); observing until ${localTime(until)}.${skipped.length > 0 ? ` Skipped: ${skipped.join('; ')}.` : ''}`,
    };
  }

  /** Records the approval of a file whose observation ended: an empty commit carrying who and when. */
  approve(file: string): Promise<EngineResult> {
    return this.exclusive(`approving ${file}`, file, async () => {
      const spec = this.index.currentSpec();
      if (!spec) return fail(file, 'There is no valid spec.');
      const { all, file: status } = await this.fileStatus(file);
      if (!status?.commit) return fail(file, `${file} has no migration commit to approve.`);
      if (!status.allowed.approve.ok) return fail(file, status.allowed.approve.reason ?? 'Not allowed now.');
      const repo = await this.git();
      try {
        await repo.assertCanCommit();
      } catch (error) {
        return fail(file, (error as Error).message);
      }
      this.doing(file, 'approving');
      const by = await repo.identity();
      const message = [
        `stepwise: approve ${file}`,
        '',
        `Observed from the verification until ${status.observeUntil ? localTime(status.observeUntil) : '?'}; approved by ${by.name} <${by.email}>.`,
        '',
        `${Trailers.migration}: ${all.migration}`,
        `${Trailers.file}: ${file}`,
        `${Trailers.approves}: ${status.commit}`,
        `${Trailers.approver}: ${by.name} <${by.email}>`,
        `${Trailers.observed}: until ${status.observeUntil ?? '?'}`,
      ].join('\n');
      let approvalCommit: string;
      await this.recordIntent({
        op: 'approve',
        file,
        migration: all.migration,
        head: (await repo.head()) ?? '',
        commit: status.commit,
        at: this.options.clock.now(),
        pid: process.pid,
      });
      try {
        approvalCommit = await repo.commitEmpty(`${message}\n`);
        faultPoint('approve:committed');
      } catch (error) {
        return fail(file, (error as Error).message);
      }
      await (
        await this.journal()
      ).append({
        type: 'approved',
        at: this.options.clock.now(),
        migration: all.migration,
        file,
        commit: status.commit,
        by,
        approvalCommit,
      });
      await this.intentDone();
      await this.noteEvidence(file, status.commit);
      this.onDidChange.fire();
      return ok(file, `Approved ${file} (${approvalCommit.slice(0, 8)}); the next file is unlocked.`, approvalCommit);
    });
  }

  /** Reverts a file's migration commit with `git revert`; the file goes back to pending. */
  revert(file: string, reason = 'reverted from Stepwise', control: OperationControl = {}): Promise<EngineResult> {
    return this.exclusive(`reverting ${file}`, file, () => this.revertNow(file, reason, control));
  }

  private async revertNow(file: string, reason: string, control: OperationControl): Promise<EngineResult> {
    const spec = this.index.currentSpec();
    if (!spec) return fail(file, 'There is no valid spec.');
    const { all, file: status } = await this.fileStatus(file);
    if (!status?.commit) return fail(file, `${file} has no migration commit to revert.`);
    const repo = await this.git();
    const files = await repo.filesOf(status.commit);
    for (const rel of files) {
      if (await this.unsavedText(rel)) return fail(file, `${rel} has unsaved changes in the editor; save or revert them first.`);
    }
    const dirty = await repo.changedPaths(files);
    if (dirty.length > 0)
      return fail(
        file,
        `${dirty.join(', ')} ${dirty.length === 1 ? 'has' : 'have'} uncommitted changes; commit or stash them before reverting.`,
      );
    if (files.includes(spec.adapter.module)) {
      const later = all.files.filter((f) => f.path !== file && f.commit);
      if (later.length > 0) {
        return fail(
          file,
          `${status.commit.slice(0, 8)} created the adapter, which ${later.map((f) => f.path).join(', ')} still use${later.length === 1 ? 's' : ''}; revert ${later.length === 1 ? 'that file' : 'those files'} first.`,
        );
      }
      // Files that import the adapter without a migration commit (edited by hand, or new) would break too.
      const importers = this.index.graph.dependents(spec.adapter.module).filter((f) => f !== file && !files.includes(f));
      if (importers.length > 0) {
        const shown = importers.slice(0, 5).join(', ') + (importers.length > 5 ? ` and ${importers.length - 5} more` : '');
        return fail(
          file,
          `${status.commit.slice(0, 8)} created the adapter, and ${shown} import${importers.length === 1 ? 's' : ''} it outside Stepwise's migrations; reverting would break ${importers.length === 1 ? 'it' : 'them'}, so change ${importers.length === 1 ? 'that import' : 'those imports'} first.`,
        );
      }
    }
    control.progress?.(`Reverting ${status.commit.slice(0, 8)}`);
    this.doing(file, 'reverting');
    let revertCommit: string;
    await this.recordIntent({
      op: 'revert',
      file,
      migration: all.migration,
      head: (await repo.head()) ?? '',
      commit: status.commit,
      paths: files,
      reason,
      at: this.options.clock.now(),
      pid: process.pid,
    });
    faultPoint('revert:intent-written');
    try {
      revertCommit = await repo.revert(status.commit);
      faultPoint('revert:committed');
    } catch (error) {
      if (error instanceof GitProblem && error.output) this.options.output(`${error.output}\n`);
      return fail(file, (error as Error).message);
    }
    const by = repo.authorOf(revertCommit) ?? (await repo.identity());
    await (
      await this.journal()
    ).append({
      type: 'reverted',
      at: this.options.clock.now(),
      migration: all.migration,
      file,
      commit: status.commit,
      revertCommit,
      by,
      reason,
    });
    await this.intentDone();
    await this.noteEvidence(file, status.commit);
    await this.index.filesChangedOnDisk(files);
    this.onDidChange.fire();
    return ok(
      file,
      `Reverted ${status.commit.slice(0, 8)} with ${revertCommit.slice(0, 8)}: ${file} ${all.phase === 'cleanup' ? 'uses the adapter again' : 'uses the legacy module again'}.`,
      revertCommit,
    );
  }

  /**
   * Removes the adapter once nothing imports it: deletes the adapter module and its runtime and,
   * for a package migration, the legacy package from package.json, in one commit. A one-way door:
   * the runtime rollback goes with it, so `confirmation` must be the adapter's path, typed.
   */
  removeAdapter(confirmation: string): Promise<EngineResult> {
    return this.exclusive('removing the adapter', '', async () => {
      const spec = this.index.currentSpec();
      if (!spec) return fail('', 'There is no valid spec.');
      const adapter = spec.adapter.module;
      const status = await this.status();
      if (!status.removeAdapter?.ok) return fail(adapter, status.removeAdapter?.reason ?? notYetCleanup(status));
      if (confirmation.trim() !== adapter)
        return fail(
          adapter,
          `Removing the adapter is a one-way door (the runtime rollback goes with it); type its path, ${adapter}, to confirm. Nothing was changed.`,
        );
      const repo = await this.git();
      try {
        await repo.assertCanCommit();
      } catch (error) {
        return fail(adapter, (error as Error).message);
      }
      const runtime = runtimePathOf(adapter);
      const removed = [adapter, runtime].filter((rel) => existsSync(this.absolute(rel)));
      const manifest = 'package.json';
      const manifestText = existsSync(this.absolute(manifest)) ? await fs.readFile(this.absolute(manifest), 'utf8') : undefined;
      const withoutLegacy =
        manifestText === undefined ? undefined : withoutDependencies(manifestText, [...this.index.legacyModules().packages]);
      const changedManifest = withoutLegacy !== undefined && withoutLegacy.text !== manifestText;
      const paths = [...removed, ...(changedManifest ? [manifest] : [])];
      for (const rel of paths)
        if (await this.unsavedText(rel)) return fail(adapter, `${rel} has unsaved changes in the editor; save or revert them first.`);
      const dirty = await repo.changedPaths(paths);
      if (dirty.length > 0)
        return fail(adapter, `${dirty.join(', ')} ${dirty.length === 1 ? 'has' : 'have'} uncommitted changes; commit or stash them first.`);
      const originals = new Map<string, string>();
      for (const rel of paths) originals.set(rel, await fs.readFile(this.absolute(rel), 'utf8'));
      const restore = async (): Promise<void> => {
        for (const [rel, text] of originals) await writeFileAtomic(this.absolute(rel), text);
      };
      this.doing(adapter, 'removing the adapter');
      const by = await repo.identity();
      let commit: string;
      try {
        for (const rel of removed) await fs.rm(this.absolute(rel));
        if (changedManifest && withoutLegacy) await writeFileAtomic(this.absolute(manifest), withoutLegacy.text);
        const message = [
          'stepwise: remove the adapter',
          '',
          `Migration "${spec.title}" (${spec.id}) is done: nothing imports ${adapter} any more, so it is removed${removed.includes(runtime) ? ` with ${runtime}` : ''}${
            changedManifest && withoutLegacy
              ? `, and ${withoutLegacy.removed.join(', ')} ${withoutLegacy.removed.length === 1 ? 'leaves' : 'leave'} package.json`
              : ''
          }. The runtime rollback is gone with it; going back means reverting this commit and the cleanup commits.`,
          '',
          `${Trailers.migration}: ${spec.id}`,
          `${Trailers.removesAdapter}: ${adapter}`,
          `${Trailers.approver}: ${by.name} <${by.email}>`,
        ].join('\n');
        commit = await repo.commitPaths(paths, `${message}\n`, restore);
      } catch (error) {
        await restore().catch(() => undefined);
        if (error instanceof GitProblem && error.output) this.options.output(`${error.output}\n`);
        return fail(adapter, (error as Error).message);
      }
      await (
        await this.journal()
      ).append({ type: 'adapter-removed', at: this.options.clock.now(), migration: spec.id, commit, by, removed: paths });
      await this.index.filesChangedOnDisk(paths);
      this.onDidChange.fire();
      return ok(adapter, `Removed ${paths.join(', ')} (${commit.slice(0, 8)}); the migration is done.`, commit);
    });
  }

  /** The markdown migration report: plan, per-file evidence, timeline, rollback instructions. */
  async report(): Promise<string> {
    const status = await this.status();
    let entries: JournalEntry[] = [];
    try {
      entries = await this.allEntries();
    } catch {
      // Without git there is no journal; the report says what it can.
    }
    const spec = this.index.currentSpec();
    return renderReport({ spec, status, journal: entries, now: this.options.clock.now(), dossiers: (f) => dossierOf(this.index, f) });
  }

  /** The pre-move analysis last recorded for a file (before its move), if any. */
  async recordedDossier(file: string): Promise<Dossier | undefined> {
    let entries: JournalEntry[];
    try {
      entries = await this.allEntries();
    } catch {
      return undefined;
    }
    const spec = this.index.currentSpec();
    const entry = [...entries].reverse().find((e) => e.type === 'dossier' && e.file === file && (!spec || e.migration === spec.id));
    return entry?.type === 'dossier' ? { ...entry.dossier, recorded: { at: entry.at, head: entry.head } } : undefined;
  }

  /** Appends evidence the session gathered after the move (rollout changes, samples, drills). */
  async record(entry: SessionEvidence): Promise<void> {
    const spec = this.index.currentSpec();
    if (!spec) return;
    await (await this.journal()).append({ ...entry, at: this.options.clock.now(), migration: spec.id });
    if (entry.type === 'sample') return;
    // Milestones of the rollout go with the file in flight's evidence.
    const inFlight = this.cached?.status.files.find((f) => f.path === this.cached?.status.inFlight);
    if (inFlight?.commit) await this.noteEvidence(inFlight.path, inFlight.commit);
    this.onDidChange.fire();
  }

  /**
   * Writes a migration commit's evidence as its git note (refs/notes/stepwise), so it travels with
   * the repository (`stepwise sync`): every entry about the file since its move, the baseline it
   * was compared with, and the rollout's changes meanwhile. Best effort: the journal stays the
   * source, and a note that cannot be written is logged.
   */
  private async noteEvidence(file: string, commit: string | null): Promise<void> {
    if (!commit) return;
    // During an operation, once at its end (a migration's commit, verification and timer: one note).
    if (this.busy) {
      this.pendingNotes.set(file, commit);
      return;
    }
    await this.writeEvidenceNote(file, commit);
  }

  private readonly pendingNotes = new Map<string, string>();

  private async writeEvidenceNote(file: string, commit: string): Promise<void> {
    const spec = this.index.currentSpec();
    if (!spec) return;
    try {
      const repo = await this.git();
      // With what other clones shared: a teammate's note keeps the whole story.
      const entries = (await this.allEntries()).filter((e) => e.migration === spec.id || e.migration === cleanupIdOf(spec.id));
      const migrated = entries.find((e) => e.type === 'migrated' && e.commit === commit);
      if (migrated?.type !== 'migrated') return;
      const evidence = entries.filter(
        (e) =>
          ('file' in e && e.file === file && (('commit' in e && e.commit === commit) || e.at >= migrated.at || e.type === 'dossier')) ||
          (e.type === 'baseline' && e.head === migrated.base) ||
          ((e.type === 'rollout' || e.type === 'rollback-time' || e.type === 'drill') && e.at >= migrated.at),
      );
      await repo.writeNote(commit, evidence.map((e) => `${JSON.stringify(e)}\n`).join(''));
    } catch (error) {
      this.options.logger.warn(`Could not write the evidence of ${file} as a git note: ${(error as Error).message}`);
    }
  }

  /** Shares the evidence (git notes) with a remote: fetch, merge, push. */
  async syncEvidence(remote: string): Promise<EngineResult> {
    try {
      const message = await (await this.git()).syncNotes(remote);
      this.onDidChange.fire();
      return { ok: true, file: '', message };
    } catch (error) {
      return fail('', (error as Error).message);
    }
  }

  /** This clone's journal with the evidence shared as git notes. */
  private async allEntries(): Promise<JournalEntry[]> {
    const repo = await this.git();
    return withNotes(await (await this.journal()).read(), await repo.notes().catch(() => new Map<string, string>()));
  }

  /** The journal's entries for the current migration (its cleanup included), oldest first. */
  async entries(): Promise<JournalEntry[]> {
    const spec = this.index.currentSpec();
    if (!spec) return [];
    return (await this.allEntries()).filter((e) => e.migration === spec.id || e.migration === cleanupIdOf(spec.id));
  }

  /** Who is acting (git's identity). */
  async who(): Promise<{ name: string; email: string }> {
    return (await this.git()).identity();
  }

  /** A file's text at a commit (for diffs in the editor). */
  async showAt(commit: string, file: string): Promise<string | undefined> {
    return (await this.git()).show(commit, file);
  }

  // ---- helpers -------------------------------------------------------------------------------

  /**
   * The preconditions of a rewrite by hand, and what it commits with its file. The person's rewrite
   * is the change: saved, not yet committed, checked against the baseline recorded before it (the
   * refused cleanup recorded one at this HEAD). It takes with it the files that use the caches this
   * file makes (as that cleanup's recorded analysis lists them) that the person changed too.
   */
  private async handRewrite(
    repo: GitRepo,
    file: string,
    migration: string,
  ): Promise<{ with: string[]; notes: string[] } | { error: string }> {
    if (await this.unsavedText(file)) return { error: `${file} has unsaved changes in the editor; save them first.` };
    if ((await repo.changedPaths([file])).length === 0)
      return { error: `${file} has no uncommitted changes; rewrite it onto the new API by hand first, then run this again.` };
    if (!(await this.hasBaseline(migration)))
      return {
        error: `There is no baseline from before your rewrite of ${file}: stash your changes, run "stepwise cleanup ${file}" (it records one), then restore them and run this again.`,
      };
    const head = (await repo.head()) ?? '';
    const recorded = [...(await (await this.journal()).read())]
      .reverse()
      .find((e) => e.type === 'dossier' && e.file === file && e.migration === migration && e.head === head);
    const users = recorded?.type === 'dossier' ? (recorded.dossier.inheritedBy ?? []).map((i) => i.path) : [];
    const changed = users.length > 0 ? await repo.changedPaths(users) : [];
    const taken = users.filter((u) => changed.includes(u));
    for (const user of taken)
      if (await this.unsavedText(user)) return { error: `${user} has unsaved changes in the editor; save them first.` };
    const notes = users
      .filter((u) => !changed.includes(u))
      .map((user) => `${user} uses the caches ${file} makes and was not changed with it; check that its uses fit the new API.`);
    return { with: taken, notes };
  }

  /** Whether a baseline of this migration was recorded at the current HEAD. */
  private async hasBaseline(migration: string): Promise<boolean> {
    const head = (await (await this.git()).head()) ?? '';
    return (await (await this.journal()).read()).some((e) => e.type === 'baseline' && e.head === head && e.migration === migration);
  }

  /** `recorded`: only a baseline already recorded will do (the working tree is no longer what it measured). */
  private async ensureDossierAndBaseline(
    file: string,
    control: OperationControl,
    migration?: string,
    recorded = false,
  ): Promise<VerificationResults> {
    const spec = this.index.currentSpec();
    if (!spec) throw new Error('There is no valid spec.');
    const id = migration ?? (await this.status()).migration;
    const repo = await this.git();
    const head = (await repo.head()) ?? '';
    const journal = await this.journal();
    const entries = await journal.read();
    const now = this.options.clock.now();
    if (!entries.some((e) => e.type === 'dossier' && e.file === file && e.head === head && e.migration === id)) {
      control.progress?.(`Recording the pre-move analysis of ${file}`);
      const dossier = dossierOf(this.index, file, id === cleanupIdOf(spec.id));
      if (!('error' in dossier)) await journal.append({ type: 'dossier', at: now, migration: id, file, head, dossier });
    }
    const existing = [...entries].reverse().find((e) => e.type === 'baseline' && e.head === head && e.migration === id);
    // A baseline taken without trust is replaced once commands may run.
    if (existing?.type === 'baseline' && (recorded || existing.results.trusted || !this.options.trusted())) return existing.results;
    control.progress?.('Recording the baseline (tests, type check, benchmark)');
    const results = await runChecks(this.checkContext(file, head, control), 'baseline');
    // A baseline cut short by a cancel is no baseline; the next attempt takes it again.
    if (control.signal?.aborted) return results;
    await journal.append({ type: 'baseline', at: now, migration: id, head, results });
    this.onDidChange.fire();
    return results;
  }

  private checkContext(file: string, head: string, control: OperationControl): Parameters<typeof runChecks>[0] {
    const spec = this.index.currentSpec();
    if (!spec) throw new Error('There is no valid spec.');
    return {
      root: this.index.root,
      spec,
      file,
      head,
      now: this.options.clock.now(),
      trusted: this.options.trusted(),
      signal: control.signal,
      output: (text) => this.options.output(text),
      progress: (message) => control.progress?.(message),
      builtInTypecheck: () => Promise.resolve(this.builtInTypecheck(file)),
      checkoutBeside: (commit) => this.checkoutBeside(commit),
    };
  }

  /** A temporary worktree of `commit` outside the workspace, for the side-by-side benchmark. */
  private async checkoutBeside(commit: string): Promise<{ dir: string; dispose(): Promise<void> } | { error: string }> {
    const repo = await this.git();
    const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'stepwise-baseline-'));
    const dir = path.join(parent, 'tree');
    const dispose = async (): Promise<void> => {
      await repo.removeWorktree(dir);
      await fs.rm(parent, { recursive: true, force: true });
    };
    try {
      return { dir: await repo.addWorktree(dir, commit), dispose };
    } catch (error) {
      await dispose();
      return { error: ((error as Error).message.split('\n')[0] ?? '').trim() || 'git worktree failed' };
    }
  }

  /** Errors in the file and the files that depend on it, from Stepwise's own TypeScript. */
  private builtInTypecheck(file: string): Record<string, number> {
    const files = [file, ...this.index.graph.transitiveDependents(file)].slice(0, 200);
    const byFile: Record<string, number> = {};
    for (const rel of files) {
      if (!this.index.hasFile(rel)) continue;
      const errors = this.index.errorCountOf(rel);
      if (errors > 0) byFile[rel] = errors;
    }
    return byFile;
  }

  /** The editor's text when it differs from the disk's (unsaved changes), else undefined. */
  private async unsavedText(rel: string): Promise<string | undefined> {
    if (this.index.versionOf(rel) === null || this.index.versionOf(rel) === undefined) return undefined;
    const text = this.index.textOf(rel);
    const absolute = this.index.paths.toAbsolute(rel);
    const disk = existsSync(absolute) ? await fs.readFile(absolute, 'utf8') : undefined;
    return text !== disk ? text : undefined;
  }

  /**
   * Runs a state-changing operation: one at a time in this engine, and one at a time in the
   * repository across every Stepwise process (the lock in `.git/stepwise/`). An operation another
   * process left interrupted is recovered first, and the result says so.
   */
  private async exclusive(what: string, file: string, work: () => Promise<EngineResult>): Promise<EngineResult> {
    if (this.busy) return fail(file, `Stepwise is busy ${this.busy}; wait for it to finish.`);
    this.busy = what;
    let release: (() => Promise<void>) | undefined;
    try {
      const locked = await this.lock(what);
      if ('error' in locked) return fail(file, locked.error);
      release = locked.release;
      const recovered = locked.recovered;
      const result = await work();
      if (!recovered) return result;
      return result.ok ? { ...result, message: `${recovered} ${result.message}` } : { ...result, error: `${recovered} ${result.error}` };
    } catch (error) {
      this.options.logger.error(`${what} failed: ${(error as Error).stack ?? String(error)}`);
      return fail(file, `${what} failed unexpectedly: ${(error as Error).message}`);
    } finally {
      await this.flushNotes();
      await this.intentDone().catch((error: unknown) => this.options.logger.warn(`Could not remove the intent record: ${String(error)}`));
      await release?.().catch(() => undefined);
      this.busy = undefined;
      this.activity = undefined;
      this.onDidChange.fire();
      // Re-armed once the operation is over (it reads the status the operation left).
      if (this.watching) void this.armObservationTimer();
    }
  }

  /**
   * Runs a change that is not a file's step (a rollout stage, a drill) under the same lock as
   * the workflow's operations, so two processes never steer at once.
   */
  async withLock<T extends { ok: boolean }>(what: string, work: () => Promise<T>): Promise<T | { ok: false; error: string }> {
    if (this.busy) return { ok: false, error: `Stepwise is busy ${this.busy}; wait for it to finish.` };
    this.busy = what;
    let release: (() => Promise<void>) | undefined;
    try {
      const locked = await this.lock(what);
      if ('error' in locked) return { ok: false, error: locked.error };
      release = locked.release;
      return await work();
    } finally {
      await this.flushNotes();
      await release?.().catch(() => undefined);
      this.busy = undefined;
      this.onDidChange.fire();
    }
  }

  /** Writes the evidence notes an operation deferred (one per file, at its end). */
  private async flushNotes(): Promise<void> {
    for (const [noted, commit] of this.pendingNotes) await this.writeEvidenceNote(noted, commit);
    this.pendingNotes.clear();
  }

  /**
   * Takes the repository's lock (none outside a git repository: the operation then says why it
   * cannot run) and recovers what an interrupted operation left.
   */
  private async lock(what: string): Promise<{ release?: () => Promise<void>; recovered?: string } | { error: string }> {
    let repo: GitRepo;
    try {
      repo = await this.git();
    } catch {
      return {};
    }
    const lock = await new RepositoryLock(repo.stateDir()).acquire(what, this.options.actor ?? 'Stepwise');
    if ('heldBy' in lock)
      return {
        error: `Another Stepwise operation is running: ${describeOwner(lock.heldBy)}; wait for it to finish (nothing was changed).`,
      };
    try {
      return { release: lock.release, recovered: await this.recoverLocked(repo) };
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /**
   * Finds an operation another process left interrupted (its intent record) and completes or
   * undoes it, saying which; undefined when there was none, or when another operation runs now.
   */
  async recover(): Promise<string | undefined> {
    if (this.busy) return undefined;
    let repo: GitRepo;
    try {
      repo = await this.git();
    } catch {
      return undefined;
    }
    if (!(await (await this.intents()).read())) return undefined;
    this.busy = 'recovering an interrupted operation';
    try {
      const lock = await new RepositoryLock(repo.stateDir()).acquire(this.busy, this.options.actor ?? 'Stepwise');
      if ('heldBy' in lock) return undefined;
      try {
        return await this.recoverLocked(repo);
      } finally {
        await lock.release();
      }
    } finally {
      this.busy = undefined;
      this.onDidChange.fire();
    }
  }

  private async recoverLocked(repo: GitRepo): Promise<string | undefined> {
    const record = await this.intents();
    const intent = await record.read();
    if (!intent) return undefined;
    const recovery = await recoverIntent(repo, intent, this.options.clock.now());
    const journal = await this.journal();
    const entries = await journal.read();
    const at = this.options.clock.now();
    if (recovery.outcome === 'completed' && recovery.commit) {
      const by = await repo.identity();
      const base = { at, migration: intent.migration, file: intent.file };
      if (intent.op === 'migrate' && !entries.some((e) => e.type === 'migrated' && e.commit === recovery.commit))
        await journal.append({
          ...base,
          type: 'migrated',
          commit: recovery.commit,
          base: intent.base,
          createdAdapter: intent.createsAdapter,
          risk: intent.risk,
          by,
          forced: intent.forced,
          logOffsets: intent.logOffsets,
        });
      if (intent.op === 'revert' && !entries.some((e) => e.type === 'reverted' && e.revertCommit === recovery.commit))
        await journal.append({
          ...base,
          type: 'reverted',
          commit: intent.commit,
          revertCommit: recovery.commit,
          by,
          reason: intent.reason,
        });
      if (intent.op === 'approve' && !entries.some((e) => e.type === 'approved' && e.approvalCommit === recovery.commit))
        await journal.append({ ...base, type: 'approved', commit: intent.commit, by, approvalCommit: recovery.commit });
    }
    if (recovery.outcome !== 'left') await record.clear();
    if (intent.op !== 'approve') await this.index.filesChangedOnDisk(intent.paths);
    this.options.logger.info(recovery.message);
    this.onRecovered.fire(recovery.message);
    return recovery.message;
  }

  /** Fires `onObservationEnded` when a deadline passes; re-armed after every change. */
  private async armObservationTimer(): Promise<void> {
    this.observationTimer.clear();
    let status: WorkflowStatus;
    try {
      status = await this.status();
    } catch {
      return;
    }
    const now = this.options.clock.now();
    let next = Infinity;
    for (const file of status.files) {
      if (!file.observeUntil) continue;
      const until = Date.parse(file.observeUntil);
      if (until > now) next = Math.min(next, until);
      else if (file.state === 'awaiting-approval' && !this.announced.has(file.path)) {
        this.announced.add(file.path);
        this.onObservationEnded.fire(file.path);
      }
    }
    if (next === Infinity) return;
    // Timers longer than ~24 days overflow; re-check at least hourly.
    const delay = Math.min(next - now + 50, 3600_000);
    if (!this.watching) return;
    this.observationTimer.set(() => void this.clockChanged(), delay, { unref: true });
  }
}

const specIds = new WeakMap<object, number>();
let specsSeen = 0;

/** A number that changes whenever the spec object is replaced (a new valid spec was loaded). */
function specGeneration(spec: object | undefined): number {
  if (!spec) return 0;
  let id = specIds.get(spec);
  if (id === undefined) {
    id = ++specsSeen;
    specIds.set(spec, id);
  }
  return id;
}

/**
 * What the status depends on in the analysis: per file, its usages, routing issues, import sites
 * and import edges. Offsets are left out, so an edit that only moves code changes nothing.
 */
function analysisSignature(index: WorkspaceIndex): string {
  return index
    .allAnalyses()
    .map(
      (a) =>
        `${a.path}:${a.usages.length}:${a.usages.filter((u) => u.incompatible).length}:${a.routingIssues.length}:${a.importSites.length}:${index.graph.dependents(a.path).length}`,
    )
    .join('|');
}

function ok(file: string, message: string, commit?: string): EngineResult {
  return { ok: true, file, message, commit };
}

function fail(file: string, error: string): EngineResult & { ok: false } {
  return { ok: false, file, error };
}

/** Every file of the route phase is approved on the adapter (and there was at least one). */
function routeComplete(route: WorkflowStatus): boolean {
  return !route.blocked && route.files.length > 0 && route.files.every((f) => f.state === 'approved');
}

/** The migration id of a migration's cleanup phase, carried by its commits and evidence. */
export function cleanupIdOf(migration: string): string {
  return `${migration}/cleanup`;
}

/** Why the cleanup cannot start yet: the files not yet approved on the adapter. */
function notYetCleanup(status: WorkflowStatus): string {
  const open = status.files.filter((f) => f.state !== 'approved');
  const named = open
    .slice(0, 3)
    .map((f) => `${f.path} (${f.state})`)
    .join(', ');
  return open.length === 0
    ? 'The cleanup starts once every file of the plan is approved on the adapter.'
    : `The cleanup starts once every file of the plan is approved on the adapter; ${open.length} ${open.length === 1 ? 'is' : 'are'} not yet: ${named}${open.length > 3 ? ', …' : ''}.`;
}

/**
 * package.json without the given dependencies (in every dependency field), its indentation and
 * final newline kept; undefined when it does not parse.
 */
export function withoutDependencies(text: string, names: string[]): { text: string; removed: string[] } | undefined {
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const removed = new Set<string>();
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
    const deps = manifest[field] as Record<string, unknown> | undefined;
    if (!deps || typeof deps !== 'object') continue;
    for (const name of names)
      if (name in deps) {
        delete deps[name];
        removed.add(name);
      }
  }
  if (removed.size === 0) return { text, removed: [] };
  const indent = /^([ \t]+)"/m.exec(text)?.[1] ?? '  ';
  return { text: `${JSON.stringify(manifest, null, indent)}${text.endsWith('\n') ? '\n' : ''}`, removed: [...removed] };
}
