import { promises as fs, existsSync } from 'node:fs';
import * as path from 'node:path';
import type { ts } from 'ts-morph';
import { LegacyContext } from '../analysis/legacyContext';
import type { LegacyModules, ModuleTarget } from '../analysis/legacyContext';
import { environmentAccesses } from '../analysis/configuration';
import type { EnvAccess } from '../analysis/configuration';
import type { FileAnalysis } from '../analysis/types';
import { analyzeFile } from '../analysis/usages';
import type { AnalyzeInput } from '../analysis/usages';
import { isShownAsDiagnostic } from '../analysis/messages';
import type { MigrationSpec, SpecProblem } from '../spec/types';
import { isPackageSpecifier, parseSpec, specRelativePath } from '../spec/validate';
import { Emitter } from '../util/events';
import type { Logger } from '../util/logger';
import { silentLogger } from '../util/logger';
import { discoverSourceFiles, isLeftOut } from './discovery';
import { ImportGraph } from './importGraph';
import { ModuleResolver, scanSpecifiers } from './importScan';
import { WorkspacePaths, isSourcePath } from './paths';
import { ProjectSet } from './projects';
import type { IndexState, IndexStatus } from '../protocol/wire';
import { checkEdits } from './editCheck';
import { runnerTestGlobs } from './testGlobs';
import type { EditCheck, PlannedFile } from './editCheck';

export type { IndexState, IndexStatus };

export interface IndexOptions {
  /** Workspace-relative globs left out of the index. */
  exclude?: string[];
  logger?: Logger;
}

interface FileEntry {
  text: string;
  /** Editor version when the file is open, null when the text is the disk's. */
  version: number | null;
  specifiers: string[];
  resolved: ModuleTarget[];
}

/** A progress callback: `done` of `total` steps of the named phase. */
export type ProgressListener = (phase: string, done: number, total: number) => void;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The long-lived index of one workspace folder: every source file's text and imports, the import
 * graph, the ts-morph projects, the current spec and the analysis of each file that can reach the
 * legacy API. Changes (edits, saves, file events, spec edits) re-analyse the changed file and,
 * when what it hands on changed, the files that import it.
 */
export class WorkspaceIndex {
  readonly paths: WorkspacePaths;
  readonly graph = new ImportGraph();
  private readonly projects: ProjectSet;
  private readonly resolver: ModuleResolver;
  private readonly logger: Logger;
  private exclude: string[];

  private readonly files = new Map<string, FileEntry>();
  private readonly analyses = new Map<string, FileAnalysis>();
  private readonly dirty = new Set<string>();
  private contexts = new WeakMap<object, LegacyContext>();

  private specState: { spec?: MigrationSpec; problems: SpecProblem[]; text?: string } = { problems: [] };
  private lastGoodSpec: MigrationSpec | undefined;
  private legacy: LegacyModules = { files: new Set(), packages: new Set(), exports: [] };

  private state: IndexState = 'starting';
  private indexMs = 0;
  private processing: Promise<void> | undefined;
  private pendingChanges = 0;
  private idleWaiters: (() => void)[] = [];

  /** Fires with the files whose analysis changed (added, updated or removed). */
  readonly onDidChangeAnalyses = new Emitter<string[]>();
  readonly onDidChangeSpec = new Emitter<void>();
  readonly onDidChangeStatus = new Emitter<IndexStatus>();

  constructor(root: string, options: IndexOptions = {}) {
    this.paths = new WorkspacePaths(root);
    this.projects = new ProjectSet(this.paths);
    this.resolver = new ModuleResolver(this.paths, (rel) => this.projects.optionsFor(rel));
    this.logger = options.logger ?? silentLogger;
    this.exclude = options.exclude ?? [];
  }

  get root(): string {
    return this.paths.root;
  }

