// `npm run demo`: Stepwise in a real VS Code (code-server) on the demo workspace, for a person.
//
// Usage: node scripts/demo.mjs [--dest DIR] [--port N] [--screenshot FILE]
//   --dest DIR         the demo workspace (default ~/stepwise-demo). Created from test/fixtures/demo
//                      the first time; reused as it is afterwards, so the migration progress made in
//                      it is kept. Delete the folder for a fresh start.
//   --port N           port on 127.0.0.1 (default 8080; a free one is picked when it is taken)
//   --screenshot FILE  instead of serving until Ctrl-C: open the workbench in headless Chromium,
//                      wait until it is ready and the extension has activated, save a PNG, exit.
//   --dossier          with --screenshot: open the checklist with its first file's pre-move analysis
//   --hover LINE:COL   with --screenshot and --open: also save FILE-hover.png, the hover at that place
//   --no-traffic       do not start the demo traffic (scripts/traffic.js in the workspace: cache calls
//                      through the service, so an observation shows live figures)
//
// The extension is installed by linking this checkout into a dedicated extensions folder, so a
// rebuild (`npm run build`) followed by "Developer: Reload Window" shows the new code.
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  ensureCodeServer,
  getCodeServerEnv,
  getToolsDir,
  codeServerArgs,
  launchChromium,
  runWorkbenchCommand,
  startCodeServer,
  withTempDir,
  writeQuietUserSettings,
} from './tools.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (msg) => console.log(`[demo] ${msg}`);

/** Written inside the workspace's .git folder: marks a folder we created, invisible to git status. */
const DEMO_MARKER = join('.git', 'stepwise-demo.json');

