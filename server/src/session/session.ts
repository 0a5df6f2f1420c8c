import { usageList } from '../operations/usageList';
import type { UsageListItem } from '../operations/usageList';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { computeCleanupEdit } from '../operations/cleanupEdit';
import { defaultAdapterPath, findLegacyCandidates, starterSpec } from '../operations/initSpec';
import type { LegacyCandidate } from '../operations/initSpec';
import { computeMigrationEdit, generateAdapter } from '../operations/migrationEdit';
import type { MigrationEdit, MigrationEditOptions } from '../operations/migrationEdit';
import { analyzeReport, dossierOf, planEntries } from '../operations/overview';
import { checkRatchet, parseRatchet, ratchetOf, ratchetRelativePath } from '../operations/ratchet';
import type { Ratchet, RatchetVerdict } from '../operations/ratchet';
import type { AnalyzeReport, Dossier, IndexSummary, PlanEntry, WorkflowAction, WorkflowSnapshot } from '../protocol';
import type { RolloutState } from '../protocol/wire';
import { RolloutMonitor } from './rollout';
import type { RedisSettings, RolloutResult } from './rollout';
import { specRelativePath } from '../spec/validate';
import { Emitter } from '../util/events';
import { Timer } from '../util/resources';
import type { Logger } from '../util/logger';
import type { Clock } from '../workflow/clock';
import { WorkflowEngine } from '../workflow/engine';
import type { EngineResult, OperationControl } from '../workflow/engine';
import type { ProgressListener } from '../workspace/workspaceIndex';
import { WorkspaceIndex } from '../workspace/workspaceIndex';
import { FileSystemEdits, prepareEdit, writeFileAtomic } from '../workspace/edits';
import type { ApplyOutcome, EditApplier, PreparedEdit } from '../workspace/edits';

/** What the caller (the language server, the CLI) gives a session. */
export interface SessionHost {
  clock: Clock;
  logger: Logger;
  /** Whether commands from the workspace may run (VS Code workspace trust, the CLI's --trust). */
  trusted(): boolean;
  /** Whether a failed verification reverts the file at once (the folder's setting). */
  autoRevert(): boolean;
  /** Output of the commands verification runs. */
  output(text: string): void;
  /** Applies edits that are not committed (plain edits, cleanup); the file system when omitted. */
  edits?: EditApplier;
  /** Globs left out of the index, in addition to .gitignore. */
  exclude?: string[];
  /** Where Redis is when it is the rollout's control plane (else the spec's, else the file store). */
  redis?(): RedisSettings;
  /** Which program acts, as the repository lock tells other Stepwise processes ("the CLI", "VS Code"). */
  actor?: string;
}

/** Options of one workflow action. */
export interface ActionOptions {
  /** For migrate: go ahead out of plan order, with the reason. */
  force?: boolean;
  reason?: string;
  /** For migrate: run the verification right after the commit (default true). */
  verify?: boolean;
  /** For migrate: asked for as the cleanup step (refused before the cleanup phase, with the files left). */
  cleanup?: boolean;
  /** For the cleanup: commit the person's own rewrite of the file as the step. */
  byHand?: boolean;
  /** The document version the action was offered for; a different version is refused. */
  version?: number | null;
}

/** An edit computed for one file, ready to show (`before`/`after`) or apply. */
export interface ComputedEdit extends PreparedEdit {
  path: string;
  createsAdapter: boolean;
  routed: number;
  notes: string[];
}

/**
 * One workspace folder's migration: its index, its workflow engine with the cached status, and
 * every operation the language server and the CLI offer on it. Both are thin adapters over
 * sessions; nothing here knows LSP or the terminal. `dispose()` stops every watcher and timer.
 */