  /** Discovers and reads every source file, loads the spec and analyses what can reach the legacy API. */
  async start(progress?: ProgressListener): Promise<void> {
    const started = Date.now();
    this.setState('indexing');
    try {
      const { sources, configs } = await discoverSourceFiles(this.root, { exclude: this.exclude });
      this.projects.setConfigs(configs);
      this.logger.info(`Indexing ${sources.length} source files in ${this.root}.`);
      let read = 0;
      const batch = 64;
      for (let i = 0; i < sources.length; i += batch) {
        await Promise.all(
          sources.slice(i, i + batch).map(async (rel) => {
            const text = await fs.readFile(this.paths.toAbsolute(rel), 'utf8').catch(() => undefined);
            if (text !== undefined && !this.files.has(rel)) this.setEntry(rel, text, null);
          }),
        );
        read = Math.min(sources.length, i + batch);
        progress?.('Reading files', read, sources.length);
      }
      await this.loadSpec();
      this.markCandidatesDirty();
    } finally {
      // Requests waiting for the read phase must not hang if it failed.
      this.markRead();
    }
    await this.drain(progress);
    if (this.currentSpec()) this.projects.warmRebuild();
    this.indexMs = Date.now() - started;
    this.setState(this.currentSpec() ? 'ready' : 'no-spec');
    this.logger.info(`Index ready in ${this.indexMs} ms: ${this.status().filesWithUsages} files use the legacy API.`);
  }

  private markRead: () => void = () => undefined;
  private readonly read = new Promise<void>((resolve) => (this.markRead = resolve));

  /** Resolves once every file is read and the spec loaded (analysis may still be running). */
  whenRead(): Promise<void> {
    return this.read;
  }

  /**
   * The analysis of one file as soon as possible, for an editor waiting on it: during the initial
   * index the file (and the files it imports, which may hand legacy values on) jump the queue.
   */
  analysisSoon(rel: string): FileAnalysis | undefined {
    for (const dependency of this.graph.dependencies(rel)) if (this.dirty.has(dependency)) this.analyseNow(dependency);
    return this.analysisOf(rel);
  }

  // ---- queries ------------------------------------------------------------------------------

  currentSpec(): MigrationSpec | undefined {
    return this.specState.spec ?? this.lastGoodSpec;
  }

  specProblems(): SpecProblem[] {
    return this.specState.problems;
  }

  specText(): string | undefined {
    return this.specState.text;
  }

  status(): IndexStatus {
    let usages = 0;
    let shownUsages = 0;
    let routingIssues = 0;
    let filesWithUsages = 0;
    for (const analysis of this.analyses.values()) {
      if (analysis.usages.length > 0) filesWithUsages++;
      usages += analysis.usages.length;
      shownUsages += analysis.usages.filter(isShownAsDiagnostic).length;
      routingIssues += analysis.routingIssues.length;
    }
    return {
      state: this.state,
      filesTotal: this.files.size,
      candidates: [...this.files.keys()].filter((f) => this.isCandidate(f)).length,
      analysed: this.analyses.size,
      filesWithUsages,
      usages,
      shownUsages,
      routingIssues,
      specErrors: this.specState.problems.filter((p) => p.severity === 'error').length,
      indexMs: this.indexMs,
    };
  }

  hasFile(rel: string): boolean {
    return this.files.has(rel);
  }

  sourceFiles(): string[] {
    return [...this.files.keys()].sort();
  }

  textOf(rel: string): string | undefined {
    return this.files.get(rel)?.text;
  }

  /** The editor version of an open file; null when the text is the one on disk. */
  versionOf(rel: string): number | null | undefined {
    return this.files.get(rel)?.version;
  }

  legacyModules(): LegacyModules {
    return this.legacy;
  }

  /** The up-to-date analysis of one file (analysing it now if it is pending). */
  analysisOf(rel: string): FileAnalysis | undefined {
    if (this.dirty.has(rel)) this.analyseNow(rel);
    return this.analyses.get(rel);
  }

  private readonly environment = new Map<string, { text: string; accesses: EnvAccess[] }>();

  /** The environment variables a file reads or writes (from its current text; files that never say `process.env` cost nothing). */
  environmentOf(rel: string): EnvAccess[] {
    const text = this.textOf(rel);
    if (text === undefined) return [];
    const known = this.environment.get(rel);
    if (known?.text === text) return known.accesses;
    const accesses = environmentAccesses(rel, text);
    this.environment.set(rel, { text, accesses });
    return accesses;
  }

