// Installs the tools that the integration tests and the demo need but that are not npm
// dependencies of the project: Debian packages (Chromium, ripgrep, a C toolchain, Redis) and
// code-server, which bundles the VS Code web workbench and its Node extension host.
//
// code-server lives in a tools folder outside the repository because it is large (~280 MB),
// compiles native modules, and must survive `git clean` and fresh clones on the same machine.
//
// CLI: node scripts/tools.mjs ensure [--no-code-server]
import { execFile, spawn } from 'node:child_process';
import {
  appendFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const CODE_SERVER_VERSION = '4.100.3';

/**
 * Everything the project's tests and demo need from Debian (neovim: the second, independent LSP
 * client; openssl: the certificates of the Redis TLS test).
 */
export const DEBIAN_PACKAGES = [
  'chromium',
  'ripgrep',
  'redis-server',
  'build-essential',
  'python3',
  'pkg-config',
  'libkrb5-dev',
  'git',
  'neovim',
  'openssl',
];

/** What code-server's install needs to compile its native modules and fetch ripgrep. */
const CODE_SERVER_BUILD_PACKAGES = ['ripgrep', 'build-essential', 'python3', 'pkg-config', 'libkrb5-dev'];

export const CHROMIUM_PATH = '/usr/bin/chromium';

// The ripgrep release that @vscode/ripgrep@1.15.11 (pinned by code-server 4.100.3) downloads from
// GitHub in its postinstall. It first looks in this cache folder, which is how we avoid the download.
const RIPGREP_PACKAGE_VERSION = '1.15.11';
const RIPGREP_RELEASE = 'v13.0.0-10';

// The packages in code-server's own tree that have install scripts. code-server runs nested
// `npm install`s from its postinstall (in lib/vscode and lib/vscode/extensions), and those nested
// installs only see their own package.json, so only the top level can be approved here; see
// installCodeServer for how the nested ones still run.
const CODE_SERVER_ALLOW_SCRIPTS = {
  [`code-server@${CODE_SERVER_VERSION}`]: true,
  'argon2@0.31.2': true,
};

const log = (msg) => console.log(`[tools] ${msg}`);

let aptUpdated = false;

/** Returns the packages of `pkgs` that dpkg does not report as installed. */
export async function getMissingDebianPackages(pkgs) {
  const missing = [];
  for (const pkg of pkgs) {
    try {
      const { stdout } = await execFileAsync('dpkg-query', ['-W', '-f=${Status}', pkg]);
      if (!stdout.includes('install ok installed')) missing.push(pkg);
    } catch {
      // dpkg-query exits non-zero for a package it has never heard of.
      missing.push(pkg);
    }
  }
  return missing;
}

/**
 * Installs the Debian packages of `pkgs` that are missing. As root this runs apt-get (with one
 * `apt-get update` per process); otherwise it throws an error that says what to run, because a
 * test run that silently skips its browser tests is worse than one that stops.
 */
export async function ensureDebianPackages(pkgs = DEBIAN_PACKAGES) {
  const missing = await getMissingDebianPackages(pkgs);
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new Error(`Missing Debian packages: ${missing.join(', ')}. Install them as root with: sudo sh -c '${command}'`);
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    await run('apt-get', ['update'], { env });
    aptUpdated = true;
  }
  await run('apt-get', ['install', '-y', ...missing], { env });
  const still = await getMissingDebianPackages(missing);
  if (still.length > 0) throw new Error(`apt-get did not install: ${still.join(', ')}`);
}

/** Ensures Debian's Chromium, the browser Playwright drives, and returns its path. */
export async function ensureChromium() {
  await ensureDebianPackages(['chromium']);
  return CHROMIUM_PATH;
}

/** The folder that holds tools shared by every checkout on this machine. */
export function getToolsDir() {
  return resolve(process.env.STEPWISE_TOOLS_DIR || join(homedir(), '.cache', 'stepwise-tools'));
}