export class MigrationSession {
  readonly index: WorkspaceIndex;
  /** The workflow status changed (pushed to clients, coalesced). */
  readonly onDidChangeWorkflow = new Emitter<WorkflowSnapshot>();
  /** A file's observation ended; it awaits approval. */
  readonly onObservationEnded = new Emitter<string>();
  /** An operation another process left interrupted was completed or undone (one sentence). */
  readonly onRecovered = new Emitter<string>();
  private readonly engine: WorkflowEngine;
  private readonly rolloutMonitor: RolloutMonitor;
  private readonly edits: EditApplier;
  private readonly pushTimer: Timer;
  private lastPushed: string | undefined;
  private disposed = false;

  constructor(
    readonly root: string,
    private readonly host: SessionHost,
  ) {
    this.index = new WorkspaceIndex(root, { exclude: host.exclude ?? [], logger: host.logger });
    this.engine = new WorkflowEngine(this.index, {
      clock: host.clock,
      logger: host.logger,
      trusted: () => host.trusted(),
      autoRevert: () => host.autoRevert(),
      output: (text) => host.output(text),
      approvalGate: () => this.rolloutMonitor.gate(),
      actor: host.actor,
    });
    this.rolloutMonitor = new RolloutMonitor({
      root,
      clock: host.clock,
      logger: host.logger,
      redis: () => host.redis?.() ?? {},
      spec: () => this.index.currentSpec(),
      // While an operation runs, what it has done so far is not read again (see workflowChanged).
      status: () => {
        const last = this.engine.isBusy() ? this.engine.lastStatus() : undefined;
        return last ? Promise.resolve(last) : this.engine.status();
      },
      record: (entry) => this.engine.record(entry),
      entries: () => this.engine.entries(),
      who: () => this.engine.who(),
    });
    this.rolloutMonitor.onDidChange.on(() => this.workflowChanged());
    this.pushTimer = new Timer(root);
    this.edits = host.edits ?? new FileSystemEdits(root, (_rels, texts) => this.index.filesWritten(texts));
    this.engine.onDidChange.on(() => this.workflowChanged());
    this.engine.onObservationEnded.on((file) => this.onObservationEnded.fire(file));
    this.engine.onRecovered.on((message) => this.onRecovered.fire(message));
    this.index.onDidChangeAnalyses.on(() => this.workflowChanged());
  }

  /** Opens a folder for a one-shot run (the CLI): indexed, idle, not watching. */
  static async open(root: string, host: SessionHost): Promise<MigrationSession> {
    const session = new MigrationSession(root, host);
    await session.index.start();
    await session.index.whenIdle();
    return session;
  }

  /** Indexes the folder, then watches git and the journal for changes made elsewhere. */
  async start(progress?: ProgressListener): Promise<void> {
    await this.index.start(progress);
    if (this.disposed) return;
    await this.engine.startWatching();
    this.rolloutMonitor.watch();
    // An operation a killed process left half-done is finished or undone before anything else.
    await this.recover();
  }

  /** Completes or undoes an operation another process left interrupted; says which, or undefined. */
  recover(): Promise<string | undefined> {
    return this.engine.recover().catch((error: unknown) => {
      this.host.logger.warn(`Recovering an interrupted operation failed: ${(error as Error).message}`);
      return undefined;
    });
  }

  dispose(): void {
    this.disposed = true;
    this.pushTimer.clear();
    void this.rolloutMonitor.dispose();
    this.engine.dispose();
    this.index.dispose();
    this.onDidChangeWorkflow.dispose();
    this.onObservationEnded.dispose();
    this.onRecovered.dispose();
  }

  // ---- reading ---------------------------------------------------------------------------------

  indexSummary(): IndexSummary {
    return {
      root: this.root,
      status: this.index.status(),
      specProblems: this.index.specProblems(),
      title: this.index.currentSpec()?.title,
    };
  }

  async analyze(): Promise<AnalyzeReport> {
    await this.index.whenIdle();
    return analyzeReport(this.index);
  }

  async plan(): Promise<PlanEntry[]> {
    await this.index.whenIdle();
    return planEntries(this.index);
  }

  /** The pre-move dossier; for a file already migrated, the one recorded before its move. */
  async dossier(rel: string): Promise<Dossier | { error: string }> {
    await this.index.whenIdle();
    const result = dossierOf(this.index, rel);
    if (!('error' in result)) return result;
    return (await this.engine.recordedDossier(rel)) ?? result;
  }

