import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Who holds the repository's operation lock. */
export interface LockOwner {
  pid: number;
  host: string;
  /** Milliseconds since the epoch. */
  since: number;
  /** What it is doing ("migrating src/a.ts"). */
  what: string;
  /** Which program ("the CLI", "VS Code"). */
  by: string;
  /** Random, so an owner can tell its own lock from a later one with the same pid. */
  token: string;
}

/** The lock's file name in `.git/stepwise/`. */
export const lockFileName = 'operation.lock';

/** Whether a process with this id runs on this machine (EPERM: it runs, as another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The owner described in a sentence's words: "migrating src/a.ts (the CLI, pid 12, on host, for 3 s)". */
export function describeOwner(owner: LockOwner, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - owner.since) / 1000));
  const age = seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
  return `${owner.what} (${owner.by}, pid ${owner.pid} on ${owner.host}, for ${age})`;
}

/**
 * One lock per repository for every state-changing operation (migrate, verify, approve, revert,
 * cleanup, rollout changes), shared by every Stepwise process — the CLI, the editor's server,
 * another window — through a file created exclusively in `.git/stepwise/`. A lock whose owner
 * is gone (same host, no such process) is stale and taken over; a live owner's is refused with
 * who holds it.
 */
export class RepositoryLock {
  readonly file: string;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, lockFileName);
  }

  /** The current owner, or undefined when the lock is free (or unreadable: then it is stale). */
  async owner(): Promise<LockOwner | undefined> {
    try {
      const parsed = JSON.parse(await fs.readFile(this.file, 'utf8')) as Partial<LockOwner>;
      if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string' || typeof parsed.token !== 'string') return undefined;
      return {
        pid: parsed.pid,
        host: parsed.host,
        since: typeof parsed.since === 'number' ? parsed.since : 0,
        what: typeof parsed.what === 'string' ? parsed.what : 'an operation',
        by: typeof parsed.by === 'string' ? parsed.by : 'Stepwise',
        token: parsed.token,
      };
    } catch {
      return undefined;
    }
  }

  /** Whether an owner is certainly gone (this host, and its process is not running). */
  static stale(owner: LockOwner | undefined): boolean {
    return !owner || (owner.host === os.hostname() && !processAlive(owner.pid));
  }

  /**
   * Takes the lock, or says who holds it. `stale` receives the owner of a stale lock taken over
   * (its operation was interrupted: the caller recovers it).
   */
  async acquire(what: string, by: string): Promise<{ release: () => Promise<void>; stale?: LockOwner } | { heldBy: LockOwner }> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const me: LockOwner = { pid: process.pid, host: os.hostname(), since: Date.now(), what, by, token: randomToken() };
    let stale: LockOwner | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const handle = await fs.open(this.file, 'wx');
        try {
          await handle.writeFile(`${JSON.stringify(me)}\n`);
        } finally {
          await handle.close();
        }
        return { release: () => this.release(me), stale };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = await this.owner();
      if (owner && !RepositoryLock.stale(owner)) return { heldBy: owner };
      // Stale: moved aside under a name of our own, so of two processes taking it over at once
      // only one succeeds, and a lock taken meanwhile by a live process is put back.
      const aside = `${this.file}.${process.pid}.${me.token}`;
      try {
        await fs.rename(this.file, aside);
      } catch {
        continue; // someone else moved it first; try again
      }
      const moved = await fs.readFile(aside, 'utf8').catch(() => '');
      let movedOwner: LockOwner | undefined;
      try {
        movedOwner = JSON.parse(moved) as LockOwner;
      } catch {
        movedOwner = undefined;
      }
      if (movedOwner && owner && movedOwner.token !== owner.token && !RepositoryLock.stale(movedOwner)) {
        // Not the lock we judged stale: give it back (link fails if yet another took its place).
        await fs.link(aside, this.file).catch(() => undefined);
        await fs.rm(aside, { force: true });
        return { heldBy: movedOwner };
      }
      await fs.rm(aside, { force: true });
      stale = owner ?? stale;
    }
    const owner = await this.owner();
    return { heldBy: owner ?? { pid: 0, host: '?', since: 0, what: 'an operation', by: 'Stepwise', token: '' } };
  }

  private async release(me: LockOwner): Promise<void> {
    const owner = await this.owner();
    if (owner?.token === me.token) await fs.rm(this.file, { force: true });
  }
}

function randomToken(): string {
  return Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
}
