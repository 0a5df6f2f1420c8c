// Opens code-server with the extension under development on a folder or a .code-workspace file,
// in Chromium, as the click-through runners (runPanel, runMultiRoot) need it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { repoRoot } from '../support/workspace';
import type { CodeServer, Tools } from './tools';

/** What is open; filled as it starts, so a caller's `finally` closes whatever did start. */
export interface Workbench {
  server?: CodeServer;
  browser?: Browser;
  page?: Page;
}

/**
 * Starts code-server (its state and VS Code's quiet user settings, dark theme, under `tmp`) on `target`, opens it
 * in Chromium with the extension under development, and waits for the explorer and for Stepwise's
 * status bar item to say the index is ready.
 */
export async function openDevWorkbench(
  tools: Tools,
  entry: string,
  tmp: string,
  target: { folder: string } | { workspace: string },
  opened: Workbench,
  /**
   * What Stepwise's status bar item says once it is ready; none for a folder without a spec (the
   * extension then starts when its view opens).
   */
  ready: string | null = 'usages in',
): Promise<Page> {
  const path = 'folder' in target ? target.folder : target.workspace;
  const userDataDir = join(tmp, 'user-data');
  // No sticky tree headers: once the Explorer scrolls, its top row would cover the row beneath.
  tools.writeQuietUserSettings(userDataDir, { 'workbench.colorTheme': 'Default Dark Modern', 'workbench.tree.enableStickyScroll': false });
  const server = await tools.startCodeServer(entry, tools.codeServerArgs(tmp, userDataDir, path), {
    env: { ...tools.withTempDir(join(tmp, 'tmp'), tools.getCodeServerEnv(join(tmp, 'state'))), EXTENSIONS_GALLERY: '{}' },
  });
  opened.server = server;
  opened.browser = await tools.launchChromium({ tmpDir: join(tmp, 'tmp') });
  const page = await opened.browser.newPage({ viewport: { width: 1400, height: 900 } });
  opened.page = page;
  const payload = [
    ['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${repoRoot}`],
    ['skipWelcome', 'true'],
  ];
  const query = 'folder' in target ? `folder=${encodeURIComponent(target.folder)}` : `workspace=${encodeURIComponent(target.workspace)}`;
  await page.goto(`${server.url}/?${query}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
  await page.waitForSelector('.monaco-workbench .explorer-folders-view .monaco-list-row', { timeout: 120_000 });
  // The status bar item appears once the extension runs and the index is ready.
  if (ready) await page.waitForSelector(`.statusbar-item:has-text("${ready}")`, { timeout: 120_000 });
  return page;
}

/** The checklist webview's document. */
export function checklistFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
}

/** Closes what `openDevWorkbench` opened, whatever state it is in. */
export async function closeWorkbench(opened: Workbench): Promise<void> {
  await opened.browser?.close().catch(() => undefined);
  await opened.server?.stop();
}

/**
 * Says why a runner failed and keeps what there is to look at: the page as a screenshot and as HTML
 * (`failure.png`, `failure.html` in `shots`) and the last lines code-server wrote.
 */
export async function reportFailure(runner: string, error: unknown, opened: Workbench, shots: string): Promise<void> {
  console.error(`[${runner}] FAILED: ${(error as Error).message}`);
  await opened.page?.screenshot({ path: join(shots, 'failure.png') }).catch(() => undefined);
  const html = await opened.page?.content().catch(() => undefined);
  if (html) writeFileSync(join(shots, 'failure.html'), html);
  if (opened.server) console.error(opened.server.output().split('\n').slice(-40).join('\n'));
}
