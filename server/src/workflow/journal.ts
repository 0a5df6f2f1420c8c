import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Dossier } from '../analysis/types';
import type { VerificationResults } from './verification';
import type { Person } from '../protocol/wire';
import type { RedisInfo } from '../observe/controlPlane';
import type { WindowStart } from '../observe/window';

export type { Person };

interface Base {
  /** Milliseconds since the epoch, from the workflow's clock. */
  at: number;
  migration: string;
}

/**
 * The journal's entries: the evidence behind each step, keyed by file and migration commit.
 * Git stays the truth for what was migrated and reverted; the journal says how it went.
 */
export type JournalEntry =
  | (Base & { type: 'dossier'; file: string; head: string; dossier: Dossier })
  | (Base & { type: 'baseline'; head: string; results: VerificationResults })
  | (Base & {
      type: 'migrated';
      file: string;
      commit: string;
      base: string;
      createdAdapter: boolean;
      risk: string;
      by: Person;
      forced?: string;
      /** Log files' sizes at the migration, so verification reads only what came after. */
      logOffsets: Record<string, number>;
    })
  | (Base & { type: 'verification'; file: string; commit: string; results: VerificationResults; ok: boolean })
  | (Base & { type: 'observing'; file: string; commit: string; until: number })
  | (Base & { type: 'approved'; file: string; commit: string; by: Person; approvalCommit: string })
  | (Base & { type: 'reverted'; file: string; commit: string; revertCommit: string; by: Person; reason: string })
  | (Base & {
      type: 'rollout';
      /** The mode before and after (legacy, shadow, a percentage, new). */
      from: string;
      to: string;
      by: Person;
      reason?: string;
      /** What the reporting processes had counted when it changed. */
      observed: Record<string, number>;
      /** The verdict and its figures at that moment (the window that ended). */
      verdict?: string;
      figures?: Record<string, number | null>;
      /** Where each process stood: the next stage's window starts here. */
      start?: WindowStart;
      /** Set by Stepwise itself (automatic rollback, a drill). */
      automatic?: string;
    })
  /** A file's observation window opened (its verification passed): where each process stood. */
  | (Base & { type: 'window'; file: string; commit: string; start: WindowStart })
  /** One sample of the window: the mode, the verdict, its figures, and the store's health. */
  | (Base & {
      type: 'sample';
      file: string;
      mode: string;
      verdict: string;
      figures: Record<string, number | null>;
      health?: {
        pingMs?: number;
        hitRatePercent?: number | null;
        usedMemoryBytes?: number;
        evictedKeys?: number;
        opsPerSecond?: number;
        error?: string;
      };
    })
  /** Redis INFO before a file moved: what the window's figures are set against. */
  | (Base & { type: 'redis-baseline'; file: string; info: RedisInfo })
  /** How long a rollback took to reach every reporting process (null: not all of them in time). */
  | (Base & { type: 'rollback-time'; rolloutAt: number; ms: number | null; processes: number; waitingFor: string[] })
  /** A rollback drill: legacy, then back to the stage it left, each step timed. */
  | (Base & { type: 'adapter-removed'; commit: string; by: Person; removed: string[] })
  | (Base & {
      type: 'drill';
      by: Person;
      stage: string;
      rollbackMs: number | null;
      restoreMs: number | null;
      processes: number;
      ok: boolean;
      error?: string;
    });

export type JournalEntryType = JournalEntry['type'];

type FieldKind = 'string' | 'number' | 'boolean' | 'object';

/** The fields each entry must have, and their kinds (what the status, report and notes read). */
const shapes: Record<JournalEntryType, Record<string, FieldKind>> = {
  dossier: { file: 'string', head: 'string', dossier: 'object' },
  baseline: { head: 'string', results: 'object' },
  migrated: { file: 'string', commit: 'string', base: 'string', by: 'object' },
  verification: { file: 'string', commit: 'string', results: 'object', ok: 'boolean' },
  observing: { file: 'string', commit: 'string', until: 'number' },
  approved: { file: 'string', commit: 'string', by: 'object', approvalCommit: 'string' },
  reverted: { file: 'string', commit: 'string', revertCommit: 'string', by: 'object' },
  rollout: { from: 'string', to: 'string' },
  window: { file: 'string', commit: 'string', start: 'object' },
  sample: { file: 'string', mode: 'string', verdict: 'string', figures: 'object' },
  'redis-baseline': { file: 'string', info: 'object' },
  'rollback-time': { rolloutAt: 'number' },
  drill: { stage: 'string', ok: 'boolean' },
  'adapter-removed': { commit: 'string', by: 'object' },
};

