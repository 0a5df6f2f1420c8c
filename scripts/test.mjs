// `npm test`: every check the project has, fastest first, stopping at the first failure.
//   deps → Debian packages → build (esbuild + tsc -b) → lint → unit → lsp → integration (real
//   VS Code) → panel (a person's clicks) → installed (the VSIX, installed, as users get it)
//
// Usage: node scripts/test.mjs [--only lint|unit|lsp|integration|panel|installed]
// With --only, the preparation (deps, packages, build) still runs, then just that test stage.
// The integration stage runs in desktop VS Code when VSCODE_EXECUTABLE is set, otherwise in
// code-server + Chromium. It is never skipped: when its tools cannot be installed, it fails.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEBIAN_PACKAGES, ensureChromium, ensureCodeServer, ensureDebianPackages } from './tools.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const TEST_STAGES = ['lint', 'unit', 'lsp', 'integration', 'panel', 'installed'];

function parseArgs(argv) {
  const i = argv.indexOf('--only');
  if (i < 0) return { only: undefined };
  const only = argv[i + 1];
  if (!TEST_STAGES.includes(only)) throw new Error(`--only takes one of: ${TEST_STAGES.join(', ')}`);
  return { only };
}

/** The command running now; Ctrl-C is passed on to it and the run ends when it has cleaned up. */
let current;
let interrupted = false;

/** Totals of the mocha summaries ("N passing", "N failing", "N pending") seen in the output. */
const counts = { passed: 0, failed: 0, skipped: 0 };

/**
 * Runs a command with its output streamed through, counting mocha's summary lines on the way.
 * Resolves with the exit code.
 */
/**
 * Compiled tests whose source was renamed or deleted would still run (tsc -b never removes its
 * old outputs); drop them before building.
 */
function pruneStaleTests() {
  const outDir = join(repoRoot, 'out', 'test');
  if (!existsSync(outDir)) return;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.js')) {
        const source = join(repoRoot, relative(join(repoRoot, 'out'), path)).replace(/\.js$/, '.ts');
        if (!existsSync(source)) {
          rmSync(path, { force: true });
          rmSync(`${path}.map`, { force: true });
          rmSync(path.replace(/\.js$/, '.d.ts'), { force: true });
        }
      }
    }
  };
  walk(outDir);
}