  /** Every current analysis (after pending work is done; see `whenIdle`). */
  allAnalyses(): FileAnalysis[] {
    return [...this.analyses.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Resolves when no analysis work is pending. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return !this.processing && this.dirty.size === 0 && this.pendingChanges === 0;
  }

  /**
   * Runs a change that reads the disk before it marks files dirty. It counts as pending work from
   * its first moment, so a request arriving meanwhile waits for it instead of answering early.
   */
  private async tracked<T>(work: () => Promise<T>): Promise<T> {
    this.pendingChanges++;
    try {
      return await work();
    } finally {
      this.pendingChanges--;
      this.settle();
    }
  }

  private settle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }

  /** A LegacyContext for the program that holds `rel` (for rewrites and the adapter model). */
  private contextFor(rel: string, modules?: LegacyModules): { context: LegacyContext; program: ts.Program } | undefined {
    const spec = this.currentSpec();
    if (!spec) return undefined;
    const text = this.textOf(rel);
    if (text !== undefined) this.projects.setText(rel, text);
    const program = this.projects.programFor(rel);
    const context = modules
      ? new LegacyContext(
          program,
          program.getTypeChecker(),
          modules,
          spec,
          (a) => this.paths.toRelative(a),
          (n) => this.projects.resolvePackageEntry(n),
          this.projects,
        )
      : this.legacyContext(program, spec);
    return { context, program };
  }

  /**
   * The legacy context of a file's program (the type checker stays inside it), for analysis
   * functions that need one, such as the adapter model. No ts.Program leaves the index.
   */
  legacyContextFor(rel: string): LegacyContext | undefined {
    return this.contextFor(rel)?.context;
  }

  /** Whether the edited texts still parse and gain no type errors (the projects are restored after). */
  checkEdits(files: PlannedFile[]): EditCheck {
    return checkEdits(this.projects, files);
  }

  /** The entry file of an installed package, or undefined. */
  resolvePackageEntry(name: string): string | undefined {
    return this.projects.resolvePackageEntry(name);
  }

  /** Type errors in a workspace file now (for the built-in type check), after adding it to its project. */
  errorCountOf(rel: string): number {
    this.ensureInProject(rel);
    return this.projects.errorsOf(rel).length;
  }

  /** Analyses one file against another set of "old" modules (the cleanup phase: legacy plus adapter). */
  analyseAgainst(rel: string, modules: LegacyModules): FileAnalysis | undefined {
    const found = this.contextFor(rel, modules);
    if (!found) return undefined;
    const sf = this.projects.sourceFileIn(found.program, rel);
    if (!sf) return undefined;
    return analyzeFile(this.analyzeInput(rel, sf, found.context));
  }

  /** What the analysis of one file needs to know of the workspace around it. */
  private analyzeInput(rel: string, sf: ts.SourceFile, context: LegacyContext): AnalyzeInput {
    return {
      sourceFile: sf,
      path: rel,
      context,
      resolve: (specifier) => this.resolver.resolve(rel, specifier),
      relativePathOf: (fileName) => (this.paths.contains(fileName) ? this.paths.toRelative(fileName) : undefined),
      topLevelAwait: this.projects.allowsTopLevelAwait(rel, sf),
      packagePastLegacy: (name) => this.projects.isPastLegacy(this.paths.toAbsolute(rel), name),
    };
  }

  /** Makes sure a workspace file is part of its project (with its current text). */
  ensureInProject(rel: string): void {
    const text = this.textOf(rel);
    if (text !== undefined) this.projects.setText(rel, text);
  }

  resolve(fromRel: string, specifier: string): ModuleTarget {
    return this.resolver.resolve(fromRel, specifier);
  }

  // ---- changes ------------------------------------------------------------------------------

  /** An editor opened or changed a document: its text overrides the disk's. */
  setDocument(rel: string, text: string, version: number): void {
    if (rel === specRelativePath) {
      void this.specChanged(text);
      return;
    }
    if (!isSourcePath(rel) || this.isExcluded(rel)) return;
    const previous = this.files.get(rel);
    if (previous && previous.text === text) {
      previous.version = version;
      return;
    }
    this.fileTextChanged(rel, text, version);
  }

  /** An editor closed a document: the disk's text applies again. */
  closeDocument(rel: string): Promise<void> {
    return this.tracked(() => this.closeDocumentNow(rel));
  }