function isKind(value: unknown, kind: FieldKind): boolean {
  if (kind === 'object') return typeof value === 'object' && value !== null && !Array.isArray(value);
  if (kind === 'number') return typeof value === 'number' && Number.isFinite(value);
  return typeof value === kind;
}

/** Verification results as the report and the checklist read them. */
function isResults(value: unknown): boolean {
  const r = value as Record<string, unknown>;
  return Array.isArray(r.skipped) && Array.isArray(r.failures) && typeof r.ok === 'boolean' && typeof r.head === 'string';
}

/**
 * Whether a parsed line is a journal entry of a known type with the fields of its type: a line of
 * another shape (hand-edited, from a newer or broken Stepwise) is skipped, never read as one.
 */
export function isJournalEntry(value: unknown): value is JournalEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entry = value as Record<string, unknown>;
  if (typeof entry.type !== 'string' || !Object.prototype.hasOwnProperty.call(shapes, entry.type)) return false;
  if (!isKind(entry.at, 'number') || typeof entry.migration !== 'string') return false;
  for (const [field, kind] of Object.entries(shapes[entry.type as JournalEntryType])) if (!isKind(entry[field], kind)) return false;
  if ('results' in shapes[entry.type as JournalEntryType] && !isResults(entry.results)) return false;
  const by = entry.by as Record<string, unknown> | undefined;
  if (by !== undefined && (typeof by.name !== 'string' || typeof by.email !== 'string')) return false;
  return true;
}

/**
 * An append-only JSON-lines file in the repository's git folder. Each entry is one line written
 * with a single append and flushed; a line cut short by a crash is skipped when reading, and the
 * next append starts on a fresh line, so earlier entries are never lost.
 */
export class Journal {
  private cache: { size: number; entries: JournalEntry[] } | undefined;

  constructor(readonly file: string) {}

  static in(stateDir: string): Journal {
    return new Journal(path.join(stateDir, 'journal.jsonl'));
  }

  async append(entry: JournalEntry): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const handle = await fs.open(this.file, 'a+');
    try {
      const { size } = await handle.stat();
      let prefix = '';
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last.toString() !== '\n') prefix = '\n';
      }
      await handle.appendFile(`${prefix}${JSON.stringify(entry)}\n`);
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  /** The file's length in bytes (0 when there is none): it grows with every entry. */
  async size(): Promise<number> {
    return fs.stat(this.file).then(
      (stat) => stat.size,
      () => 0,
    );
  }

  /**
   * Every entry, oldest first. The file only grows, so after the first read only the bytes
   * appended since are read (up to the last complete line: a line being written is read later).
   */
  async read(): Promise<JournalEntry[]> {
    if (!existsSync(this.file)) return [];
    const { size } = await fs.stat(this.file);
    if (this.cache && this.cache.size === size) return this.cache.entries;
    const from = this.cache && this.cache.size < size ? this.cache.size : 0;
    const entries = from > 0 && this.cache ? [...this.cache.entries] : [];
    const handle = await fs.open(this.file, 'r');
    let text: string;
    try {
      const buffer = Buffer.alloc(size - from);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
    const complete = text.lastIndexOf('\n') + 1;
    for (const line of text.slice(0, complete).split('\n')) {
      if (!line.trim()) continue;
      try {
        const parsed: unknown = JSON.parse(line);
        if (isJournalEntry(parsed)) entries.push(parsed);
      } catch {
        // A line cut short by a crash mid-write: everything before it is intact.
      }
    }
    this.cache = { size: from + Buffer.byteLength(text.slice(0, complete)), entries };
    return entries;
  }
}