  /** A file's legacy usages, in order, with where they are (the Migration view lists them under the file). */
  async usages(rel: string): Promise<UsageListItem[]> {
    await this.index.whenIdle();
    return usageList(this.index, rel);
  }

  /** Files that do not parse (their analysis runs on the recovered tree), with the first error. */
  parseProblems(): { path: string; line: number; column: number; message: string }[] {
    return this.index
      .allAnalyses()
      .filter((a) => a.parseErrors.length > 0)
      .map((a) => ({ path: a.path, ...a.parseErrors[0] }));
  }

  /** The workflow status as clients see it (cached; computed again only when something changed). */
  async workflow(): Promise<WorkflowSnapshot> {
    return this.snapshot(await this.engine.status());
  }

  /** How many times the workflow status was computed in full (the cost test reads it). */
  get statusComputations(): number {
    return this.engine.statusComputations;
  }

  report(): Promise<string> {
    return this.engine.report();
  }

  /** A file's text at a commit (for a migration's diff); only object ids (and `id^`) are accepted. */
  async fileAt(commit: string, rel: string): Promise<string | undefined> {
    // The git layer takes only object ids (objectId) and answers undefined for anything else.
    return this.engine.showAt(commit, rel);
  }

  // ---- the workflow ----------------------------------------------------------------------------

  /** Runs one workflow action on one file, through every gate of the engine. */
  async run(action: WorkflowAction, rel: string, options: ActionOptions = {}, control: OperationControl = {}): Promise<EngineResult> {
    if (options.version !== undefined && options.version !== (this.index.versionOf(rel) ?? null))
      return { ok: false, file: rel, error: `${rel} changed since this was offered; ask again.` };
    // Approval weighs the rollout's figures as they are now; a move takes Redis's INFO first.
    if (action === 'approve') await this.rolloutMonitor.observe();
    if (action === 'analyze' || action === 'migrate') await this.rolloutMonitor.baseline(rel).catch(() => undefined);
    switch (action) {
      case 'analyze':
        return this.engine.analyze(rel, control);
      case 'migrate':
        return this.engine.migrate(
          rel,
          { force: options.force, reason: options.reason, verify: options.verify, cleanup: options.cleanup, byHand: options.byHand },
          control,
        );
      case 'verify':
        return this.engine.verify(rel, control);
      case 'approve':
        return this.engine.approve(rel);
      case 'revert':
        return this.engine.revert(rel, options.reason ?? 'reverted from Stepwise', control);
    }
  }

  /**
   * Removes the adapter once nothing imports it (a one-way door): `confirmation` is its path,
   * typed by the person.
   */
  removeAdapter(confirmation: string): Promise<EngineResult> {
    return this.engine.removeAdapter(confirmation);
  }

  /** Trust changed (the editor granted it): every surface shows what may run now. */
  trustChanged(): void {
    this.workflowChanged();
  }

  /** Re-checks the observation deadlines (after the test clock moved). */
  clockChanged(): Promise<void> {
    return this.engine.clockChanged();
  }

  // ---- rollout and observation -----------------------------------------------------------------

  /** The mode the adapters read now, the current window's figures and verdict, the store's health. */
  observe(): Promise<RolloutState | { error: string }> {
    return this.rolloutMonitor.observe();
  }

  /**
   * Moves to the next stage of the spec's rollout (shadow → 10 → 25 → 50 → 100 → new by default),
   * only while the figures say advance and the stage was observed for its minimum; from legacy the
   * first stage needs no figures.
   */
  rolloutNext(reason?: string): Promise<RolloutResult> {
    return this.engine.withLock('moving the rollout to its next stage', () => this.rolloutMonitor.next(reason));
  }

