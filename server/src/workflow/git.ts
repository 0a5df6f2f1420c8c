import { spawn } from 'node:child_process';
import { killTree, trackChild } from '../util/children';
import { faultPoint } from '../util/faults';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Trailer keys on Stepwise's commits: a fresh clone knows what was migrated from them alone. */
export const Trailers = {
  migration: 'Stepwise-Migration',
  file: 'Stepwise-File',
  risk: 'Stepwise-Risk',
  baseline: 'Stepwise-Baseline',
  approves: 'Stepwise-Approves',
  approver: 'Stepwise-Approver',
  observed: 'Stepwise-Observed',
  /** On the commit that removes the adapter (the end of a migration): the adapter's path. */
  removesAdapter: 'Stepwise-Removes-Adapter',
} as const;

/** A commit in HEAD's history, with the trailers Stepwise reads. */
export interface CommitInfo {
  sha: string;
  subject: string;
  author: string;
  date: string;
  trailers: Record<string, string>;
  /** When the commit's message says "This reverts commit X", X. */
  reverts?: string;
}

/** A git failure turned into one sentence for a person, with git's own output kept for the log. */
export class GitProblem extends Error {
  constructor(
    message: string,
    readonly output = '',
    /** git was stopped because it ran past its time limit. */
    readonly timedOut = false,
  ) {
    super(message);
  }
}

const fieldSeparator = '\x1f';
const recordSeparator = '\x1e';

/**
 * The git operations the workflow needs, on top of simple-git. Every operation that changes the
 * repository checks its preconditions first and, when it fails half-way, puts the working tree
 * and the index back as they were.
 */
export class GitRepo {
  private constructor(
    readonly root: string,
    readonly gitDir: string,
    /** The workspace's folder relative to the repository's top (`''` when they are the same). */
    private readonly prefix: string,
  ) {}

  /** Opens the repository that contains `root`, or says why there is none. */
  static async open(root: string): Promise<GitRepo> {
    let top: string;
    let gitDir: string;
    try {
      [top, gitDir] = (await runGit(path.resolve(root), ['rev-parse', '--show-toplevel', '--absolute-git-dir']))
        .toString()
        .trim()
        .split('\n');
    } catch (error) {
      if (error instanceof GitProblem && error.timedOut) throw error;
      throw new GitProblem(
        `${root} is not in a git repository; Stepwise records each migration as a commit, so run "git init" and commit first.`,
      );
    }
    // A workspace inside a larger repository works: git's paths are made relative to the workspace.
    const prefix = path.relative(path.resolve(top), path.resolve(root)).split(path.sep).join('/');
    return new GitRepo(path.resolve(root), gitDir, prefix);
  }

  /**
   * Checks `sha` out, detached, in a new worktree at `dir` (which must not exist), so its code can
   * run beside the working tree's without touching it. The project's installed node_modules are
   * linked in, because a checkout has none. Returns the workspace's folder inside the worktree.
   */
  async addWorktree(dir: string, sha: string): Promise<string> {
    await this.raw(['worktree', 'add', '--detach', '--quiet', '--end-of-options', dir, objectId(sha)]);
    const workspace = this.prefix ? path.join(dir, ...this.prefix.split('/')) : dir;
    const top = this.prefix ? path.resolve(this.root, ...this.prefix.split('/').map(() => '..')) : this.root;
    for (const [from, to] of [
      [path.join(this.root, 'node_modules'), path.join(workspace, 'node_modules')],
      [path.join(top, 'node_modules'), path.join(dir, 'node_modules')],
    ]) {
      if (existsSync(from) && !existsSync(to)) await fs.symlink(from, to, 'dir').catch(() => undefined);
    }
    return workspace;
  }

  /** Removes a worktree made by addWorktree, and git's record of it, whatever state it is in. */
  async removeWorktree(dir: string): Promise<void> {
    const removed = await this.raw(['worktree', 'remove', '--force', '--force', dir]).then(
      () => true,
      () => false,
    );
    if (removed) return;
    await fs.rm(dir, { recursive: true, force: true });
    await this.raw(['worktree', 'prune']).catch(() => undefined);
  }

