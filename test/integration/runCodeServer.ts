// Runs the integration suite inside a real VS Code without a desktop build: code-server serves the
// web workbench, Debian's Chromium (driven by playwright-core) opens it, and VS Code's own web
// integration-test hooks load our tests module in the extension host and report the outcome.
//
// Usage: node out/test/integration/runCodeServer.js [--workspace DIR]
//   STEPWISE_FIXTURE    fixture to copy into a fresh workspace (default "demo"; a name under
//                       test/fixtures or an absolute path); ignored with --workspace
//   STEPWISE_TEST_GREP  only run tests whose full title matches
//   STEPWISE_TIMEOUT_MS overall limit (default 45 minutes)
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { format } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { keepForInspection, prepareWorkspace, removeWorkspace, repoRoot } from '../support/workspace';
import { loadTools } from './tools';
import type { CodeServer } from './tools';

interface AutomationLog {
  readonly relativePath: string;
  readonly contents: string;
}

const resultsDir = join(repoRoot, 'test-results');

// The tests module prefixes its report lines with this, so they can be told apart from the
// workbench's own log lines, which arrive through the same hook at the same level.
const REPORT_MARKER = '\u2063stepwise\u2063';

export async function main(argv: string[]): Promise<number> {
  // On Ctrl-C, tools.mjs ends code-server and Playwright closes the browser and exits; this only
  // keeps a deliberate stop from being reported as a failure with diagnostics.
  let interrupted = false;
  let createdWorkspace: string | undefined;
  const onSignal = () => {
    if (!interrupted) console.error('[integration] interrupted');
    interrupted = true;
    // Now, synchronously: Playwright's handler may exit the process before `finally` runs.
    if (createdWorkspace) rmSync(createdWorkspace, { recursive: true, force: true });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const workspaceFlag = argv.indexOf('--workspace');
  const givenWorkspace = workspaceFlag >= 0 ? argv[workspaceFlag + 1] : undefined;
  if (workspaceFlag >= 0 && !givenWorkspace) throw new Error('--workspace needs a folder');
  // A guard against a hang, not a measure: the suite takes about 2 min idle and 10 min with two CPU
  // hogs beside it; each test has its own limit inside.
  const timeoutMs = Number(process.env.STEPWISE_TIMEOUT_MS ?? 45 * 60_000);

  const tools = await loadTools();
  const entry = await tools.ensureCodeServer();
  await tools.ensureChromium();

  const testsModule = join(repoRoot, 'out', 'test', 'integration', 'index.js');
  const workspace = givenWorkspace ? resolve(givenWorkspace) : await prepareWorkspace(process.env.STEPWISE_FIXTURE ?? 'demo');
  if (!givenWorkspace) createdWorkspace = workspace;
  if (interrupted) {
    await removeWorkspace(workspace);
    return 130;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'stepwise-code-server-'));
  // Also on Ctrl-C, which ends this process through process.exit (see startCodeServer).
  const removeTmp = () => rmSync(tmp, { recursive: true, force: true });
  process.once('exit', removeTmp);
  const userDataDir = join(tmp, 'user-data');
  tools.writeQuietUserSettings(userDataDir);

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let passed = false;
  const started = Date.now();
  try {
    console.log(`[integration] workspace ${workspace}`);
    server = await tools.startCodeServer(
      entry,
      tools.codeServerArgs(tmp, userDataDir, workspace),
      // The extension host inherits this environment; that is how the tests learn the workspace.
      {
        env: {
          ...tools.withTempDir(join(tmp, 'tmp'), tools.getCodeServerEnv(join(tmp, 'state'))),
          STEPWISE_TEST_WORKSPACE: workspace,
          STEPWISE_REPORT_MARKER: REPORT_MARKER,
          // The server's workflow clock can be moved forward, so observation timers end without waiting.
          STEPWISE_TEST_CLOCK: '1',
          // No marketplace: there is no network, and its failed queries only add noise to the report.
          EXTENSIONS_GALLERY: '{}',
        },
      },
    );
    console.log(`[integration] code-server ${server.url} (started in ${Date.now() - started} ms)`);

    browser = await tools.launchChromium({ tmpDir: join(tmp, 'tmp') });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const outcome = await runSuite(page, server, { workspace, testsModule, timeoutMs });
    passed = outcome.code === 0;
    if (!passed) saveLogs(outcome.logs, userDataDir);
    console.log(`[integration] ${passed ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s`);
  } catch (err) {
    if (!interrupted) console.error(`[integration] ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    if (!passed && !interrupted) {
      await saveScreenshot(page);
      if (server) {
        console.error('[integration] code-server output:');
        console.error(server.output().replace(/^/gm, '  | '));
      }
    }
    await browser?.close().catch(() => undefined);
    await server?.stop();
    removeTmp();
    process.removeListener('exit', removeTmp);
    if (!givenWorkspace) {
      if (passed || interrupted) await removeWorkspace(workspace);
      else console.error(`[integration] the workspace is kept for inspection in ${await keepForInspection(workspace, 'integration')}`);
    }
  }
  return interrupted ? 130 : passed ? 0 : 1;
}

/**
 * Opens the workbench with VS Code's test payload and resolves with what the workbench passes to
 * codeAutomationExit: 0 when the tests module's run() resolved, 1 otherwise, plus its log files.
 */
async function runSuite(
  page: Page,
  server: CodeServer,
  options: { workspace: string; testsModule: string; timeoutMs: number },
): Promise<{ code: number; logs: AutomationLog[] }> {
  let settle!: (outcome: { code: number; logs: AutomationLog[] }) => void;
  let fail!: (err: Error) => void;
  const outcome = new Promise<{ code: number; logs: AutomationLog[] }>((res, rej) => {
    settle = res;
    fail = rej;
  });
  // A failure during navigation would otherwise be an unhandled rejection; the race below sees it.
  outcome.catch(() => undefined);

  // The workbench forwards the extension host's console (where mocha reports) to these hooks
  // once it sees an extensionTestsPath; they must exist before the page loads.
  await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
    printAutomationLog(type, args);
  });
  await page.exposeFunction('codeAutomationExit', (code: number, logs: AutomationLog[]) => {
    settle({ code, logs: logs ?? [] });
  });
  page.on('pageerror', (err) => console.error(`[browser] page error: ${err.message}`));
  page.on('crash', () => fail(new Error('the browser page crashed')));
  page
    .context()
    .browser()
    ?.on('disconnected', () => fail(new Error('the browser disconnected')));
  void server.exited.then(({ code, signal }) => fail(new Error(`code-server exited (${signal ?? `code ${code}`}) while the tests ran`)));

  const authority = `127.0.0.1:${server.port}`;
  const payload = [
    ['extensionDevelopmentPath', `vscode-remote://${authority}${repoRoot}`],
    ['extensionTestsPath', `vscode-remote://${authority}${options.testsModule}`],
    ['skipWelcome', 'true'],
  ];
  const url = `${server.url}/?folder=${encodeURIComponent(options.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  await page.goto(url);

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(
      () =>
        rej(
          new Error(
            `no result from the workbench within ${options.timeoutMs / 1000} s (STEPWISE_TIMEOUT_MS): ` +
              'the extension host may not have started, or a test hangs; see the screenshot and output below',
          ),
        ),
      options.timeoutMs,
    );
  });
  try {
    return await Promise.race([outcome, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// Shows the test report and all warnings and errors; the workbench's chatter (and whatever else
// the extension host printed) only with STEPWISE_VERBOSE=1.
function printAutomationLog(type: string, args: unknown[]): void {
  // The extension host forwards console arguments unformatted ("%d passing", 2).
  const [first, ...rest] = Array.isArray(args) ? args : [args];
  const text = format(first, ...rest);
  if (text.startsWith(REPORT_MARKER)) console.log(text.slice(REPORT_MARKER.length));
  else if (type === 'error') console.error(text);
  else if (type === 'warn') console.warn(text);
  else if (process.env.STEPWISE_VERBOSE) console.log(text);
}

/**
 * Keeps the logs of a failed run: the workbench's (handed over by codeAutomationExit) under
 * browser/, and the server's, which include the extension host's (activation errors land there),
 * under server/.
 */
function saveLogs(logs: AutomationLog[], userDataDir: string): void {
  const dir = join(resultsDir, 'integration-logs');
  rmSync(dir, { recursive: true, force: true });
  for (const log of logs) {
    const file = join(dir, 'browser', log.relativePath);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, log.contents);
  }
  const serverLogs = join(userDataDir, 'logs');
  if (existsSync(serverLogs)) cpSync(serverLogs, join(dir, 'server'), { recursive: true });
  console.error(`[integration] VS Code logs saved in ${dir}`);
}

async function saveScreenshot(page: Page | undefined): Promise<void> {
  if (!page || page.isClosed()) return;
  try {
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, 'integration-failure.png');
    await page.screenshot({ path: file, timeout: 10_000 });
    console.error(`[integration] screenshot: ${file}`);
  } catch (err) {
    console.error(`[integration] no screenshot: ${err instanceof Error ? err.message : String(err)}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`[integration] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}
