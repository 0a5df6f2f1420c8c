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
    const memo = this.files;
    if (!memo) return super.fileExistsSync(filePath);
    let known = memo.get(filePath);
    if (known === undefined) memo.set(filePath, (known = super.fileExistsSync(filePath)));
    return known;
  }

  override directoryExistsSync(dirPath: string): boolean {
    const memo = this.directories;
    if (!memo) return super.directoryExistsSync(dirPath);
    let known = memo.get(dirPath);
    if (known === undefined) memo.set(dirPath, (known = super.directoryExistsSync(dirPath)));
    return known;
  }

  override readFileSync(filePath: string, encoding?: string): string {
    const memo = this.packageJsons;
    if (!memo || !filePath.endsWith('package.json')) return super.readFileSync(filePath, encoding);
    let known = memo.get(filePath);
    if (known === undefined) memo.set(filePath, (known = super.readFileSync(filePath, encoding)));
    return known;
  }
}