  /**
   * Sets the rollout mode every adapter of this migration reads (within its period, 2 s by default),
   * and records who changed it, from what to what, with the figures at that moment.
   */
  rollout(value: string, reason?: string): Promise<RolloutResult> {
    // A rollback is the way out of trouble: it never waits for, or is refused by, a lock.
    if (value.trim().toLowerCase() === 'legacy') return this.rolloutMonitor.set(value, reason);
    return this.engine.withLock(`setting the rollout to ${value}`, () => this.rolloutMonitor.set(value, reason));
  }

  /** After a rollback: waits until every process that was serving reports legacy, and how long it took. */
  confirmRollback(): ReturnType<RolloutMonitor['confirm']> {
    return this.rolloutMonitor.confirm();
  }

  /** Shares the evidence (git notes on the migration commits) with a remote: fetch, merge, push. */
  syncEvidence(remote = 'origin'): Promise<EngineResult> {
    return this.engine.syncEvidence(remote);
  }

  /** A rollback drill: legacy, then back to the stage, each step timed until every process reports it. */
  drill(): ReturnType<RolloutMonitor['drill']> {
    return this.engine.withLock('running a rollback drill', () => this.rolloutMonitor.drill());
  }

  // ---- edits -----------------------------------------------------------------------------------

  /** The per-file migration as a plain edit (no commit): for folders outside git, and dry runs. */
  async migrationEdit(rel: string, options: MigrationEditOptions = {}): Promise<ComputedEdit | { error: string }> {
    await this.index.whenIdle();
    return this.computed(computeMigrationEdit(this.index, rel, options));
  }

  /** The cleanup step: rewrite a file's uses of the old API to the new one. */
  async cleanupEdit(rel: string): Promise<ComputedEdit | { error: string }> {
    await this.index.whenIdle();
    return this.computed(computeCleanupEdit(this.index, rel));
  }

  /** The generated adapter, written anew (`force` replaces an existing one). */
  async scaffoldEdit(options: { force?: boolean } = {}): Promise<ComputedEdit | { error: string }> {
    await this.index.whenIdle();
    const spec = this.index.currentSpec();
    if (!spec) return { error: 'There is no valid spec.' };
    const exists = existsSync(this.absolute(spec.adapter.module));
    if (exists && !options.force)
      return { error: `${spec.adapter.module} already exists; pass --force to overwrite it (your edits to it would be lost).` };
    const from = [...this.index.legacyModules().files][0] ?? this.index.sourceFiles()[0];
    const generated = generateAdapter(this.index, from, this.index.extensionStyleFor(spec.adapter.module));
    if ('error' in generated) return generated;
    const current = exists ? await fs.readFile(this.absolute(spec.adapter.module), 'utf8') : '';
    const runtimeExists = existsSync(this.absolute(generated.runtime.path));
    const runtimeNow = runtimeExists ? await fs.readFile(this.absolute(generated.runtime.path), 'utf8') : '';
    const texts = new Map([
      [spec.adapter.module, exists ? current : undefined],
      [generated.runtime.path, runtimeExists ? runtimeNow : undefined],
    ]);
    return this.computed(
      {
        path: spec.adapter.module,
        version: null,
        files: [
          { path: spec.adapter.module, create: !exists, changes: [{ start: 0, end: current.length, newText: generated.text }] },
          {
            path: generated.runtime.path,
            create: !runtimeExists,
            changes: [{ start: 0, end: runtimeNow.length, newText: generated.runtime.text }],
          },
        ],
        createsAdapter: true,
        routed: 0,
        notes: generated.notes,
      },
      (rel) => texts.get(rel),
    );
  }

  /** Applies a computed edit through the caller's applier (a WorkspaceEdit, or the file system). */
  apply(edit: ComputedEdit): Promise<ApplyOutcome> {
    // Under the repository's lock, like every change: never in the middle of another's migration.
    return this.engine.withLock(`writing ${edit.path}`, () => this.edits.apply(edit));
  }

