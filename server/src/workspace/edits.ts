import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { FileChange, TextChange } from '../rewrite/textChange';
import { applyTextChanges } from '../rewrite/textChange';

/** One file of a computed edit: the text it was computed from, the changes, and the result. */
export interface FileEdit {
  /** Workspace-relative path. */
  path: string;
  /** The file does not exist yet. */
  create: boolean;
  /** The text the changes apply to ('' when the file is created). */
  before: string;
  after: string;
  changes: TextChange[];
  /** The editor's version of the document the edit was computed from (null: the text on disk). */
  version: number | null;
}

/** A computed, verified edit, ready to be applied by whoever asked for it. */
export interface PreparedEdit {
  files: FileEdit[];
}

export type ApplyOutcome = { ok: true; restore(): Promise<void> } | { ok: false; error: string };

/**
 * Applies a computed edit. Implemented once over the file system (below: checked unchanged,
 * atomic, restorable; used by the CLI and for the migration commit, which needs the files on
 * disk) and once over LSP (`lsp/edits.ts`: a versioned WorkspaceEdit, refused when stale).
 */
export interface EditApplier {
  apply(edit: PreparedEdit): Promise<ApplyOutcome>;
}

/** The files of an edit with their texts, from the texts the edit was computed against. */
export function prepareEdit(
  files: FileChange[],
  textOf: (rel: string) => string | undefined,
  versionOf: (rel: string) => number | null | undefined,
): PreparedEdit {
  return {
    files: files.map((file) => {
      const before = file.create ? '' : (textOf(file.path) ?? '');
      return {
        path: file.path,
        create: file.create === true,
        before,
        after: applyTextChanges(before, file.changes),
        changes: file.changes,
        version: file.create ? null : (versionOf(file.path) ?? null),
      };
    }),
  };
}

/**
 * Writes edits to disk. Nothing a user wrote is lost: every file must still be what the edit was
 * computed from (absent, for a file it creates), each is written atomically, and when one write
 * fails the ones before it are put back. `restore()` undoes a successful apply.
 */
export class FileSystemEdits implements EditApplier {
  constructor(
    private readonly root: string,
    /** Told which files were written or put back, so the index reads them again. */
    private readonly written: (rels: string[], texts: Map<string, string | undefined>) => Promise<void> = () => Promise.resolve(),
  ) {}

  async apply(edit: PreparedEdit): Promise<ApplyOutcome> {
    const originals = new Map<string, string | undefined>();
    const createdDirs: string[] = [];
    for (const file of edit.files) {
      const absolute = this.absolute(file.path);
      const onDisk = existsSync(absolute) ? await fs.readFile(absolute, 'utf8') : undefined;
      if (file.create ? onDisk !== undefined : onDisk !== file.before) {
        return {
          ok: false,
          error: `${file.path} ${file.create ? 'appeared' : 'changed'} on disk while Stepwise was working, so nothing was written; try again.`,
        };
      }
      originals.set(file.path, onDisk);
      if (file.create) createdDirs.push(...missingDirs(path.dirname(absolute), this.root));
    }
    const restore = async (): Promise<void> => {
      for (const [rel, text] of originals) {
        if (text === undefined) await fs.rm(this.absolute(rel), { force: true });
        // In place when a temporary file cannot be made (a full disk): the file's own space is reused.
        else await writeFileAtomic(this.absolute(rel), text).catch(() => fs.writeFile(this.absolute(rel), text));
      }
      for (const dir of [...createdDirs].reverse()) await fs.rmdir(dir).catch(() => undefined);
      await this.written([...originals.keys()], originals);
    };
    // Two phases: every new text is written to a temporary file beside its target first, so a
    // write that fails (a full disk, a read-only folder) leaves every file as it was; only then
    // are they renamed into place, which takes no space.
    const temporaries: [string, string][] = [];
    const dropTemporaries = async (): Promise<void> => {
      for (const [temporary] of temporaries) await fs.rm(temporary, { force: true });
      for (const dir of [...createdDirs].reverse()) await fs.rmdir(dir).catch(() => undefined);
    };
    try {
      for (const file of edit.files) {
        const absolute = this.absolute(file.path);
        await fs.mkdir(path.dirname(absolute), { recursive: true });
        const temporary = temporaryOf(absolute);
        temporaries.push([temporary, absolute]);
        await fs.writeFile(temporary, file.after);
      }
    } catch (error) {
      await dropTemporaries();
      return { ok: false, error: `${describeWriteError(error)}, so nothing was written and every file is as it was.` };
    }
    try {
      for (const [temporary, absolute] of temporaries) await fs.rename(temporary, absolute);
    } catch (error) {
      await restore();
      await dropTemporaries();
      return { ok: false, error: `${describeWriteError(error)}, so the working tree was put back as it was.` };
    }
    await this.written(
      edit.files.map((f) => f.path),
      new Map(edit.files.map((f) => [f.path, f.after])),
    );
    return { ok: true, restore };
  }

  private absolute(rel: string): string {
    return path.join(this.root, ...rel.split('/'));
  }
}

/** A temporary file's name beside `file` (recovery removes leftovers by this shape). */
function temporaryOf(file: string): string {
  return `${file}.stepwise-${process.pid}-${Date.now()}.tmp`;
}

/** A failed write in one clause: what happened, in words, with the code for searching. */
export function describeWriteError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const where = e.path ? ` (${path.basename(e.path).replace(/\.stepwise-\d+-\d+\.tmp$/, '')})` : '';
  switch (e.code) {
    case 'ENOSPC':
      return `The disk is full (ENOSPC${where})`;
    case 'EDQUOT':
      return `The disk quota is used up (EDQUOT${where})`;
    case 'EROFS':
      return `The file system is read-only (EROFS${where})`;
    case 'EACCES':
    case 'EPERM':
      return `Stepwise may not write there (${e.code}${where})`;
    default:
      return `Writing failed: ${e.message ?? String(error)}`;
  }
}

/** Writes a file atomically (temporary file, then rename), creating folders as needed. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = temporaryOf(file);
  try {
    await fs.writeFile(temporary, text);
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

/** Folders from `dir` up to (not including) `root` that do not exist yet, outermost first. */
function missingDirs(dir: string, root: string): string[] {
  const missing: string[] = [];
  for (let current = dir; current.startsWith(root) && current !== root && !existsSync(current); current = path.dirname(current))
    missing.unshift(current);
  return missing;
}
