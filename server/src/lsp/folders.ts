import * as path from 'node:path';
import type { Logger } from '../util/logger';
import type { ProgressListener } from '../workspace/workspaceIndex';
import { WorkspaceIndex } from '../workspace/workspaceIndex';
import { pathToUri, uriToPath } from './convert';

/** One index per workspace folder; files are routed to the folder that contains them. */
export class Folders {
  private readonly indexes = new Map<string, WorkspaceIndex>();

  constructor(
    private readonly logger: Logger,
    private exclude: string[],
  ) {}

  add(root: string): WorkspaceIndex {
    const existing = this.indexes.get(root);
    if (existing) return existing;
    const index = new WorkspaceIndex(root, { exclude: this.exclude, logger: this.logger });
    this.indexes.set(root, index);
    return index;
  }

  remove(root: string): void {
    this.indexes.delete(root);
  }

  all(): WorkspaceIndex[] {
    return [...this.indexes.values()];
  }

  /** The index owning a file URI and the file's workspace-relative path. */
  locate(uri: string): { index: WorkspaceIndex; rel: string } | undefined {
    const absolute = uriToPath(uri);
    if (!absolute) return undefined;
    let best: WorkspaceIndex | undefined;
    for (const index of this.indexes.values()) {
      const rel = path.relative(index.root, absolute);
      if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
      if (!best || index.root.length > best.root.length) best = index;
    }
    return best ? { index: best, rel: best.paths.toRelative(absolute) } : undefined;
  }

  /** The index for a folder or file URI; without one, the first folder. */
  forUri(uri: string | undefined): WorkspaceIndex | undefined {
    if (uri) return this.locate(uri)?.index ?? this.indexes.get(uriToPath(uri) ?? '');
    return this.indexes.values().next().value;
  }

  uriOf(index: WorkspaceIndex, rel: string): string {
    return pathToUri(index.paths.toAbsolute(rel));
  }

  async setExclude(exclude: string[]): Promise<void> {
    if (JSON.stringify(exclude) === JSON.stringify(this.exclude)) return;
    this.exclude = exclude;
    await Promise.all(this.all().map((i) => i.setExclude(exclude)));
  }

  startAll(progress?: ProgressListener): Promise<void> {
    return Promise.all(this.all().map((i) => i.start(progress))).then(() => undefined);
  }
}
