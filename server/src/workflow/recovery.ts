import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gitTimeoutMs } from './git';
import type { CommitInfo, GitRepo } from './git';
import { Trailers } from './git';

/**
 * What a state-changing operation is about to do, written to `.git/stepwise/intent.json` before
 * it touches the working tree, the index or HEAD, and removed when it is over. One left behind
 * means its process died mid-way (killed, a crash, a power cut): the next Stepwise to take the
 * repository's lock finds it and completes or undoes the operation.
 */
export type Intent =
  | {
      op: 'migrate';
      file: string;
      migration: string;
      /** HEAD before, and the baseline's head (the migration's base). */
      head: string;
      base: string;
      /** Every path the migration writes, and those it creates. */
      paths: string[];
      created: string[];
      createsAdapter: boolean;
      risk: string;
      forced?: string;
      logOffsets: Record<string, number>;
      at: number;
      pid: number;
    }
  | {
      op: 'revert';
      file: string;
      migration: string;
      head: string;
      commit: string;
      paths: string[];
      reason: string;
      at: number;
      pid: number;
    }
  | { op: 'approve'; file: string; migration: string; head: string; commit: string; at: number; pid: number };

export const intentFileName = 'intent.json';

export class IntentRecord {
  readonly file: string;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, intentFileName);
  }

  async write(intent: Intent): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(temporary, `${JSON.stringify(intent)}\n`);
    await fs.rename(temporary, this.file);
  }

  async read(): Promise<Intent | undefined> {
    try {
      const parsed = JSON.parse(await fs.readFile(this.file, 'utf8')) as Intent;
      const known = parsed && typeof parsed === 'object' && ['migrate', 'revert', 'approve'].includes(parsed.op);
      return known && typeof parsed.file === 'string' && typeof parsed.head === 'string' ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  async clear(): Promise<void> {
    await fs.rm(this.file, { force: true });
  }
}

/** What recovery did, for the journal and one sentence to the user. */
export interface Recovery {
  intent: Intent;
  outcome: 'completed' | 'undone' | 'left';
  message: string;
  /** For a completed migration, revert or approval: the commit it made. */
  commit?: string;
}

/**
 * Finishes an interrupted operation from what git says happened: when its commit exists, the
 * operation completed (the caller completes the journal); when it does not, every path it
 * touched is put back to HEAD — which is what they held before, since an operation starts only
 * on clean paths — and git's own leftovers (the index lock, a revert in progress) are cleared.
 * When HEAD moved otherwise meanwhile, nothing is touched and the message says what to check.
 */
export async function recoverIntent(repo: GitRepo, intent: Intent, now = Date.now()): Promise<Recovery> {
  const cleaned = await clearOwnIndexLock(repo, intent, now);
  const head = (await repo.head()) ?? '';
  const made = head && head !== intent.head ? await repo.commitsBetween(intent.head, head).catch((): CommitInfo[] => []) : [];
  const what =
    intent.op === 'migrate'
      ? `the migration of ${intent.file}`
      : intent.op === 'revert'
        ? `the revert of ${intent.file}`
        : `the approval of ${intent.file}`;
  const found =
    intent.op === 'migrate'
      ? made.find((c) => c.trailers[Trailers.file] === intent.file && c.trailers[Trailers.migration] === intent.migration && !c.reverts)
      : intent.op === 'revert'
        ? made.find((c) => c.reverts !== undefined && intent.commit.startsWith(c.reverts))
        : made.find((c) => c.trailers[Trailers.approves] === intent.commit);
  if (found) {
    return {
      intent,
      outcome: 'completed',
      commit: found.sha,
      message: `Stepwise was stopped during ${what} after its commit ${found.sha.slice(0, 8)} was made; the record of it is now complete.`,
    };
  }
  if (head !== intent.head) {
    return {
      intent,
      outcome: 'left',
      message: `Stepwise was stopped during ${what}, and HEAD has moved since (${intent.head.slice(0, 8)} → ${head.slice(0, 8) || 'none'}) without its commit, so nothing was changed; check ${intent.op === 'migrate' ? intent.paths.join(', ') : intent.file} by hand.`,
    };
  }
  if (intent.op === 'approve') {
    // The approval is one atomic ref update: not made means nothing changed.
    return {
      intent,
      outcome: 'undone',
      message: `Stepwise was stopped during ${what} before it was recorded; nothing changed, approve it again.`,
    };
  }
  const paths = intent.paths;
  try {
    if (intent.op === 'revert') await repo.abortRevert();
    await repo.restoreFromHead(paths, intent.op === 'migrate' ? intent.created : []);
  } catch (error) {
    return {
      intent,
      outcome: 'left',
      message: `Stepwise was stopped during ${what}, and putting ${paths.join(', ')} back failed (${(error as Error).message.split('\n')[0]}); the intent is kept in .git/stepwise/${intentFileName}, so the next Stepwise operation tries again.`,
    };
  }
  await removeTemporaries(repo.root, paths);
  return {
    intent,
    outcome: 'undone',
    message: `Stepwise was stopped during ${what} before its commit, so ${describeUndone(paths, intent.op === 'migrate' ? intent.created : [])}${cleaned ? ' (and the git index lock it left was removed)' : ''}; nothing else changed.`,
  };
}

/**
 * Removes `.git/index.lock` when it is Stepwise's own: made while the interrupted operation ran
 * (after its intent, within git's time limit). A lock from any other time belongs to someone else.
 */
async function clearOwnIndexLock(repo: GitRepo, intent: Intent, now: number): Promise<boolean> {
  const lock = path.join(repo.gitDir, 'index.lock');
  const stat = await fs.stat(lock).catch(() => undefined);
  if (!stat) return false;
  const made = stat.mtimeMs;
  const ours = made >= intent.at - 1000 && made <= Math.min(now, intent.at + 10 * gitTimeoutMs());
  if (!ours) return false;
  await fs.rm(lock, { force: true });
  return true;
}

/** Temporary files an atomic write left beside its target (`<file>.stepwise-<pid>-<time>.tmp`). */
async function removeTemporaries(root: string, paths: string[]): Promise<void> {
  for (const rel of paths) {
    const absolute = path.join(root, ...rel.split('/'));
    const dir = path.dirname(absolute);
    if (!existsSync(dir)) continue;
    const prefix = `${path.basename(absolute)}.stepwise-`;
    for (const name of await fs.readdir(dir).catch((): string[] => [])) {
      if (name.startsWith(prefix) && name.endsWith('.tmp')) await fs.rm(path.join(dir, name), { force: true });
    }
  }
}

/** "a.ts was put back as it was, and b.ts, which it had created, was removed". */
function describeUndone(paths: string[], created: string[]): string {
  const restored = paths.filter((p) => !created.includes(p));
  const removed = paths.filter((p) => created.includes(p));
  const parts: string[] = [];
  if (restored.length > 0)
    parts.push(`${restored.join(', ')} ${restored.length === 1 ? 'was put back as it was' : 'were put back as they were'}`);
  if (removed.length > 0) parts.push(`${removed.join(', ')}, which it had created, ${removed.length === 1 ? 'was' : 'were'} removed`);
  return parts.join(', and ');
}