/** Where code-server is (or will be) installed. */
export function getCodeServerDir() {
  return join(getToolsDir(), `code-server-${CODE_SERVER_VERSION}`);
}

const MARKER = '.stepwise-installed';

function getEntry(dir) {
  return join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

/**
 * Returns the absolute path of code-server's entry script (run it with `node`), installing
 * code-server first when needed. The install goes into a temporary sibling folder that is renamed
 * into place only after it has been verified, so an interrupted install never looks complete.
 */
export async function ensureCodeServer() {
  const dir = getCodeServerDir();
  if (existsSync(join(dir, MARKER)) && existsSync(getEntry(dir))) return getEntry(dir);

  await ensureDebianPackages(CODE_SERVER_BUILD_PACKAGES);
  mkdirSync(dirname(dir), { recursive: true });
  removeStaleStagingDirs(dir);
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });

  const started = Date.now();
  log(
    `installing code-server ${CODE_SERVER_VERSION} into ${dir} (a few minutes: it downloads about 280 MB of packages and compiles native modules; this happens once per machine)`,
  );
  try {
    await seedRipgrepCache();
    await installCodeServer(staging);
    await verifyCodeServer(staging);
    writeFileSync(join(staging, MARKER), `${new Date().toISOString()}\n`);
    // Another process may have finished the same install meanwhile (and may be using it): keep
    // its copy. A folder without the marker is a leftover of some other layout; replace it.
    if (!existsSync(join(dir, MARKER))) rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(staging, dir);
    } catch (err) {
      if (!existsSync(join(dir, MARKER))) throw err;
    }
    rmSync(staging, { recursive: true, force: true });
  } catch (err) {
    log(`code-server install failed; its log is kept at ${join(staging, 'install.log')}`);
    throw err;
  }
  log(`code-server ${CODE_SERVER_VERSION} installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return getEntry(dir);
}

/** Removes staging folders left by installs whose process is gone (killed, machine restarted). */
function removeStaleStagingDirs(dir) {
  const prefix = `${dir.slice(dirname(dir).length + 1)}.partial-`;
  for (const name of readdirSync(dirname(dir))) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (pid && pid !== process.pid && isAlive(pid)) continue;
    rmSync(join(dirname(dir), name), { recursive: true, force: true });
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/**
 * Puts an archive of Debian's `rg` where @vscode/ripgrep's postinstall looks for a cached download.
 * Its postinstall runs `tar xvf ARCHIVE -C bin` and expects `bin/rg`, so `rg` sits at the root.
 */
async function seedRipgrepCache() {
  const target = { x64: 'x86_64-unknown-linux-musl', arm64: 'aarch64-unknown-linux-musl' }[process.arch];
  if (process.platform !== 'linux' || !target) {
    throw new Error(`No ripgrep cache recipe for ${process.platform}/${process.arch}`);
  }
  const rg = '/usr/bin/rg';
  if (!existsSync(rg)) throw new Error(`${rg} is missing; install the Debian package ripgrep`);
  // tmpdir() here and in the postinstall agree because the child inherits our environment.
  const cacheDir = join(tmpdir(), `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
  const archive = join(cacheDir, `ripgrep-${RIPGREP_RELEASE}-${target}.tar.gz`);
  mkdirSync(cacheDir, { recursive: true });
  // Always rewrite it: a half-written archive from an earlier attempt would make the postinstall
  // fail, and it deletes the archive then.
  const partial = `${archive}.${process.pid}.tmp`;
  await execFileAsync('tar', ['-czf', partial, '-C', dirname(rg), 'rg']);
  renameSync(partial, archive);
  log(`seeded ${archive} from ${rg}`);
}