function parseArgs(argv) {
  const options = {
    dest: join(homedir(), 'stepwise-demo'),
    port: 8080,
    screenshot: undefined,
    open: undefined,
    quickFix: false,
    theme: undefined,
    traffic: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    if (argv[i] === '--dest') options.dest = resolve(value());
    else if (argv[i] === '--port') options.port = Number(value());
    else if (argv[i] === '--screenshot') options.screenshot = resolve(value());
    else if (argv[i] === '--open') options.open = value();
    else if (argv[i] === '--quick-fix') options.quickFix = true;
    else if (argv[i] === '--checklist') options.checklist = true;
    else if (argv[i] === '--dossier') options.checklist = options.dossier = true;
    else if (argv[i] === '--theme') options.theme = value();
    else if (argv[i] === '--hover') options.hover = value();
    else if (argv[i] === '--no-traffic') options.traffic = false;
    else throw new Error(`unknown argument ${argv[i]}; usage: node scripts/demo.mjs [--dest DIR] [--port N] [--screenshot FILE]`);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new Error('--port needs a port number');
  return options;
}

function run(cmd, args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`))));
  });
}

async function build() {
  if (!existsSync(join(root, 'node_modules'))) {
    log('installing dependencies (npm install)');
    await run('npm', ['install']);
  }
  log('building (esbuild + tsc -b)');
  await run('node', ['scripts/build.mjs']);
  try {
    await run('npx', ['tsc', '-b']);
  } catch (err) {
    // The extension runs from esbuild's bundles, which do not need the type check to pass; the
    // demo only needs tsc's output of the workspace helper. Type errors are shown above.
    if (!existsSync(join(root, 'out', 'test', 'support', 'workspace.js'))) throw err;
    log('warning: tsc -b reported type errors (above); continuing with the bundles esbuild built');
  }
}

/** Creates the demo workspace, or reuses the one an earlier run created. */
async function prepareDemoWorkspace(dest) {
  if (existsSync(dest)) {
    if (!existsSync(join(dest, DEMO_MARKER))) {
      throw new Error(`${dest} exists and is not a Stepwise demo workspace; pass --dest with another folder`);
    }
    log(`reusing the demo workspace ${dest} as it is (your progress is kept; delete the folder for a fresh start)`);
    return dest;
  }
  // Compiled by tsc -b above; shared with the integration tests so both start from the same copy.
  const { prepareWorkspace } = createRequire(import.meta.url)(join(root, 'out', 'test', 'support', 'workspace.js'));
  await prepareWorkspace('demo', { dest });
  writeFileSync(join(dest, DEMO_MARKER), `${JSON.stringify({ fixture: 'demo', created: new Date().toISOString() })}\n`);
  log(`created the demo workspace ${dest} from test/fixtures/demo`);
  return dest;
}

/**
 * Installs this checkout as an extension of the demo's code-server: a link named the way VS Code
 * names installed extensions, plus the entry in extensions.json that VS Code reads to know what is
 * installed (it only scans the folder when that file does not exist yet).
 */
function installExtension(extensionsDir) {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const id = `${manifest.publisher}.${manifest.name}`;
  const folder = `${id}-${manifest.version}`;
  mkdirSync(extensionsDir, { recursive: true });
  for (const name of readdirSync(extensionsDir)) {
    if (name.startsWith(`${id}-`)) rmSync(join(extensionsDir, name), { recursive: true, force: true });
  }
  symlinkSync(root, join(extensionsDir, folder), 'dir');

  const listFile = join(extensionsDir, 'extensions.json');
  const list = existsSync(listFile) ? JSON.parse(readFileSync(listFile, 'utf8')) : [];
  const others = list.filter((e) => e?.identifier?.id?.toLowerCase() !== id.toLowerCase());
  others.push({
    identifier: { id },
    version: manifest.version,
    location: { $mid: 1, path: join(extensionsDir, folder), scheme: 'file' },
    relativeLocation: folder,
  });
  writeFileSync(listFile, JSON.stringify(others));
  return id;
}

/** Resolves with `port` when it is free on 127.0.0.1, otherwise with 0 (let code-server pick). */
function choosePort(port) {
  return new Promise((resolvePromise) => {
    const probe = createServer();
    probe.once('error', () => resolvePromise(0));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePromise(port)));
  });
}

/**
 * Resolves once the extension host log of this session (a logs/<timestamp> folder not in
 * `existing`) says the extension activated. Checked whenever something under logs/ changes.
 */
function whenActivated(userDataDir, id, existing) {
  const logsDir = join(userDataDir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const needle = `_doActivateExtension ${id}`;
  let watcher;
  const promise = new Promise((resolvePromise) => {
    const check = () => {
      for (const session of readdirSync(logsDir)) {
        if (existing.has(session)) continue;
        const sessionDir = join(logsDir, session);
        for (const host of existsSync(sessionDir) ? readdirSync(sessionDir) : []) {
          const file = join(sessionDir, host, 'remoteexthost.log');
          if (existsSync(file) && readFileSync(file, 'utf8').includes(needle)) {
            watcher?.close();
            resolvePromise();
            return;
          }
        }
      }
    };
    // Recursive fs.watch works on Linux since Node 19.1.
    watcher = watch(logsDir, { recursive: true }, check);
    check();
  });
  return { promise, cancel: () => watcher?.close() };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  await build();
  const entry = await ensureCodeServer();
  const workspace = await prepareDemoWorkspace(options.dest);

  // Demo state lives with the tools, outside the workspace and the repository: the extensions
  // folder, code-server's own config, and (for a person) the VS Code profile, kept between runs
  // so open editors and layout survive. Screenshots use a fresh profile so they are repeatable.
  const stateDir = join(getToolsDir(), 'demo');
  const extensionsDir = join(stateDir, 'extensions');
  const id = installExtension(extensionsDir);
  const tmp = options.screenshot ? mkdtempSync(join(tmpdir(), 'stepwise-demo-')) : undefined;
  const userDataDir = tmp ? join(tmp, 'user-data') : join(stateDir, 'user-data');
  if (!existsSync(join(userDataDir, 'User', 'settings.json'))) {
    writeQuietUserSettings(userDataDir, options.theme ? { 'workbench.colorTheme': options.theme } : {});
  }
  const existingLogs = new Set(existsSync(join(userDataDir, 'logs')) ? readdirSync(join(userDataDir, 'logs')) : []);

  const port = await choosePort(options.port);
  if (port !== options.port) log(`port ${options.port} is taken; using a free one`);
  const server = await startCodeServer(
    entry,
    codeServerArgs(stateDir, userDataDir, workspace, { port, extensionsDir }),
    // Ctrl-C is handled below, to stop code-server gracefully and say so.
    {
      env: tmp ? withTempDir(join(tmp, 'tmp'), getCodeServerEnv(join(stateDir, 'xdg'))) : getCodeServerEnv(join(stateDir, 'xdg')),
      handleSignals: !!options.screenshot,
    },
  );
  const url = `${server.url}/?folder=${workspace}`;
  const activation = whenActivated(userDataDir, id, existingLogs);

  const shutdown = async () => {
    activation.cancel();
    await server.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  };

  if (options.screenshot) {
    try {
      await takeScreenshot(url, options.screenshot, activation.promise, id, join(tmp, 'tmp'), options);
    } finally {
      await shutdown();
    }
    return 0;
  }

  // Traffic through the demo service's cache, so an observation shows live figures (--no-traffic: none).
  const traffic = options.traffic ? startTraffic(workspace) : undefined;
  log(`Stepwise demo: open ${url}`);
  if (traffic) log(`demo traffic runs in the background (node scripts/traffic.js in the workspace; its output: ${traffic.logFile})`);
  log('press Ctrl-C to stop');
  activation.promise.then(() => log(`extension ${id} activated`));
  const stopped = await new Promise((resolvePromise) => {
    process.once('SIGINT', () => resolvePromise('signal'));
    process.once('SIGTERM', () => resolvePromise('signal'));
    server.exited.then(() => resolvePromise('exited'));
  });
  if (stopped === 'exited') {
    console.error(server.output());
    await shutdown();
    throw new Error('code-server stopped unexpectedly');
  }
  log('stopping');
  traffic?.stop();
  await shutdown();
  return 0;
}

/**
 * Starts the demo workspace's traffic script: cache calls through whatever the files import now,
 * so a migrated file's adapter reports live figures. Its output goes to a log beside the demo state.
 */
function startTraffic(workspace) {
  const script = join(workspace, 'scripts', 'traffic.js');
  if (!existsSync(script)) {
    log(`${workspace} predates the demo traffic script; delete it for a fresh start with traffic`);
    return undefined;
  }
  const logFile = join(getToolsDir(), 'demo', 'traffic.log');
  mkdirSync(dirname(logFile), { recursive: true });
  const out = openSync(logFile, 'a');
  // NODE_PATH: with STEPWISE_REDIS_URL set, the traffic's adapter talks to Redis with Stepwise's ioredis.
  const env = { ...process.env, NODE_PATH: join(root, 'node_modules') };
  const child = spawn(process.execPath, [script], { cwd: workspace, stdio: ['ignore', out, out], env });
  child.on('error', (error) => log(`the demo traffic could not start: ${error.message}`));
  return { logFile, stop: () => child.kill('SIGTERM') };
}

/** Opens the Migration Checklist and waits until its webview shows the plan. */
async function openChecklist(page, dossier = false) {
  await runWorkbenchCommand(page, 'Stepwise: Open Migration Checklist');
  const frame = page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
  await frame.locator('.plan .card').first().waitFor({ timeout: 60_000 });
  if (!dossier) return;
  // The first card's pre-move analysis, opened as a person would.
  await frame.locator('.plan .card details.dossier > summary').first().click();
  await frame.locator('.plan .card details.dossier[open]').first().waitFor({ timeout: 20_000 });
  await frame
    .getByText('What the constructions become')
    .first()
    .waitFor({ timeout: 60_000 })
    .catch(() => undefined);
}

/** Opens a workspace file through Quick Open and waits for Stepwise's squiggles in it. */
async function openFile(page, rel) {
  await page.click('.monaco-workbench .part.editor');
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { timeout: 20_000 });
  await page.keyboard.type(rel);
  await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: 20_000 });
  await page.keyboard.press('Enter');
  await page.waitForSelector('.monaco-editor .squiggly-warning', { timeout: 60_000 });
  // The Problems panel shows the same diagnostics with their codes and messages.
  await page.keyboard.press('Control+Shift+M');
  await page.waitForSelector('.markers-panel .monaco-list-row', { timeout: 20_000 });
  await page.click('.monaco-editor .view-lines');
}

async function takeScreenshot(url, file, activated, id, tmpDir, options = {}) {
  const browser = await launchChromium({ tmpDir });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    // Ready means: the workbench restored, the explorer lists the workspace, the extension ran.
    await page.waitForSelector('.monaco-workbench .explorer-folders-view .monaco-list-row', {
      timeout: 60_000,
    });
    await withTimeout(activated, 60_000, `extension ${id} did not activate within 60 s`);
    if (options.open) await openFile(page, options.open);
    if (options.checklist) await openChecklist(page, options.dossier);
    await page.evaluate(() => document.fonts.ready);
    mkdirSync(dirname(file), { recursive: true });
    await page.screenshot({ path: file });
    if (options.open && options.quickFix) {
      // Jump to the first problem, close its peek, and open the quick fix menu there.
      // The squiggle sits under the text layer: click the text at its position.
      const box = await page.locator('.monaco-editor .squiggly-warning').first().boundingBox();
      if (box) await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await runWorkbenchCommand(page, 'Quick Fix...');
      await page.waitForSelector('.action-widget .monaco-list-row', { timeout: 20_000 });
      const second = file.replace(/\.png$/, '-quickfix.png');
      await page.screenshot({ path: second });
      log(`quick fix screenshot saved to ${second}`);
    }
    if (options.open && options.hover) {
      // Go to the place (Ctrl+G takes LINE:COL) and show its hover: the diagnostics' full messages.
      await page.keyboard.press('Control+G');
      await page.waitForSelector('.quick-input-widget input', { timeout: 20_000 });
      await page.keyboard.type(options.hover);
      await page.keyboard.press('Enter');
      await runWorkbenchCommand(page, 'Show or Focus Hover');
      await page.waitForSelector('.monaco-hover .hover-contents', { timeout: 20_000 });
      const third = file.replace(/\.png$/, '-hover.png');
      await page.screenshot({ path: third });
      log(`hover screenshot saved to ${third}`);
    }
    log(`extension ${id} activated; screenshot saved to ${file}`);
  } finally {
    await browser.close();
  }
}

function withTimeout(promise, ms, message) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`[demo] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
