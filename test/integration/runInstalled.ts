// The path every user takes: the packaged extension (the VSIX from `npm run package`) installed into
// a fresh code-server extensions folder, with no extensionDevelopmentPath and nothing of this
// checkout on the way. A copy of the demo opens, the diagnostics appear, the quick fix migrates the
// plan's first file, and the migration commit lands in the copy's git history. The activation time
// the installed copy logs is printed (and read by `npm run bench`).
//
// Usage: node out/test/integration/runInstalled.js [--vsix FILE] [--measure-only]
//   --vsix FILE     an existing package (default: build one with scripts/package.mjs)
//   --measure-only  stop after the extension activated and print its activation time
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { keepForInspection, prepareWorkspace, removeWorkspace, repoRoot } from '../support/workspace';
import { loadTools } from './tools';
import type { CodeServer } from './tools';

const shots = join(repoRoot, 'test-results', 'installed');
const first = 'src/jobs/warmup-job.ts';
const step = (message: string): void => console.log(`[installed] ${message}`);

/** The activation time the installed extension wrote to its log, once it has written it. */
function activationMs(userDataDir: string): number | undefined {
  const walk = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('Stepwise.log') ? [join(dir, e.name)] : [],
        )
      : [];
  for (const file of walk(join(userDataDir, 'logs'))) {
    const match = /Stepwise activated in (\d+) ms/.exec(readFileSync(file, 'utf8'));
    if (match) return Number(match[1]);
  }
  return undefined;
}

/** Resolves when `test` holds, re-checked whenever something under `dir` changes (no polling). */
function whenChanged<T>(dir: string, test: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
  const now = test();
  if (now !== undefined) return Promise.resolve(now);
  return new Promise((resolvePromise, reject) => {
    const watcher = watch(dir, { recursive: true }, () => {
      const value = test();
      if (value === undefined) return;
      clearTimeout(timer);
      watcher.close();
      resolvePromise(value);
    });
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`Timed out waiting for ${what}`));
    }, timeoutMs);
  });
}