  private computed(edit: MigrationEdit, textOf?: (rel: string) => string | undefined): ComputedEdit | { error: string } {
    if (edit.error) return { error: edit.error };
    const prepared = prepareEdit(edit.files, textOf ?? ((rel) => this.index.textOf(rel)), (rel) => this.index.versionOf(rel));
    return { ...prepared, path: edit.path, createsAdapter: edit.createsAdapter, routed: edit.routed, notes: edit.notes };
  }

  // ---- CI and set-up ---------------------------------------------------------------------------

  /** The CI ratchet: fails when legacy usages grow; `update` records the current counts. */
  async check(options: { update?: boolean } = {}): Promise<RatchetVerdict & { updated?: Ratchet }> {
    const report = await this.analyze();
    const file = this.absolute(ratchetRelativePath);
    if (options.update) {
      const ratchet = ratchetOf(report);
      await writeFileAtomic(file, `${JSON.stringify(ratchet, null, 2)}\n`);
      return { ok: true, usages: ratchet.usages, ratchet: ratchet.usages, violations: [], findings: [], updated: ratchet };
    }
    const ratchet = existsSync(file) ? parseRatchet(await fs.readFile(file, 'utf8')) : undefined;
    return checkRatchet(report, ratchet);
  }

  /** Modules that look like the legacy cache (for `init`). */
  async legacyCandidates(): Promise<LegacyCandidate[]> {
    await this.index.whenIdle();
    return findLegacyCandidates(this.index);
  }

  /** Writes a starter spec for `legacyModule` (refused when one exists, unless `force`). */
  async init(options: {
    legacyModule: string;
    exports?: string[];
    target?: string;
    adapter?: string;
    id?: string;
    preset?: string;
    force?: boolean;
  }): Promise<{ written: string; text: string } | { error: string }> {
    const target = this.absolute(specRelativePath);
    if (existsSync(target) && !options.force)
      return { error: `${specRelativePath} already exists; edit it, or pass --force to replace it.` };
    const candidate = (await this.legacyCandidates()).find((c) => c.module === options.legacyModule);
    const text = starterSpec({
      legacyModule: options.legacyModule,
      exports: options.exports ?? candidate?.exports ?? [],
      targetModule: options.target ?? 'src/cache/index.ts',
      adapterModule: options.adapter ?? defaultAdapterPath(options.legacyModule),
      id: options.id,
      preset: options.preset ?? candidate?.preset,
    });
    await writeFileAtomic(target, text);
    return { written: specRelativePath, text };
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** A workspace-relative path for an absolute one (`..` when outside the folder). */
  relative(absolute: string): string {
    return this.index.paths.toRelative(absolute);
  }

  absolute(rel: string): string {
    return path.join(this.root, ...rel.split('/'));
  }

  private snapshot(status: Awaited<ReturnType<WorkflowEngine['status']>>): WorkflowSnapshot {
    return {
      ...status,
      root: this.root,
      title: this.index.currentSpec()?.title,
      adapterModule: this.index.currentSpec()?.adapter.module,
      trusted: this.host.trusted(),
      now: this.host.clock.now(),
      rollout: this.rolloutMonitor.current() ?? null,
    };
  }

  /**
   * Pushes the status once things settle (100 ms). While an operation runs, what it has done so
   * far is not read again: the last status goes out with the activity, and the status is computed
   * once more when the operation ends.
   */
  private workflowChanged(): void {
    if (this.disposed) return;
    this.pushTimer.set(() => {
      if (this.disposed) return;
      const last = this.engine.isBusy() ? this.engine.lastStatus() : undefined;
      const next = last ? Promise.resolve(last) : this.engine.status();
      next.then(
        (status) => {
          if (this.disposed) return;
          // A change that changed nothing a client shows (an edit that only moved code) is not sent.
          const snapshot = this.snapshot(status);
          const shown = JSON.stringify({ ...snapshot, now: 0 });
          if (shown === this.lastPushed) return;
          this.lastPushed = shown;
          this.onDidChangeWorkflow.fire(snapshot);
        },
        (error: unknown) => this.host.logger.warn(`Could not read the workflow status: ${(error as Error).message}`),
      );
    }, 100);
  }
}