  private async closeDocumentNow(rel: string): Promise<void> {
    if (rel === specRelativePath) {
      await this.specChanged();
      return;
    }
    const entry = this.files.get(rel);
    if (!entry) return;
    entry.version = null;
    const text = await fs.readFile(this.paths.toAbsolute(rel), 'utf8').catch(() => undefined);
    if (text === undefined) this.fileDeleted(rel);
    else if (text !== entry.text) this.fileTextChanged(rel, text, null);
  }

  /** A file changed, appeared or disappeared on disk (watcher events, CLI, git). */
  fileChangedOnDisk(rel: string): Promise<void> {
    return this.tracked(() => this.fileChangedOnDiskNow(rel));
  }

  private async fileChangedOnDiskNow(rel: string): Promise<void> {
    if (rel === specRelativePath) {
      await this.specChanged();
      return;
    }
    if (rel.endsWith('tsconfig.json') || rel.endsWith('jsconfig.json') || rel.endsWith('.gitignore')) {
      await this.rescan();
      return;
    }
    if (rel === 'package.json' || rel.endsWith('/package.json')) {
      // Another version of the legacy package asked for, or installed: every file is judged again.
      if (rel.includes('node_modules/')) return;
      this.projects.packagesChanged();
      this.contexts = new WeakMap();
      this.markCandidatesDirty();
      this.schedule();
      return;
    }
    if (!isSourcePath(rel) || this.isExcluded(rel)) return;
    const entry = this.files.get(rel);
    if (entry && entry.version !== null) return; // the editor's text wins while the file is open
    const text = await fs.readFile(this.paths.toAbsolute(rel), 'utf8').catch(() => undefined);
    if (text === undefined) {
      if (entry) this.fileDeleted(rel);
      return;
    }
    if (!entry) this.fileCreated(rel, text);
    else if (entry.text !== text) this.fileTextChanged(rel, text, null);
  }

  /**
   * Stepwise wrote these files (or put them back; undefined: removed). Their text is the truth now,
   * also for a document open in the editor, which reloads it from disk: the type check that follows
   * must see the migrated text, not the editor's copy from before.
   */
  filesWritten(texts: Map<string, string | undefined>): Promise<void> {
    return this.tracked(async () => {
      for (const [rel, text] of texts) {
        const entry = this.files.get(rel);
        if (text !== undefined && entry && entry.version !== null) {
          if (entry.text !== text) this.fileTextChanged(rel, text, entry.version);
          continue;
        }
        await this.fileChangedOnDiskNow(rel);
      }
    });
  }

  /** Several files changed on disk (one watcher event): handled in order, as one piece of pending work. */
  filesChangedOnDisk(rels: string[]): Promise<void> {
    return this.tracked(async () => {
      for (const rel of rels) await this.fileChangedOnDiskNow(rel);
    });
  }

  /** Re-reads the workspace's file list (after config or ignore changes, or a git checkout). */
  rescan(): Promise<void> {
    return this.tracked(() => this.rescanNow());
  }

  private async rescanNow(): Promise<void> {
    const { sources, configs } = await discoverSourceFiles(this.root, { exclude: this.exclude });
    this.projects.setConfigs(configs);
    const wanted = new Set(sources);
    for (const rel of [...this.files.keys()]) if (!wanted.has(rel)) this.fileDeleted(rel);
    for (const rel of sources) await this.fileChangedOnDisk(rel);
    this.resolver.reset();
    for (const rel of this.files.keys()) this.rescanImports(rel);
    this.markCandidatesDirty();
    this.schedule();
  }

  setExclude(exclude: string[]): Promise<void> {
    this.exclude = exclude;
    return this.rescan();
  }

  /** The spec changed: with `text`, the editor's unsaved text; without, the disk's. */
  specChanged(text?: string): Promise<void> {
    return this.tracked(() => this.specChangedNow(text));
  }

  private async specChangedNow(text?: string): Promise<void> {
    await this.loadSpec(text);
    for (const rel of this.analyses.keys()) this.dirty.add(rel);
    this.markCandidatesDirty();
    // A spec written (or deleted) after the index started: "no spec" and "ready" follow it (while
    // indexing, the end of the start says which).
    if (this.state === 'ready' || this.state === 'no-spec') this.setState(this.currentSpec() ? 'ready' : 'no-spec');
    this.onDidChangeSpec.fire();
    this.schedule();
  }

