// The part of scripts/tools.mjs the test runners use. It is plain ESM (the demo and the test
// orchestrator use it too), so it is typed here and loaded with a real import().
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from '../support/workspace';

export interface CodeServer {
  port: number;
  url: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: string | null }>;
  stop(): Promise<void>;
}

export interface Tools {
  ensureCodeServer(): Promise<string>;
  ensureChromium(): Promise<string>;
  launchChromium(options?: { tmpDir?: string }): Promise<Browser>;
  withTempDir(dir: string, base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  writeQuietUserSettings(userDataDir: string, extra?: Record<string, unknown>): void;
  getCodeServerEnv(stateDir: string, base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  codeServerArgs(stateDir: string, userDataDir: string, workspace: string, options?: { port?: number; extensionsDir?: string }): string[];
  runWorkbenchCommand(page: Page, title: string): Promise<void>;
  startCodeServer(
    entry: string,
    args: string[],
    options?: {
      env?: NodeJS.ProcessEnv;
      startTimeoutMs?: number;
      onLine?: (line: string) => void;
      handleSignals?: boolean;
    },
  ): Promise<CodeServer>;
}

export async function loadTools(): Promise<Tools> {
  // Computed so TypeScript leaves this as a real import() of the .mjs file in the CommonJS output.
  return (await import(pathToFileURL(join(repoRoot, 'scripts', 'tools.mjs')).href)) as Tools;
}
