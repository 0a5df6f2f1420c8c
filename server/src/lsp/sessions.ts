import { leavesBase } from '../workspace/paths';
import * as path from 'node:path';
import { defaultSettings } from '../protocol';
import type { StepwiseSettings } from '../protocol';
import { MigrationSession } from '../session/session';
import type { SessionHost } from '../session/session';
import type { WorkspaceIndex } from '../workspace/workspaceIndex';
import { pathToUri, uriToPath } from './convert';

/** A file of a workspace folder: its session and its workspace-relative path. */
export interface Located {
  session: MigrationSession;
  index: WorkspaceIndex;
  rel: string;
}

/**
 * One `MigrationSession` per workspace folder, each with that folder's settings; files are routed
 * to the innermost folder that contains them. Removing a folder disposes its session.
 */
export class Sessions {
  private readonly sessions = new Map<string, MigrationSession>();
  private readonly settings = new Map<string, StepwiseSettings>();

  constructor(private readonly host: (root: string) => SessionHost) {}

  add(root: string, settings: StepwiseSettings = defaultSettings): { session: MigrationSession; created: boolean } {
    const existing = this.sessions.get(root);
    if (existing) return { session: existing, created: false };
    this.settings.set(root, settings);
    const session = new MigrationSession(root, { ...this.host(root), exclude: settings.exclude });
    this.sessions.set(root, session);
    return { session, created: true };
  }

  /** Disposes the folder's session (its watchers, timers and listeners); returns it, if there was one. */
  remove(root: string): MigrationSession | undefined {
    const session = this.sessions.get(root);
    if (!session) return undefined;
    this.sessions.delete(root);
    this.settings.delete(root);
    session.dispose();
    return session;
  }

  all(): MigrationSession[] {
    return [...this.sessions.values()];
  }

  settingsOf(root: string): StepwiseSettings {
    return this.settings.get(root) ?? defaultSettings;
  }

  /** Records a folder's new settings; resolves once its index applied the excludes. */
  async setSettings(root: string, settings: StepwiseSettings): Promise<void> {
    const session = this.sessions.get(root);
    if (!session) return;
    this.settings.set(root, settings);
    await session.index.setExclude(settings.exclude);
  }

  /** The session owning a file URI and the file's workspace-relative path. */
  locate(uri: string): Located | undefined {
    const absolute = uriToPath(uri);
    if (!absolute) return undefined;
    let best: MigrationSession | undefined;
    for (const session of this.sessions.values()) {
      const rel = path.relative(session.root, absolute);
      if (leavesBase(rel)) continue;
      if (!best || session.root.length > best.root.length) best = session;
    }
    return best ? { session: best, index: best.index, rel: best.relative(absolute) } : undefined;
  }

  /** The session for a folder or file URI; without one, the first folder's. */
  forUri(uri: string | undefined): MigrationSession | undefined {
    if (uri) return this.locate(uri)?.session ?? this.sessions.get(uriToPath(uri) ?? '');
    return this.sessions.values().next().value;
  }

  uriOf(index: WorkspaceIndex, rel: string): string {
    return pathToUri(index.paths.toAbsolute(rel));
  }
}