  // ---- internals ----------------------------------------------------------------------------

  private isExcluded(rel: string): boolean {
    if (rel.split('/').includes('node_modules')) return true;
    // Indexed files passed discovery's rules (rescans re-apply them); a file that appears later
    // must pass them too, or a build into an ignored folder would fill the index.
    return !this.files.has(rel) && isLeftOut(this.root, rel, { exclude: this.exclude });
  }

  private setEntry(rel: string, text: string, version: number | null): void {
    const specifiers = scanSpecifiers(text);
    this.files.set(rel, { text, version, specifiers, resolved: [] });
    this.rescanImports(rel);
  }

  private rescanImports(rel: string): void {
    const entry = this.files.get(rel);
    if (!entry) return;
    entry.resolved = entry.specifiers.map((s) => this.resolver.resolve(rel, s));
    const files: string[] = [];
    const packages: string[] = [];
    for (const target of entry.resolved) {
      if (target.kind === 'file') files.push(target.path);
      else if (target.kind === 'package') packages.push(target.name);
    }
    this.graph.setEdges(rel, files, packages);
  }

  private fileTextChanged(rel: string, text: string, version: number | null): void {
    const existed = this.files.has(rel);
    this.setEntry(rel, text, version);
    if (!existed) this.resolveAgainAfterCreate();
    // Files the program already holds (and open documents, which it may load later) must see the new text.
    if (version !== null || this.projects.has(rel)) this.projects.setText(rel, text);
    this.afterChange(rel);
  }

  private fileCreated(rel: string, text: string): void {
    this.setEntry(rel, text, null);
    this.resolveAgainAfterCreate();
    this.afterChange(rel);
  }

  private fileDeleted(rel: string): void {
    this.files.delete(rel);
    const dependents = this.graph.dependents(rel);
    this.graph.removeFile(rel);
    this.projects.remove(rel);
    this.resolver.reset();
    for (const dep of dependents) this.rescanImports(dep);
    const previous = this.analyses.get(rel);
    this.analyses.delete(rel);
    this.dirty.delete(rel);
    for (const dep of dependents) if (this.isCandidate(dep) || this.analyses.has(dep)) this.dirty.add(dep);
    if (this.isLegacyFile(rel)) this.markAllCandidatesDirty();
    if (previous) this.onDidChangeAnalyses.fire([rel]);
    this.schedule();
  }

  /** A new file may satisfy imports that did not resolve before. */
  private resolveAgainAfterCreate(): void {
    this.resolver.reset();
    for (const [rel, entry] of this.files) {
      if (entry.resolved.some((r) => r.kind === 'unresolved')) this.rescanImports(rel);
    }
  }

  private afterChange(rel: string): void {
    if (this.isLegacyFile(rel)) this.markAllCandidatesDirty();
    if (this.isCandidate(rel) || this.analyses.has(rel)) this.dirty.add(rel);
    this.schedule();
  }

  private isLegacyFile(rel: string): boolean {
    return this.legacy.files.has(rel);
  }

  /**
   * Whether a file needs a full analysis: it imports a legacy module or package, or a file that
   * hands legacy values or exports on (a barrel, a module exporting an instance).
   */
  private isCandidate(rel: string): boolean {
    if (!this.currentSpec() || !this.files.has(rel)) return false;
    if (this.isLegacyFile(rel) || rel === this.currentSpec()?.adapter.module) return false;
    for (const dep of this.graph.dependencies(rel)) {
      if (this.legacy.files.has(dep) || this.analyses.get(dep)?.carriesLegacy) return true;
      // A hand-written declaration beside its JavaScript (`get-jwks.d.ts` for `get-jwks.js`): the JavaScript's analysis decides.
      const js = /\.d\.([cm]?)ts$/.exec(dep);
      if (js && this.analyses.get(dep.replace(/\.d\.[cm]?ts$/, `.${js[1]}js`))?.carriesLegacy) return true;
    }
    const frameworks = this.currentSpec()?.shapes.flatMap((r) => r.on.modules ?? []) ?? [];
    for (const pkg of this.graph.packagesOf(rel)) if (this.legacy.packages.has(pkg) || frameworks.includes(pkg)) return true;
    return false;
  }

