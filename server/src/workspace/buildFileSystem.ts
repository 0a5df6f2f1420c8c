import { RealFileSystemHost } from '@ts-morph/common';

/**
 * The projects' file system, remembering what exists while a program is being built. Building a
 * program asks, for every file in it, for the package.json of each folder above it (a file's
 * module format), and ts-morph's host answers each question from the disk: at 1,000 files, most
 * of an edit's time went to those stat calls. Within one build the answers cannot change (it is
 * synchronous), so they are kept for its length only and forgotten after it: nothing is stale
 * when the next build starts.
 */
export class BuildFileSystem extends RealFileSystemHost {
  private files: Map<string, boolean> | undefined;
  private directories: Map<string, boolean> | undefined;
  private packageJsons: Map<string, string> | undefined;

  /** Runs a program build with the memo on (nested builds share the outer one's). */
  during<T>(build: () => T): T {
    if (this.files) return build();
    this.files = new Map();
    this.directories = new Map();
    this.packageJsons = new Map();
    try {
      return build();
    } finally {
      this.files = undefined;
      this.directories = undefined;
      this.packageJsons = undefined;
    }
  }

  override fileExistsSync(filePath: string): boolean {
    return remembered(this.files, filePath, () => super.fileExistsSync(filePath));
  }

  override directoryExistsSync(dirPath: string): boolean {
    return remembered(this.directories, dirPath, () => super.directoryExistsSync(dirPath));
  }

  override readFileSync(filePath: string, encoding?: string): string {
    const memo = filePath.endsWith('package.json') ? this.packageJsons : undefined;
    return remembered(memo, filePath, () => super.readFileSync(filePath, encoding));
  }
}

/** The answer kept in `memo` for `key`, asked once; without a memo (no build running), asked each time. */
function remembered<T>(memo: Map<string, T> | undefined, key: string, ask: () => T): T {
  if (!memo) return ask();
  let known = memo.get(key);
  if (known === undefined) memo.set(key, (known = ask()));
  return known;
}