/**
 * Runs `npm install code-server` in `staging`.
 *
 * npm 11 on these machines has an install-script policy (`allowScripts`). Findings:
 * - Scripts not covered by the policy still run, with a warning, while `strict-allow-scripts` is
 *   false (the default); we pin it to false so a user-level `strict-allow-scripts=true` cannot
 *   turn code-server's nested installs into failures.
 * - `--allow-scripts` (flag or npm_config_allow_scripts) is rejected in a project-scoped install
 *   (EALLOWSCRIPTS). Putting it in an npmrc does not help either: npm exports its config to
 *   lifecycle scripts as npm_config_* variables, so the `npm install` that code-server's
 *   postinstall runs in lib/vscode then sees it as an env setting and fails the same way.
 * - So the top level is approved through `allowScripts` in the staging package.json, and
 *   verifyCodeServer checks afterwards that the nested native modules really got built.
 * code-server's postinstall also refuses to run as root unless npm_config_unsafe_perm=true, and
 * native modules run `npx node-gyp`, which needs npm_config_yes=true because ~/.npmrc says yes=false.
 */
async function installCodeServer(staging) {
  writeFileSync(
    join(staging, 'package.json'),
    `${JSON.stringify({ name: 'stepwise-tools-code-server', private: true, allowScripts: CODE_SERVER_ALLOW_SCRIPTS }, null, 2)}\n`,
  );
  const logFile = join(staging, 'install.log');
  const env = {
    ...process.env,
    npm_config_unsafe_perm: 'true',
    npm_config_yes: 'true',
    npm_config_strict_allow_scripts: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  const args = ['install', '--save-exact', '--foreground-scripts', `code-server@${CODE_SERVER_VERSION}`];
  log(`npm ${args.join(' ')} (full output: ${logFile})`);
  const out = createWriteStream(logFile);
  const started = Date.now();
  const heartbeat = setInterval(() => {
    log(`  still installing (${Math.round((Date.now() - started) / 1000)} s)…`);
  }, 15000);
  try {
    const code = await new Promise((resolvePromise, reject) => {
      // Its own process group, ended with us: an npm left running after Ctrl-C would keep
      // writing into a staging folder that the next attempt deletes.
      const child = spawn('npm', args, {
        cwd: staging,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      const killNpm = () => killGroup(child.pid, 'SIGKILL');
      const onSignal = (signal) => {
        killNpm();
        if (process.listenerCount(signal) === 0) process.exit(signal === 'SIGINT' ? 130 : 143);
      };
      process.once('exit', killNpm);
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      child.on('close', () => {
        process.removeListener('exit', killNpm);
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      });
      let pending = '';
      const onData = (chunk) => {
        out.write(chunk);
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          // Only the lines that say which phase the install is in; the compiler output goes to the log.
          if (/^> \S+@\S+ (pre|post)?install$/.test(line) || /^(Installing Code dependencies|added \d+ packages)/.test(line)) {
            log(`  ${line.replace(/^> /, 'running ')}`);
          }
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', reject);
      child.on('close', resolvePromise);
    });
    await new Promise((r) => out.end(r));
    if (code !== 0) {
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
      throw new Error(`npm install code-server@${CODE_SERVER_VERSION} exited with ${code}. Last lines:\n${tail}`);
    }
  } finally {
    clearInterval(heartbeat);
  }
}

/** Checks the parts of the install that fail silently when an install script did not run. */
async function verifyCodeServer(staging) {
  const pkg = join(staging, 'node_modules', 'code-server');
  const vscode = join(pkg, 'lib', 'vscode');
  const expected = [
    getEntry(staging),
    join(vscode, 'node_modules.asar'),
    join(vscode, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'),
    join(vscode, 'node_modules', 'node-pty', 'build', 'Release', 'pty.node'),
    join(vscode, 'node_modules', '@vscode', 'spdlog', 'build', 'Release', 'spdlog.node'),
    join(vscode, 'node_modules', 'native-watchdog', 'build', 'Release', 'watchdog.node'),
    join(vscode, 'extensions', 'node_modules', 'typescript', 'package.json'),
  ];
  const missing = expected.filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(
      `code-server installed but parts built by install scripts are missing (were install scripts skipped?):\n  ${missing.join('\n  ')}`,
    );
  }
  // Even --version writes a config file and logs under the XDG folders; keep those out of $HOME.
  const state = join(staging, '.verify-state');
  const { stdout } = await execFileAsync(process.execPath, [getEntry(staging), '--version'], {
    env: getCodeServerEnv(state),
  });
  rmSync(state, { recursive: true, force: true });
  const version = stdout.split('\n').find((line) => line.startsWith(`${CODE_SERVER_VERSION} `));
  if (!version) throw new Error(`code-server --version printed ${JSON.stringify(stdout.trim())}`);
  appendFileSync(join(staging, 'install.log'), `\nverified: ${version}\n`);
}

/**
 * Chromium flags for this machine's closed network: without the background-networking ones
 * Chromium keeps opening connections that the sandbox refuses; --no-sandbox because we run as root.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches headless Debian Chromium through playwright-core. With `tmpDir`, Chromium's own temp
 * files go there, so a browser killed by Ctrl-C leaves nothing in the shared temp folder.
 */
export async function launchChromium({ tmpDir } = {}) {
  const executablePath = await ensureChromium();
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    ...(tmpDir ? { env: { ...process.env, TMPDIR: tmpDir } } : {}),
  });
}

/**
 * Writes VS Code user settings that keep a throwaway profile quiet: no update or marketplace
 * checks (there is no internet), no welcome page, no trust prompt.
 */
export function writeQuietUserSettings(userDataDir, extra = {}) {
  const userDir = join(userDataDir, 'User');
  mkdirSync(userDir, { recursive: true });
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'security.workspace.trust.enabled': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'update.mode': 'none',
    'telemetry.telemetryLevel': 'off',
    'git.openRepositoryInParentFolders': 'never',
    // code-server's web workbench saves edits after a second by default; with that on, "unsaved"
    // in a test (or a person's demo) means "saved a moment later", and the extension sees an
    // uncommitted file instead of an unsaved one.
    'files.autoSave': 'off',
    ...extra,
  };
  writeFileSync(join(userDir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
}

/**
 * The environment for a code-server process whose own state (the config.yaml it writes on first
 * start, its logs) goes under `stateDir` instead of ~/.config and ~/.local/share. VS Code's state
 * is separate: that goes where --user-data-dir says.
 */
export function getCodeServerEnv(stateDir, base = process.env) {
  return {
    ...base,
    XDG_CONFIG_HOME: join(stateDir, 'config'),
    XDG_DATA_HOME: join(stateDir, 'data'),
  };
}

/**
 * Makes `dir` and returns an environment whose temp folder it is. VS Code's server and extension
 * host leave sockets (vscode-ipc-*.sock, vscode-git-*.sock) and tsserver folders in the temp
 * folder when they are killed rather than shut down, which is how every test run ends; a
 * per-run temp folder that the runner deletes keeps /tmp clean.
 */
export function withTempDir(dir, base = process.env) {
  mkdirSync(dir, { recursive: true });
  return { ...base, TMPDIR: dir };
}

/**
 * Starts code-server (`node ENTRY ...args`) in its own process group and resolves once it listens.
 * `args` must contain the bind address; the port is read from its "HTTP server listening on" line,
 * so `--bind-addr 127.0.0.1:0` works. Returns { port, url, child, exited, output(), stop() }; stop()
 * ends the whole group (code-server, the VS Code server, extension hosts, pty host, file watchers).
 * With handleSignals (default), SIGINT/SIGTERM end the group and this process.
 */
export async function startCodeServer(entry, args, { env = process.env, startTimeoutMs = 60_000, onLine, handleSignals = true } = {}) {
  const child = spawn(process.execPath, [entry, ...args], {
    env,
    detached: true, // own process group, so stop() reaches every descendant
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let exited = false;
  const exitPromise = new Promise((r) =>
    child.once('exit', (code, signal) => {
      exited = true;
      r({ code, signal });
    }),
  );
  // If this process ends first (uncaught error, process.exit), the group must still go. Being in
  // its own group, code-server does not get the terminal's Ctrl-C either, and Node's default
  // SIGINT handling exits without 'exit' handlers; so unless the caller handles signals itself,
  // end the group and exit as the signal would have.
  const killOnExit = () => killGroup(child.pid, 'SIGKILL');
  const onSignal = (signal) => {
    killOnExit();
    // Others listening (Playwright closes its browsers, then exits) finish the job themselves.
    if (process.listenerCount(signal) === 0) process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', killOnExit);
  if (handleSignals) for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, onSignal);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    for (const signal of ['SIGINT', 'SIGTERM']) process.removeListener(signal, onSignal);
    if (exited) {
      killGroup(child.pid, 'SIGKILL'); // descendants may outlive the leader
      return;
    }
    killGroup(child.pid, 'SIGTERM');
    let timer;
    const forced = new Promise((r) => {
      timer = setTimeout(() => {
        killGroup(child.pid, 'SIGKILL');
        r();
      }, 5000);
    });
    await Promise.race([exitPromise, forced]);
    clearTimeout(timer);
    killGroup(child.pid, 'SIGKILL');
  };

  const port = await new Promise((resolvePort, reject) => {
    let pending = '';
    const timer = setTimeout(
      () => reject(new Error(`code-server did not report a listening port within ${startTimeoutMs / 1000} s. Output:\n${output}`)),
      startTimeoutMs,
    );
    const onData = (chunk) => {
      const text = chunk.toString();
      output += text;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        onLine?.(line);
        const m = /HTTP server listening on https?:\/\/[^\s/]*:(\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolvePort(Number(m[1]));
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    exitPromise.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited (${signal ?? `code ${code}`}) before listening. Output:\n${output}`));
    });
  }).catch(async (err) => {
    await stop();
    throw err;
  });

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    exited: exitPromise,
    output: () => output,
    stop,
  };
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Runs a command with inherited output; rejects on a non-zero exit. */
function run(cmd, args, options = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit', ...options });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

async function main(argv) {
  const [command, ...flags] = argv;
  if (command !== 'ensure') {
    console.error('usage: node scripts/tools.mjs ensure [--no-code-server]');
    return 2;
  }
  await ensureDebianPackages(DEBIAN_PACKAGES);
  log(`Debian packages present: ${DEBIAN_PACKAGES.join(' ')}`);
  log(`chromium: ${await ensureChromium()}`);
  if (!flags.includes('--no-code-server')) log(`code-server: ${await ensureCodeServer()}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`[tools] ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}

/**
 * Runs a workbench command by its title through the command palette (Playwright page). Keys
 * pressed while a webview has focus stay in the webview, so the explorer gets focus first.
 */
export async function runWorkbenchCommand(page, title) {
  const explorer = page.locator('.explorer-folders-view .monaco-list-row').first();
  if (await explorer.isVisible()) await explorer.click();
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { timeout: 60_000 });
  await page.keyboard.type(title);
  // Pick the row whose label is exactly the title (other commands may rank above it).
  const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const label = page.locator('.label-name', { hasText: exact });
  await page.locator('.quick-input-list .monaco-list-row', { has: label }).first().click({ timeout: 60_000 });
}

/**
 * The code-server command line the demo and the test runners share: loopback only, no auth, no
 * telemetry, no trust prompt. Port 0 picks a free one; extensions live in the state folder unless given.
 */
export function codeServerArgs(stateDir, userDataDir, workspace, { port = 0, extensionsDir = join(stateDir, 'extensions') } = {}) {
  return [
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--config',
    join(stateDir, 'config.yaml'),
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    workspace,
  ];
}