  private markCandidatesDirty(): void {
    for (const rel of this.files.keys()) if (this.isCandidate(rel)) this.dirty.add(rel);
  }

  private markAllCandidatesDirty(): void {
    for (const rel of this.analyses.keys()) this.dirty.add(rel);
    this.markCandidatesDirty();
  }

  /**
   * The folder went away: pending analysis stops, nothing more is announced, and waiters are
   * released. The index holds no timer or watcher of its own (file events come from its owner).
   */
  dispose(): void {
    this.disposed = true;
    this.dirty.clear();
    this.onDidChangeAnalyses.dispose();
    this.onDidChangeSpec.dispose();
    this.onDidChangeStatus.dispose();
    this.settle();
  }

  private disposed = false;

  /** How imports of a module are written in this project: no extension, `.js` or `.ts`. */
  extensionStyleFor(rel: string): 'none' | 'js' | 'ts' {
    return this.projects.extensionStyleFor(rel);
  }

  private schedule(): void {
    if (this.processing || this.disposed) return;
    this.processing = this.drain().finally(() => {
      this.processing = undefined;
      if (this.dirty.size > 0) this.schedule();
      else {
        this.settle();
        this.onDidChangeStatus.fire(this.status());
      }
    });
  }

  private async drain(progress?: ProgressListener): Promise<void> {
    let done = 0;
    let changed: string[] = [];
    let lastFlush = Date.now();
    while (this.dirty.size > 0 && !this.disposed) {
      // Put the whole wave in the projects first: adding files one at a time would rebuild the
      // program (and throw away the type checker) before every file.
      const wave = [...this.dirty];
      for (const rel of wave) {
        const entry = this.files.get(rel);
        if (entry && this.isCandidate(rel)) this.projects.setText(rel, entry.text);
      }
      for (const rel of wave) {
        if (!this.dirty.has(rel)) continue;
        if (this.analyseNow(rel)) changed.push(rel);
        done++;
        progress?.('Analysing files', done, done + this.dirty.size);
        if (changed.length > 0 && Date.now() - lastFlush > 100) {
          this.onDidChangeAnalyses.fire(changed);
          changed = [];
          lastFlush = Date.now();
        }
        await yieldToEventLoop();
      }
    }
    if (changed.length > 0) this.onDidChangeAnalyses.fire(changed);
  }

  /** Analyses one file now; returns whether its analysis changed. */
  private analyseNow(rel: string): boolean {
    this.dirty.delete(rel);
    const spec = this.currentSpec();
    const entry = this.files.get(rel);
    const previous = this.analyses.get(rel);
    if (!spec || !entry || !this.isCandidate(rel)) {
      if (!previous) return false;
      this.analyses.delete(rel);
      this.afterAnalysis(rel, previous, undefined);
      return true;
    }
    let analysis: FileAnalysis;
    try {
      this.projects.setText(rel, entry.text);
      // The target module's declarations say how its factory is called (static, on an instance, awaited).
      const target = spec.target.module;
      if (target && target !== rel && !isPackageSpecifier(target) && Object.keys(spec.constructors).length > 0)
        this.ensureInProject(target);
      const program = this.projects.programFor(rel);
      const sf = this.projects.sourceFileIn(program, rel);
      if (!sf) return false;
      const context = this.legacyContext(program, spec);
      analysis = analyzeFile(this.analyzeInput(rel, sf, context));
    } catch (error) {
      this.logger.error(`Analysis of ${rel} failed: ${(error as Error).stack ?? String(error)}`);
      analysis = {
        path: rel,
        usages: [],
        routingIssues: [],
        importSites: [],
        shapes: [],
        carriesLegacy: false,
        declarations: {},
        parseErrors: [{ line: 1, column: 1, message: `Stepwise could not analyse this file: ${(error as Error).message}` }],
      };
    }
    this.analyses.set(rel, analysis);
    this.afterAnalysis(rel, previous, analysis);
    return !previous || JSON.stringify(previous) !== JSON.stringify(analysis);
  }