export async function main(argv: string[]): Promise<number> {
  const measureOnly = argv.includes('--measure-only');
  const vsixFlag = argv.indexOf('--vsix');
  const tools = await loadTools();
  const entry = await tools.ensureCodeServer();
  await tools.ensureChromium();
  mkdirSync(shots, { recursive: true });

  let vsix = vsixFlag >= 0 ? resolve(argv[vsixFlag + 1]) : join(repoRoot, 'test-results', 'stepwise-installed-test.vsix');
  if (vsixFlag < 0) {
    const built = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'package.mjs'), '--out', vsix], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('npm run package failed');
    vsix = resolve(vsix);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'stepwise-installed-'));
  const extensionsDir = join(tmp, 'extensions');
  const userDataDir = join(tmp, 'user-data');
  // What a person runs: code-server --install-extension FILE (the same as VS Code's `code`).
  execFileSync(process.execPath, [entry, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', vsix], {
    env: tools.getCodeServerEnv(join(tmp, 'state')),
    stdio: 'pipe',
  });
  const installed = readdirSync(extensionsDir).filter((name) => name.startsWith('stepwise.'));
  if (installed.length !== 1)
    throw new Error(`expected one installed Stepwise in ${extensionsDir}, found: ${readdirSync(extensionsDir).join(', ')}`);
  step(`installed ${installed[0]} from ${vsix}`);
  for (const shipped of ['dist/extension.js', 'dist/server.js', 'dist/media/checklist.js', 'media/icon.svg', 'media/checklist.css']) {
    if (!existsSync(join(extensionsDir, installed[0], shipped))) throw new Error(`the installed copy lacks ${shipped}`);
  }

  const workspace = await prepareWorkspace('demo');
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: workspace, encoding: 'utf8' });
  tools.writeQuietUserSettings(userDataDir);
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let passed = false;
  try {
    server = await tools.startCodeServer(entry, tools.codeServerArgs(tmp, userDataDir, workspace, { extensionsDir }), {
      env: { ...tools.withTempDir(join(tmp, 'tmp'), tools.getCodeServerEnv(join(tmp, 'state'))), EXTENSIONS_GALLERY: '{}' },
    });
    browser = await tools.launchChromium({ tmpDir: join(tmp, 'tmp') });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // No payload: no extension under development, no tests module; only what is installed.
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    await page.waitForSelector('.monaco-workbench .explorer-folders-view .monaco-list-row', { timeout: 120_000 });
    const activation = await whenChanged(join(userDataDir, 'logs'), () => activationMs(userDataDir), 'the activation log line', 180_000);
    step(`activated in ${activation} ms (from the installed copy's log)`);
    if (measureOnly) {
      console.log(JSON.stringify({ activationMs: activation }));
      passed = true;
      return 0;
    }
    await page.waitForSelector('.statusbar-item:has-text("usages in")', { timeout: 180_000 });
    step('the language server indexed the demo');

    // The file, its squiggles, and the quick fix on the first one.
    await page.click('.monaco-workbench .part.editor');
    await page.keyboard.press('Control+P');
    await page.waitForSelector('.quick-input-widget input', { timeout: 60_000 });
    await page.keyboard.type(first);
    await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: 60_000 });
    await page.keyboard.press('Enter');
    const squiggle = page.locator('.monaco-editor .squiggly-warning').first();
    await squiggle.waitFor({ timeout: 180_000 });
    step(`diagnostics in ${first}`);
    // As a keyboard user: F8 goes to the first problem, Escape closes its peek, Ctrl+. asks for
    // the quick fixes. While TypeScript's own server is still loading the project, VS Code may
    // answer "No code actions available"; then ask again (each try waits for an answer).
    await page.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('F8');
    await page.waitForSelector('.zone-widget .marker-widget, .monaco-editor .marker-widget', { timeout: 60_000 }).catch(() => undefined);
    await page.keyboard.press('Escape');
    const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Migrate this file through the adapter' });
    for (let attempt = 1; ; attempt++) {
      // TypeScript's provider cancels while it analyses the file, and VS Code then shows none.
      await page.waitForSelector('.statusbar-item:has-text("Analyzing"), .statusbar-item:has-text("Initializing")', {
        state: 'detached',
        timeout: 180_000,
      });
      await page.keyboard.press('Control+.');
      const offered = await fix.waitFor({ timeout: 30_000 }).then(
        () => true,
        () => false,
      );
      if (offered) break;
      if (attempt >= 10) throw new Error('VS Code offered no "Migrate this file through the adapter" on the first problem');
      await page.keyboard.press('Escape');
    }
    await page.screenshot({ path: join(shots, 'quickfix.png') });
    const head = git('rev-parse', 'HEAD').trim();
    // The first quick fix is the migration (the menu highlights it); Enter takes it, as a person
    // at the keyboard would (a mouse click can land on the menu's pointer guard).
    const highlighted = page.locator('.action-widget .monaco-list-row.focused');
    if (!((await highlighted.textContent()) ?? '').includes('Migrate this file through the adapter'))
      throw new Error(`the highlighted quick fix is "${await highlighted.textContent()}"`);
    await page.keyboard.press('Enter');
    step('chose "Migrate this file through the adapter"; waiting for the migration commit');

    // The baseline runs the demo's real checks first; the commit follows (measured: under a
    // minute idle, a few with a loaded machine). Woken by git's own writes, not by a timer.
    const message = await whenChanged(
      join(workspace, '.git'),
      () => {
        const now = git('rev-parse', 'HEAD').trim();
        return now !== head ? git('log', '-1', '--format=%B') : undefined;
      },
      'the migration commit',
      15 * 60_000,
    );
    if (!message.includes(`Stepwise-File: ${first}`)) throw new Error(`the new commit is not the migration of ${first}:\n${message}`);
    const files = git('show', '--format=', '--name-only', 'HEAD').trim().split('\n').sort();
    if (
      files.join(' ') !==
      [first, 'src/core/cache-migration/legacy-adapter.ts', 'src/core/cache-migration/stepwise-runtime.ts'].sort().join(' ')
    )
      throw new Error(`the migration commit holds ${files.join(', ')}`);
    step(`the migration commit ${git('rev-parse', '--short', 'HEAD').trim()} holds ${files.join(' and ')}`);
    passed = true;
    return 0;
  } finally {
    if (!passed && page && !page.isClosed()) await page.screenshot({ path: join(shots, 'failure.png') }).catch(() => undefined);
    if (!passed && server) console.error(server.output().replace(/^/gm, '  | '));
    await browser?.close().catch(() => undefined);
    await server?.stop();
    rmSync(tmp, { recursive: true, force: true });
    if (passed) await removeWorkspace(workspace);
    else console.error(`[installed] the workspace is kept for inspection in ${await keepForInspection(workspace, 'installed')}`);
    console.log(`[installed] ${passed ? 'passed' : 'FAILED'}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`[installed] ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