  /** The folder where Stepwise keeps its journal (inside .git, so it never dirties the tree). */
  stateDir(): string {
    return path.join(this.gitDir, 'stepwise');
  }

  /**
   * HEAD's commit. Read from the git folder's files (HEAD, the loose ref, packed-refs) without
   * starting git, as git itself resolves it; anything unusual (reftable, a symbolic ref to a
   * symbolic ref) asks git.
   */
  async head(): Promise<string | undefined> {
    const read = await this.headFromFiles();
    if (read !== null) return read;
    try {
      return (await this.raw(['rev-parse', '--verify', '-q', 'HEAD'])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** HEAD from the files: a commit id, undefined for an unborn branch, null when git must be asked. */
  private async headFromFiles(): Promise<string | undefined | null> {
    try {
      const common = await this.commonDir();
      if (existsSync(path.join(common, 'reftable'))) return null;
      const head = (await fs.readFile(path.join(this.gitDir, 'HEAD'), 'utf8')).trim();
      if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(head)) return head;
      const ref = /^ref: (refs\/heads\/\S+)$/.exec(head)?.[1];
      if (!ref) return null;
      return await this.refFromFiles(ref); // undefined: a branch with no commit yet
    } catch {
      return null;
    }
  }

  /** A ref's commit from the files (loose, then packed-refs); undefined when it does not exist, null: ask git. */
  private async refFromFiles(ref: string): Promise<string | undefined | null> {
    const common = await this.commonDir();
    if (existsSync(path.join(common, 'reftable'))) return null;
    const loose = path.join(common, ...ref.split('/'));
    if (existsSync(loose)) {
      const sha = (await fs.readFile(loose, 'utf8')).trim();
      return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha) ? sha : null;
    }
    const packed = path.join(common, 'packed-refs');
    if (existsSync(packed)) {
      for (const line of (await fs.readFile(packed, 'utf8')).split('\n')) {
        const [sha, name] = line.trim().split(' ');
        if (name === ref && /^[0-9a-f]{40}/.test(sha)) return sha;
      }
    }
    return undefined;
  }

  /** The folder shared by every worktree of the repository (refs, packed-refs). */
  private async commonDir(): Promise<string> {
    this.common ??= fs
      .readFile(path.join(this.gitDir, 'commondir'), 'utf8')
      .then((text) => path.resolve(this.gitDir, text.trim()))
      .catch(() => this.gitDir);
    return this.common;
  }

  private common: Promise<string> | undefined;

  async currentBranch(): Promise<string | undefined> {
    const head = await fs.readFile(path.join(this.gitDir, 'HEAD'), 'utf8').catch(() => '');
    const branch = /^ref: refs\/heads\/(\S+)\s*$/.exec(head)?.[1];
    if (branch) return branch;
    if (/^[0-9a-f]{40}/.test(head.trim())) return undefined; // detached
    try {
      const ref = (await this.raw(['symbolic-ref', '-q', 'HEAD'])).trim();
      return ref.replace(/^refs\/heads\//, '') || undefined;
    } catch {
      return undefined;
    }
  }

  /** The operation git is in the middle of (merge, rebase…), which makes commits unsafe. */
  operationInProgress(): string | undefined {
    const markers: [string, string][] = [
      ['MERGE_HEAD', 'a merge'],
      ['rebase-merge', 'a rebase'],
      ['rebase-apply', 'a rebase or git am'],
      ['CHERRY_PICK_HEAD', 'a cherry-pick'],
      ['REVERT_HEAD', 'a revert'],
      ['BISECT_LOG', 'a bisect'],
    ];
    for (const [marker, what] of markers) if (existsSync(path.join(this.gitDir, marker))) return what;
    return undefined;
  }

  /** Checks that a commit can be made here; throws a GitProblem naming what is in the way. */
  async assertCanCommit(): Promise<void> {
    const operation = this.operationInProgress();
    if (operation) throw new GitProblem(`git is in the middle of ${operation}; finish or abort it first.`);
    if (!(await this.head()))
      throw new GitProblem('The repository has no commit yet; commit the current state first so there is something to revert to.');
    if (!(await this.currentBranch()))
      throw new GitProblem('HEAD is detached; check out a branch first so the migration commit is not lost.');
  }

  /** Workspace-relative paths (of `paths`) that differ from HEAD in the index or the working tree. */
  async changedPaths(paths: string[]): Promise<string[]> {
    if (paths.length === 0) return [];
    const out = await this.raw(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', ...paths]);
    const changed: string[] = [];
    const entries = out.split('\0').filter(Boolean);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      changed.push(this.toWorkspace(entry.slice(3)));
      if (entry[0] === 'R' || entry[0] === 'C') i++; // the rename's source follows
    }
    return changed;
  }

  async identity(): Promise<{ name: string; email: string }> {
    const read = async (key: string): Promise<string> => {
      try {
        return (await this.raw(['config', '--get', key])).trim();
      } catch {
        return '';
      }
    };
    return { name: (await read('user.name')) || 'unknown', email: (await read('user.email')) || 'unknown' };
  }

  /**
   * Commits exactly `paths` (already written to disk) with `message`. Hooks run. When the commit
   * fails, the index entries of those paths are put back, and `restore` puts their contents back.
   */
  async commitPaths(
    paths: string[],
    message: string,
    restore: () => Promise<void>,
    options: { allowEmpty?: boolean } = {},
  ): Promise<string> {
    const before = await this.head();
    try {
      if (paths.length > 0) await this.raw(['add', '--', ...paths]);
      faultPoint('commit:staged');
      const args = ['commit', '-q', '-F', '-'];
      if (options.allowEmpty) args.push('--allow-empty');
      if (paths.length > 0) args.push('--only', '--', ...paths);
      await this.runWithInput(args, message);
    } catch (error) {
      const output = errorOutput(error);
      try {
        if (paths.length > 0)
          await this.raw(['reset', '-q', '--', ...paths]).catch(() => this.raw(['rm', '-q', '--cached', '--', ...paths]));
      } finally {
        await restore();
      }
      if (error instanceof GitProblem && error.timedOut)
        throw new GitProblem(`The commit was stopped, so the working tree was put back as it was: ${error.message}`, output, true);
      const hook = /hook/i.test(output) ? ' A git hook refused it.' : '';
      throw new GitProblem(`The commit failed, so the working tree was put back as it was.${hook} git said: ${firstLines(output)}`, output);
    }
    return this.committed(before);
  }

  /**
   * Makes an empty commit on the current branch without touching the index or the working tree
   * (so nothing the user staged ends up in it): the approval record.
   */
  async commitEmpty(message: string): Promise<string> {
    await this.assertCanCommit();
    const head = (await this.head()) as string;
    const tree = (await this.raw(['rev-parse', 'HEAD^{tree}'])).trim();
    const commit = (await this.outputWithInput(['commit-tree', tree, '-p', head, '-F', '-'], message)).trim();
    await this.raw(['update-ref', '-m', 'stepwise: approval', 'HEAD', commit, head]);
    return this.committed(head);
  }

  /**
   * Reverts one commit with `git revert --no-edit`. On a conflict (or a failing hook) the revert is
   * aborted, so the working tree and index are as before, and the problem says what to do.
   */
  async revert(sha: string): Promise<string> {
    await this.assertCanCommit();
    const before = await this.head();
    try {
      await this.raw(['revert', '--no-edit', '--end-of-options', objectId(sha)]);
    } catch (error) {
      const output = errorOutput(error);
      const conflicted = /conflict/i.test(output);
      if (existsSync(path.join(this.gitDir, 'REVERT_HEAD'))) await this.raw(['revert', '--abort']).catch(() => undefined);
      if (/local changes|would be overwritten|overwritten by merge/i.test(output)) {
        throw new GitProblem(`Reverting ${sha.slice(0, 8)} would overwrite uncommitted changes; commit or stash them first.`, output);
      }
      if (conflicted) {
        throw new GitProblem(
          `Reverting ${sha.slice(0, 8)} conflicts with later changes, so the revert was aborted and nothing changed. Revert it by hand (git revert ${sha.slice(0, 8)}), resolve the conflicts and commit.`,
          output,
        );
      }
      throw new GitProblem(`git revert ${sha.slice(0, 8)} failed and was aborted, so nothing changed: ${firstLines(output)}`, output);
    }
    return this.committed(before);
  }

  /**
   * After Stepwise made a commit on top of `before`: the new HEAD, with the history extended by
   * the commits since `before` (one short git log, not the whole history again).
   */
  private async committed(before: string | undefined): Promise<string> {
    const head = (await this.head()) as string;
    const cached = this.historyCache;
    if (before && cached?.head === before) {
      const older = await cached.commits.catch(() => undefined);
      if (older) {
        const newer = await this.readHistory(`${before}..${head}`);
        this.historyCache = { head, commits: Promise.resolve([...newer, ...older]) };
        this.authors = new Map(newer.map((c) => [c.sha, c.author]));
      }
    }
    return head;
  }

  private authors = new Map<string, string>();

  /** Who made a commit Stepwise just made ("Name <email>" split), when the history says. */
  authorOf(sha: string): { name: string; email: string } | undefined {
    const author = this.authors.get(sha);
    const match = author ? /^(.*) <(.*)>$/.exec(author) : null;
    return match ? { name: match[1], email: match[2] } : undefined;
  }

  /**
   * Commits in HEAD's history whose message mentions Stepwise or reverts something. A commit's
   * history never changes, so the answer is kept for the HEAD it was read at; pass `head` when the
   * caller has just read it, to save a git process.
   */
  async history(head?: string): Promise<CommitInfo[]> {
    const at = head ?? (await this.head());
    if (!at) return [];
    // The promise is kept, so callers asking at once share one git log.
    if (this.historyCache?.head !== at) {
      const commits = this.readHistory(at);
      this.historyCache = { head: at, commits };
      commits.catch(() => {
        if (this.historyCache?.commits === commits) this.historyCache = undefined;
      });
    }
    return this.historyCache.commits;
  }

  private historyCache: { head: string; commits: Promise<CommitInfo[]> } | undefined;

  private async readHistory(head: string): Promise<CommitInfo[]> {
    const format = ['%H', '%s', '%an <%ae>', '%aI', '%B'].join(fieldSeparator) + recordSeparator;
    let out: string;
    try {
      out = await this.raw(['log', `--format=${format}`, '-E', '--grep=^(Stepwise-|This reverts commit )', head]);
    } catch (error) {
      throw new GitProblem(`git log failed: ${firstLines(errorOutput(error))}`);
    }
    const commits: CommitInfo[] = [];
    for (const record of out.split(recordSeparator)) {
      const trimmed = record.replace(/^\n+/, '');
      if (!trimmed) continue;
      const [sha, subject, author, date, body = ''] = trimmed.split(fieldSeparator);
      const trailers: Record<string, string> = {};
      for (const line of body.split('\n')) {
        const match = /^(Stepwise-[A-Za-z-]+):\s*(.*)$/.exec(line.trim());
        if (match) trailers[match[1]] = match[2];
      }
      const reverts = /This reverts commit ([0-9a-f]{7,40})/.exec(body)?.[1];
      commits.push({ sha, subject, author, date, trailers, reverts });
    }
    return commits;
  }

  /** Whether a commit is in HEAD's history (false for commits dropped by a reset). */
  async isInHistory(sha: string): Promise<boolean> {
    try {
      await this.raw(['merge-base', '--is-ancestor', '--end-of-options', objectId(sha), 'HEAD']);
      return true;
    } catch {
      return false;
    }
  }

  /** Stepwise's commits (and reverts) after `base` up to `head`, newest first. */
  async commitsBetween(base: string, head: string): Promise<CommitInfo[]> {
    return this.readHistory(`${objectId(base)}..${objectId(head)}`);
  }

  /** Ends a revert in progress (REVERT_HEAD), putting the tree and index back; nothing when there is none. */
  async abortRevert(): Promise<void> {
    if (existsSync(path.join(this.gitDir, 'REVERT_HEAD'))) await this.raw(['revert', '--abort']);
  }

  /**
   * Puts workspace paths back to HEAD in the index and the working tree; `created` paths that
   * HEAD does not have are removed, with the folders that held only them. For recovery, on
   * paths that were clean before the interrupted operation.
   */
  async restoreFromHead(paths: string[], created: string[]): Promise<void> {
    if (paths.length === 0) return;
    await this.raw(['reset', '-q', 'HEAD', '--', ...paths]).catch(() =>
      this.raw(['rm', '-q', '--cached', '--ignore-unmatch', '--', ...paths]),
    );
    const tracked = new Set(
      (await this.raw(['ls-tree', '-r', '--name-only', '-z', 'HEAD', '--', ...paths]))
        .split('\0')
        .filter(Boolean)
        .map((p) => this.toWorkspace(p)),
    );
    const inHead = paths.filter((p) => tracked.has(p));
    if (inHead.length > 0) await this.raw(['checkout', '-q', 'HEAD', '--', ...inHead]);
    for (const rel of paths.filter((p) => !tracked.has(p) && created.includes(p))) {
      const absolute = path.join(this.root, ...rel.split('/'));
      await fs.rm(absolute, { force: true });
      for (let dir = path.dirname(absolute); dir.startsWith(this.root) && dir !== this.root; dir = path.dirname(dir)) {
        if (
          !(await fs.rmdir(dir).then(
            () => true,
            () => false,
          ))
        )
          break;
      }
    }
  }

  /** Workspace-relative paths a commit changed. */
  async filesOf(sha: string): Promise<string[]> {
    const out = await this.raw(['show', '--format=', '--name-only', '-z', '--end-of-options', objectId(sha)]);
    return out
      .split('\0')
      .filter(Boolean)
      .map((p) => this.toWorkspace(p.trim()));
  }

  /** A file's text at a commit, or undefined when the file does not exist there. */
  async show(sha: string, workspaceRelative: string): Promise<string | undefined> {
    try {
      return await this.raw(['show', '--end-of-options', `${objectId(sha)}:./${workspaceRelative}`]);
    } catch {
      return undefined;
    }
  }

  /** Paths git reports relative to the repository root; the workspace may be a sub-folder. */
  private toWorkspace(repoRelative: string): string {
    const clean = repoRelative.replace(/^"|"$/g, '');
    return this.prefix && clean.startsWith(`${this.prefix}/`) ? clean.slice(this.prefix.length + 1) : clean;
  }

  // ---- evidence as git notes (refs/notes/stepwise) ------------------------------------------

  /** The notes ref's commit, or undefined when there are no Stepwise notes. */
  async notesHead(): Promise<string | undefined> {
    const read = await this.refFromFiles(notesRef).catch(() => null);
    if (read !== null) return read;
    try {
      return (await this.raw(['rev-parse', '-q', '--verify', `${notesRef}^{commit}`])).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** Sets the note on a commit (replacing it): one journal entry per line. */
  async writeNote(sha: string, text: string): Promise<void> {
    objectId(sha);
    const before = await this.notesHead();
    const known = before === undefined ? new Map<string, string>() : this.notesCache?.head === before ? this.notesCache.notes : undefined;
    await this.runWithInput(['notes', `--ref=${notesRef}`, 'add', '-f', '-F', '-', '--end-of-options', sha], text);
    // What we wrote is what a read would find: no need to list the notes again.
    const head = await this.notesHead();
    if (head && known) this.notesCache = { head, notes: new Map(known).set(sha, text) };
  }

  /** Every Stepwise note, by the commit it is on. Read once per notes commit. */
  async notes(): Promise<Map<string, string>> {
    const head = await this.notesHead();
    if (!head) return new Map();
    if (this.notesCache?.head === head) return this.notesCache.notes;
    const notes = (async (): Promise<Map<string, string>> => {
      const pairs = (await this.raw(['notes', `--ref=${notesRef}`, 'list']))
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' ') as [string, string]);
      const out = new Map<string, string>();
      if (pairs.length === 0) return out;
      // One process for all of them: cat-file --batch answers "<id> blob <size>\n<content>\n" per id.
      const batch = await this.bytesWithInput(['cat-file', '--batch'], `${pairs.map(([blob]) => blob).join('\n')}\n`);
      let at = 0;
      for (const [blob, commit] of pairs) {
        const headerEnd = batch.indexOf(0x0a, at);
        if (headerEnd < 0) break;
        const header = batch.subarray(at, headerEnd).toString('utf8').split(' ');
        const size = Number(header[2]);
        if (header[0] !== blob || !Number.isFinite(size)) break;
        out.set(commit, batch.subarray(headerEnd + 1, headerEnd + 1 + size).toString('utf8'));
        at = headerEnd + 1 + size + 1;
      }
      return out;
    })();
    this.notesCache = { head, notes: await notes };
    return this.notesCache.notes;
  }

  private notesCache: { head: string; notes: Map<string, string> } | undefined;

  /**
   * Shares the evidence with a remote: fetches its Stepwise notes, merges them with ours (lines of
   * both, each once), and pushes the result. Says what it did in one sentence.
   */
  async syncNotes(remote: string): Promise<string> {
    if (!/^[\w.\-/]+$/.test(remote)) throw new Error(`"${remote}" is not a remote name.`);
    const incoming = 'refs/notes/stepwise-incoming';
    let fetched = false;
    try {
      await this.raw(['fetch', '--quiet', '--end-of-options', remote, `+${notesRef}:${incoming}`]);
      fetched = true;
    } catch (error) {
      // A remote without Stepwise notes yet: nothing to merge.
      if (!/couldn't find remote ref|no such ref|not found/i.test(errorOutput(error)))
        throw new Error(`Fetching the evidence from ${remote} failed: ${firstLines(errorOutput(error))}`);
    }
    if (fetched) {
      if (await this.notesHead()) await this.raw(['notes', `--ref=${notesRef}`, 'merge', '-q', '-s', 'cat_sort_uniq', incoming]);
      else await this.raw(['update-ref', notesRef, incoming]);
      await this.raw(['update-ref', '-d', incoming]).catch(() => undefined);
    }
    if (!(await this.notesHead())) return `Neither this clone nor ${remote} has Stepwise evidence yet.`;
    try {
      await this.raw(['push', '--quiet', '--end-of-options', remote, `${notesRef}:${notesRef}`]);
    } catch (error) {
      throw new Error(`Pushing the evidence to ${remote} failed: ${firstLines(errorOutput(error))}`);
    }
    return `The evidence is shared with ${remote}: ${fetched ? 'fetched, merged and pushed' : 'pushed (it had none)'} (${notesRef}).`;
  }

  /**
   * git's standard output as text; see runGit. When git had to be stopped, the index lock it was
   * holding (made since it started) is removed, so the repository is usable again at once.
   */
  private async raw(args: string[], input?: string): Promise<string> {
    const started = Date.now();
    try {
      return (await runGit(this.root, args, input)).toString();
    } catch (error) {
      if (error instanceof GitProblem && error.timedOut) await this.removeIndexLockSince(started);
      throw error;
    }
  }

  private async removeIndexLockSince(started: number): Promise<void> {
    const lock = path.join(this.gitDir, 'index.lock');
    const stat = await fs.stat(lock).catch(() => undefined);
    if (stat && stat.mtimeMs >= started - 1000) await fs.rm(lock, { force: true });
  }

  private bytesWithInput(args: string[], input: string): Promise<Buffer> {
    return runGit(this.root, args, input);
  }

  private async runWithInput(args: string[], input: string): Promise<void> {
    await this.raw(args, input);
  }

  private async outputWithInput(args: string[], input: string): Promise<string> {
    return this.raw(args, input);
  }

  /**
   * Whether this clone's history is cut off (git clone --depth): a migration commit may be
   * hidden beyond its edge, so the one-file-in-flight gate cannot be trusted.
   */
  async isShallow(): Promise<boolean> {
    return existsSync(path.join(await this.commonDir(), 'shallow'));
  }
}

/**
 * How long one git command (with its hooks) may take before it is stopped: 2 minutes, or
 * STEPWISE_GIT_TIMEOUT_SECONDS (1 to 86400).
 */
export function gitTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.STEPWISE_GIT_TIMEOUT_SECONDS);
  return Number.isFinite(seconds) && seconds >= 1 && seconds <= 86_400 ? seconds * 1000 : 120_000;
}

/**
 * Runs git without a shell and never without a bound: when it (or a hook it started) has not
 * finished within gitTimeoutMs, it is killed with everything it started, and the
 * promise rejects with a GitProblem saying so. git never prompts (no terminal to answer it).
 * Resolves with standard output; rejects with standard output and error as the problem's output.
 */
export function runGit(cwd: string, args: string[], input?: string): Promise<Buffer> {
  const timeoutMs = gitTimeoutMs();
  return new Promise<Buffer>((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: process.env.GIT_ASKPASS ?? '', LC_ALL: 'C' },
    });
    const group = trackChild(child, 'tree');
    const chunks: Buffer[] = [];
    let errors = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killTree(child);
    }, timeoutMs);
    child.stdout?.on('data', (d: Buffer) => chunks.push(d));
    child.stderr?.on('data', (d: Buffer) => (errors += d.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      group.dispose();
      reject(new GitProblem(`git could not start: ${error.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      group.dispose();
      const stdout = Buffer.concat(chunks);
      if (timedOut) {
        const what = args.find((a) => !a.startsWith('-')) ?? args[0];
        reject(
          new GitProblem(
            `git ${what} did not finish within ${Math.round(timeoutMs / 1000)} s (a hook or a lock may be hanging), so it was stopped.`,
            `${stdout.toString()}${errors}`,
            true,
          ),
        );
      } else if (code === 0) resolve(stdout);
      else {
        const output = `${stdout.toString()}${errors}`;
        reject(new GitProblem(output.trim() || `git ${args[0]} exited with ${code}`, output));
      }
    });
    if (input !== undefined) {
      child.stdin?.on('error', () => undefined); // git may exit before reading it all
      child.stdin?.end(input);
    }
  });
}

/**
 * A commit given by a caller (the editor, a journal line, a trailer), accepted only as an object
 * id (optionally `id^`, its parent), so it can never be read by git as an option or a revision
 * expression; throws a GitProblem otherwise.
 */
export function objectId(sha: string): string {
  if (typeof sha !== 'string' || !/^[0-9a-f]{4,64}\^?$/i.test(sha))
    throw new GitProblem(`"${String(sha).slice(0, 80)}" is not a commit id.`);
  return sha;
}

/** Where Stepwise keeps each migration commit's evidence, so it travels with the repository. */
export const notesRef = 'refs/notes/stepwise';

function errorOutput(error: unknown): string {
  if (error instanceof GitProblem) return error.output || error.message;
  return error instanceof Error ? error.message : String(error);
}

function firstLines(text: string, count = 6): string {
  return text.trim().split('\n').slice(0, count).join(' / ');
}