  /** When what a file hands on changed, the files importing it may see legacy values differently. */
  private afterAnalysis(rel: string, previous: FileAnalysis | undefined, next: FileAnalysis | undefined): void {
    // Importers only need a new look when what this file hands on changed: an edit elsewhere in a
    // barrel or an exporting module leaves their analyses as they were.
    if (handsOn(previous) === handsOn(next)) return;
    // Importers that reach it through a declaration beside it (`x.d.ts` for `x.js`) too.
    const declaration = /\.([cm]?)js$/.test(rel) ? rel.replace(/\.([cm]?)js$/, '.d.$1ts') : undefined;
    const dependents = [...this.graph.dependents(rel), ...(declaration ? this.graph.dependents(declaration) : [])];
    for (const dependent of dependents) {
      if (this.isCandidate(dependent) || this.analyses.has(dependent)) this.dirty.add(dependent);
    }
  }

  private legacyContext(program: ts.Program, spec: MigrationSpec): LegacyContext {
    let context = this.contexts.get(program);
    if (!context || context.spec !== spec) {
      context = new LegacyContext(
        program,
        program.getTypeChecker(),
        this.legacy,
        spec,
        (absolute) => this.paths.toRelative(absolute),
        (name) => this.projects.resolvePackageEntry(name),
        this.projects,
      );
      this.contexts.set(program, context);
    }
    return context;
  }

  private async loadSpec(text?: string): Promise<void> {
    const absolute = this.paths.toAbsolute(specRelativePath);
    const specText = text ?? (await fs.readFile(absolute, 'utf8').catch(() => undefined));
    if (specText === undefined) {
      this.specState = { problems: [] };
      this.lastGoodSpec = undefined;
      this.legacy = { files: new Set(), packages: new Set(), exports: [] };
      this.logger.info(`No ${specRelativePath} in ${this.root}; run "stepwise init" to create one.`);
      return;
    }
    const result = parseSpec(specText, {
      fileExists: (rel) => this.files.has(normalizeRel(rel)) || existsSync(this.paths.toAbsolute(normalizeRel(rel))),
      packageExists: (name) =>
        this.projects.resolvePackageEntry(name) !== undefined || existsSync(path.join(this.root, 'node_modules', name)),
    });
    this.specState = { spec: result.spec, problems: result.problems, text: specText };
    if (result.spec) {
      // The test files, as the project's test runner names them (unless the spec names them).
      const runner = result.spec.contexts.tests.from.startsWith("the spec's") ? undefined : runnerTestGlobs(this.root);
      if (runner) result.spec.contexts.tests = runner;
      this.lastGoodSpec = result.spec;
      const modules = result.spec.legacy.modules;
      this.legacy = {
        files: new Set(modules.filter((m) => !isPackageSpecifier(m)).map(normalizeRel)),
        packages: new Set(modules.filter(isPackageSpecifier)),
        exports: result.spec.legacy.exports,
      };
      this.projects.setApiSurfaces(result.spec.legacy.api, result.spec.legacy.lastMajors);
    } else {
      const errors = result.problems.filter((p) => p.severity === 'error');
      this.logger.warn(
        `${specRelativePath} has ${errors.length} error(s)${this.lastGoodSpec ? '; keeping the last valid spec' : ''}: ${errors[0]?.message ?? ''}`,
      );
    }
  }

  private setState(state: IndexState): void {
    this.state = state;
    this.onDidChangeStatus.fire(this.status());
  }
}

/**
 * What a file hands on to the files importing it, as a comparable string: the legacy exports it
 * re-exports and the legacy instances it exports (by name and class). Empty for other files.
 */
function handsOn(analysis: FileAnalysis | undefined): string {
  if (!analysis?.carriesLegacy) return '';
  const reexports = analysis.usages.filter((u) => u.kind === 'reexport').map((u) => u.symbol);
  const escaping = analysis.routingIssues
    .filter((i) => i.kind === 'escaping-instance' || i.kind === 'commonjs-interop')
    .map((i) => i.message);
  return JSON.stringify([reexports.sort(), escaping.sort()]);
}

function normalizeRel(rel: string): string {
  return rel.replace(/\\/g, '/').replace(/^\.\//, '');
}