function run(cmd, args, env = process.env) {
  console.log(`\n$ ${[cmd, ...args].join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: repoRoot,
      // Output goes through a pipe; keep mocha's colours when our own output is a terminal.
      env: process.stdout.isTTY ? { FORCE_COLOR: '1', ...env } : env,
      stdio: ['inherit', 'pipe', 'pipe'],
    });
    current = child;
    let pending = '';
    const scan = (text) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        // eslint-disable-next-line no-control-regex
        const m = /^\s*(\d+) (passing|failing|pending)\b/.exec(line.replace(/\x1b\[[0-9;]*m/g, ''));
        if (m) counts[{ passing: 'passed', failing: 'failed', pending: 'skipped' }[m[2]]] += Number(m[1]);
      }
    };
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      scan(chunk.toString());
    });
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      scan(chunk.toString());
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      current = undefined;
      scan('\n');
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

/**
 * Finds the test files a mocharc's `spec` names. Returns the reason to skip instead when there is
 * nothing to run yet, because mocha treats "no test files" as an error.
 */
export async function findSpecFiles(mocharc, root = repoRoot) {
  const file = join(root, mocharc);
  if (!existsSync(file)) return { skip: `${mocharc} does not exist` };
  let config;
  try {
    config = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return { files: [] }; // mocha reads JSON with comments; let it decide rather than skip
  }
  const specs = [config.spec ?? './test'].flat();
  const { minimatch } = await import('minimatch');
  const found = [];
  for (const spec of specs) {
    const pattern = relative(root, join(root, spec)).split('\\').join('/');
    // Walk only from the part of the pattern before its first wildcard.
    const base = pattern
      .split('/')
      .filter((_, i, parts) => !/[*?[{]/.test(parts.slice(0, i + 1).join('/')))
      .join('/');
    for (const candidate of walk(join(root, base))) {
      const rel = relative(root, candidate).split('\\').join('/');
      // A spec without wildcards may name a folder: mocha then runs the .js files inside it.
      const inFolder = rel.startsWith(`${pattern}/`) && /\.[cm]?js$/.test(rel);
      if (rel === pattern || inFolder || minimatch(rel, pattern)) found.push(rel);
    }
  }
  if (found.length === 0) return { skip: `no test files match ${specs.join(', ')} (from ${mocharc})` };
  return { files: found };
}

function* walk(path) {
  if (!existsSync(path)) return;
  let entries;
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch {
    yield path; // a file
    return;
  }
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) yield* walk(child);
    else yield child;
  }
}

async function main() {
  const { only } = parseArgs(process.argv.slice(2));
  // Exiting at once would orphan code-server and leave the stage's temp folders behind; the child
  // gets the signal too (from the terminal, or from here) and ends itself after cleaning up.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      interrupted = true;
      current?.kill(signal);
    });
  }
  const stages = [];
  let failed;

  const stage = async (name, fn) => {
    const started = Date.now();
    const failedBefore = counts.failed;
    console.log(`\n=== ${name}`);
    let result;
    try {
      result = await fn();
    } catch (err) {
      result = { error: err instanceof Error ? err.message : String(err) };
    }
    const seconds = (Date.now() - started) / 1000;
    if (result?.skip) {
      console.log(`=== ${name}: skipped (${result.skip})`);
      stages.push(`${name} skipped`);
    } else if (result?.error || (result?.code ?? 0) !== 0) {
      const why = result.error ?? `exit code ${result.code}`;
      console.error(`=== ${name}: FAILED (${why})`);
      stages.push(`${name} FAILED ${seconds.toFixed(1)}s`);
      failed = name;
      // A stage that fails without a failing test (a build error, a hang, a crashed workbench)
      // still counts as one failure, so the closing line never reads "0 failed" on a failed run.
      if (counts.failed === failedBefore) counts.failed += 1;
    } else {
      stages.push(`${name} ${seconds.toFixed(1)}s`);
    }
    return !failed;
  };

  const steps = [
    [
      'deps',
      async () => {
        if (existsSync(join(repoRoot, 'node_modules'))) return { skip: 'node_modules present' };
        return { code: await run('npm', ['install']) };
      },
    ],
    [
      'debian',
      async () => {
        // A desktop without apt (macOS with VS Code) has its own way to get redis and git; the
        // code-server route, which needs apt, then fails loudly in its own stage.
        if (!existsSync('/usr/bin/dpkg-query')) return { skip: 'not a Debian system' };
        // Chromium is for the integration suite only; don't demand it for a unit-only run.
        const pkgs = only && only !== 'integration' ? DEBIAN_PACKAGES.filter((p) => p !== 'chromium') : DEBIAN_PACKAGES;
        await ensureDebianPackages(pkgs);
      },
    ],
    [
      'build',
      async () => {
        pruneStaleTests();
        const code = await run('node', ['scripts/build.mjs']);
        return { code: code === 0 ? await run('npx', ['tsc', '-b']) : code };
      },
    ],
  ];
  if (!only || only === 'lint') {
    // The layering rules live in the lint config; a change that breaks them fails like a test.
    steps.push([
      'lint',
      async () => {
        const code = await run('npx', ['eslint', '.']);
        return { code: code === 0 ? await run('npx', ['prettier', '--check', '--log-level', 'warn', '.']) : code };
      },
    ]);
  }
  for (const name of ['unit', 'lsp']) {
    if (only && only !== name) continue;
    steps.push([
      name,
      async () => {
        const found = await findSpecFiles(`.mocharc.${name}.json`);
        if (found.skip) return found;
        return { code: await run('npm', ['run', `test:${name}`]) };
      },
    ]);
  }
  const runs = (stage) => !only || only === stage;
  // code-server and Chromium, for every stage that opens the workbench in a browser (the
  // integration suite does not when a desktop VS Code is given). Its own stage, so a failed install
  // reads as such and its minute shows in the summary.
  if ((runs('integration') && !process.env.VSCODE_EXECUTABLE) || runs('panel') || runs('installed')) {
    steps.push([
      'tools',
      async () => {
        await ensureChromium();
        await ensureCodeServer();
      },
    ]);
  }
  if (runs('integration')) {
    steps.push([
      'integration',
      async () => {
        const runner = process.env.VSCODE_EXECUTABLE ? 'runElectron.js' : 'runCodeServer.js';
        return { code: await run('node', [join('out', 'test', 'integration', runner)]) };
      },
    ]);
  }
  // A person's clicks through the checklist in code-server, with screenshots in test-results/panel.
  // Then a two-folder workspace: migrate in one folder, revert in the other, from the checklist.
  // Then the Stepwise view, the decorations and the CodeLens: migrate from the tree (test-results/view).
  if (runs('panel'))
    steps.push([
      'panel',
      async () => {
        const code = await run('node', [join('out', 'test', 'integration', 'runPanel.js')]);
        const multi = await run('node', [join('out', 'test', 'integration', 'runMultiRoot.js')]);
        const view = await run('node', [join('out', 'test', 'integration', 'runView.js')]);
        return { code: code || multi || view };
      },
    ]);
  // Last: it packages a production build (npm run package) over dist/, installs the VSIX into a
  // fresh code-server and runs the quick fix through it.
  if (runs('installed'))
    steps.push(['installed', async () => ({ code: await run('node', [join('out', 'test', 'integration', 'runInstalled.js')]) })]);

  const started = Date.now();
  for (const [name, fn] of steps) {
    if (interrupted || !(await stage(name, fn))) break;
  }
  if (interrupted) {
    if (!failed) counts.failed += 1;
    failed ??= 'interrupted';
    stages.push('interrupted');
  }

  console.log(`\nstages: ${stages.join(', ')}; total ${((Date.now() - started) / 1000).toFixed(1)}s`);
  if (failed) console.error(`FAILED at stage "${failed}"`);
  // A plain closing line CI tools can read.
  console.log(`tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  return failed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
