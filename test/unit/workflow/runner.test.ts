// runCommand with tiny `node -e` programs: exit codes, output as it arrives, a timeout that stops
// the whole process group, cancelling through an AbortSignal, a program that does not exist, and
// arguments reaching the program untouched because no shell runs in between.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandLine, runCommand } from '../../../server/src/workflow/runner';
import type { RunOptions, RunResult } from '../../../server/src/workflow/runner';

const node = process.execPath;

const run = (source: string, options: Partial<RunOptions> = {}, args: string[] = []): Promise<RunResult> =>
  runCommand([node, '-e', source, ...args], { cwd: process.cwd(), timeoutMs: 30_000, ...options });

/** Whether a process still runs (a zombie waiting to be reaped has stopped running). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('workflow runCommand', () => {
  /** A process a test started indirectly; stopped afterwards if a failing test left it running. */
  let leftover = 0;
  afterEach(function () {
    if (this.currentTest?.state !== 'passed' && leftover && isRunning(leftover)) process.kill(leftover, 'SIGKILL');
    leftover = 0;
  });

  describe('exit codes', () => {
    const cases: { name: string; source: string; exitCode: number | null; output?: RegExp }[] = [
      { name: 'success is 0', source: 'process.exit(0)', exitCode: 0 },
      { name: 'a chosen code comes back as is', source: 'process.exit(3)', exitCode: 3 },
      {
        name: 'an uncaught error is 1, with the error in the output',
        source: 'throw new Error("boom")',
        exitCode: 1,
        output: /Error: boom/,
      },
      { name: 'process.exitCode without exit()', source: 'process.exitCode = 7', exitCode: 7 },
      { name: 'a program killed by a signal has no exit code', source: 'process.kill(process.pid, "SIGKILL")', exitCode: null },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const result = await run(c.source);
        assert.equal(result.exitCode, c.exitCode);
        assert.deepEqual([result.timedOut, result.cancelled, result.startError], [false, false, undefined]);
        if (c.output) assert.match(result.output, c.output);
        assert.ok(result.durationMs >= 0);
        assert.deepEqual(result.argv, [node, '-e', c.source]);
      });
    }
  });

  it('keeps stdout apart and interleaves stdout and stderr in output', async () => {
    const result = await run('process.stdout.write("out1\\n"); process.stderr.write("err1\\n"); process.stdout.write("out2\\n")');
    assert.equal(result.stdout, 'out1\nout2\n');
    assert.match(result.output, /out1\n/);
    assert.match(result.output, /err1\n/);
    assert.match(result.output, /out2\n/);
    assert.equal(result.output.length, 'out1\nerr1\nout2\n'.length);
  });

  it('streams output while the program still runs, and a cancel stops it', async function () {
    // The program never ends by itself: the test finishes only if "ready" reached onOutput
    // before the exit and the abort then stopped the program.
    this.timeout(15_000);
    const controller = new AbortController();
    const chunks: string[] = [];
    const result = await run('console.log("ready"); setInterval(() => undefined, 1000)', {
      signal: controller.signal,
      onOutput: (chunk) => {
        chunks.push(chunk);
        if (chunks.join('').includes('ready')) controller.abort();
      },
    });
    assert.equal(result.cancelled, true);
    assert.equal(result.timedOut, false);
    assert.equal(result.exitCode, null);
    assert.equal(result.output, 'ready\n');
  });

  it('a signal aborted before the start cancels at once', async function () {
    this.timeout(15_000);
    const controller = new AbortController();
    controller.abort();
    const result = await run('setInterval(() => undefined, 1000)', { signal: controller.signal });
    assert.deepEqual([result.cancelled, result.timedOut, result.exitCode], [true, false, null]);
  });

  it('a timeout kills the whole process group, grandchildren included', async function () {
    // The grandchild shares the program's stdout and never closes it, so runCommand can only
    // finish once the grandchild has exited too: if only the direct child were killed, this test
    // would time out. (Its pid is not checked afterwards: between closing its files and becoming
    // a zombie an exiting process still looks alive, and there is no event to wait for.)
    this.timeout(15_000);
    const source = [
      'const { spawn } = require("child_process");',
      'const child = spawn(process.execPath, ["-e", "setInterval(() => undefined, 1000)"], { stdio: ["ignore", "inherit", "inherit"] });',
      'console.log("grandchild " + child.pid);',
      'setInterval(() => undefined, 1000);',
    ].join('\n');
    let grandchild = 0;
    const result = await run(source, {
      timeoutMs: 1000,
      onOutput: (chunk) => {
        const pid = /grandchild (\d+)/.exec(chunk)?.[1];
        if (pid) grandchild = leftover = Number(pid);
      },
    });
    assert.equal(result.timedOut, true);
    assert.equal(result.cancelled, false);
    assert.equal(result.exitCode, null);
    assert.ok(grandchild > 0, `the program reported its grandchild: ${result.output}`);
  });

  it('a program that does not exist says it could not start', async () => {
    const result = await runCommand(['stepwise-no-such-program-4711', '--version'], { cwd: process.cwd(), timeoutMs: 30_000 });
    assert.equal(result.exitCode, null);
    assert.equal(result.timedOut, false);
    assert.match(result.startError ?? '', /^could not start stepwise-no-such-program-4711: .*ENOENT/);
  });

  it('runs in the given folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepwise-runner-'));
    try {
      const result = await run('process.stdout.write(process.cwd())', { cwd: dir });
      assert.equal(result.stdout, realpathSync(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('asks programs for no colours, and passes extra environment variables', async () => {
    const result = await run(
      'process.stdout.write([process.env.NO_COLOR, process.env.FORCE_COLOR, process.env.STEPWISE_EXTRA].join(","))',
      {
        env: { STEPWISE_EXTRA: 'yes' },
      },
    );
    assert.equal(result.stdout, '1,0,yes');
  });

  it('keeps the last megabyte of a long output', async () => {
    const result = await run('process.stdout.write("x".repeat(1536 * 1024)); process.stdout.write("END")');
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout.length, 1024 * 1024);
    assert.equal(result.output.length, 1024 * 1024);
    assert.ok(result.stdout.endsWith('xEND'));
  });

  it('arguments reach the program as written: no shell expands, globs or splits them', async () => {
    const argv = parseCommandLine(`node -e "process.stdout.write(JSON.stringify(process.argv.slice(1)))" '$HOME' * "a b" '{file}'`, {
      file: 'src/my file.ts',
    });
    const result = await runCommand(argv, { cwd: process.cwd(), timeoutMs: 30_000 });
    assert.equal(result.exitCode, 0, result.output);
    assert.deepEqual(JSON.parse(result.stdout), ['$HOME', '*', 'a b', 'src/my file.ts']);
  });

  it('a timeout past what a timer can hold (1e10 ms) does not fire at once', async () => {
    // The program runs for a while on its own (an overflowing timer would have stopped it at once).
    const result = await run('const end = Date.now() + 100; while (Date.now() < end);', { timeoutMs: 1e10 });
    assert.deepEqual([result.exitCode, result.timedOut], [0, false]);
  });

  describe('when Stepwise itself stops, nothing it started runs on', () => {
    const runnerModule = join(__dirname, '..', '..', '..', 'server', 'src', 'workflow', 'runner.js');
    for (const signal of ['SIGKILL', 'SIGHUP', 'SIGTERM'] as const) {
      it(`Stepwise ended by ${signal}${signal === 'SIGKILL' ? ' (an OOM kill: no handler runs)' : ' (a closed terminal)'}: the command and its children stop`, async function () {
        this.timeout(60_000);
        const dir = mkdtempSync(join(tmpdir(), 'stepwise-orphans-'));
        const pids = join(dir, 'pids');
        // The command starts a grandchild and writes both ids, then waits forever.
        const command = `const { spawn } = require('child_process'); const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); require('fs').writeFileSync(${JSON.stringify(pids)}, process.pid + ' ' + g.pid); setInterval(() => {}, 1000);`;
        const stepwise = spawn(
          process.execPath,
          [
            '-e',
            `require(${JSON.stringify(runnerModule)}).runCommand([process.execPath, '-e', ${JSON.stringify(command)}], { cwd: ${JSON.stringify(dir)}, timeoutMs: 600000 }); setInterval(() => {}, 1000);`,
          ],
          { stdio: 'ignore' },
        );
        try {
          const started = await waitFor(() => existsSync(pids) && readFileSync(pids, 'utf8').includes(' '), 'the command to start');
          assert.ok(started);
          const [child, grandchild] = readFileSync(pids, 'utf8').split(' ').map(Number);
          leftover = grandchild;
          assert.ok(isRunning(child) && isRunning(grandchild));
          stepwise.kill(signal);
          await waitFor(() => !isRunning(child) && !isRunning(grandchild), 'the command and its child to stop');
        } finally {
          stepwise.kill('SIGKILL');
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });
});

/** Re-checks `test` every 20 ms until it holds (true), or 30 s pass (throws, naming `what`). */
async function waitFor(test: () => boolean, what: string): Promise<boolean> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    if (test()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`Timed out waiting for ${what}.`);
}
