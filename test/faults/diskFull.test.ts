// A full disk during migrate, on a real tiny file system (a tmpfs mounted for the test, which
// needs root, as the test machines run): the migration is refused in one sentence that says the
// disk is full, every file is as it was, no temporary file is left, and once there is space the
// same migration goes through.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { first, prepareWorkflowRepo, snapshot } from '../support/workflowRepo';
import { repoRoot } from '../support/workspace';

const cliPath = join(repoRoot, 'dist', 'cli.js');

function cli(root: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [cliPath, ...args, '--root', root], {
    encoding: 'utf8',
    env: { ...process.env, STEPWISE_TRUST: '' },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('faults: a full disk during migrate', function () {
  this.timeout(120_000);
  let mount: string;

  before(function () {
    mount = mkdtempSync(join(tmpdir(), 'stepwise-tinyfs-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mount], { stdio: 'pipe' });
    } catch (error) {
      rmSync(mount, { recursive: true, force: true });
      throw new Error(`This test mounts a tmpfs and needs root (mount -t tmpfs): ${(error as Error).message}`);
    }
  });

  after(() => {
    if (!mount) return;
    spawnSync('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  });

  it('refuses in one sentence, leaves everything as it was, and works once there is space', async () => {
    const source = await prepareWorkflowRepo();
    const root = join(mount, 'ws');
    try {
      execFileSync('cp', ['-a', `${source}/.`, root]);
      // The pre-move analysis and baseline first, so what fails is the migration's own writes.
      const analysed = cli(root, 'analyze', first);
      assert.equal(analysed.code, 0, analysed.stderr);
      const before = snapshot(root);
      // Fill the disk, leaving room for Stepwise's small records but not for the adapter's runtime.
      const { bavail, bsize } = statfsSync(mount);
      writeFileSync(join(mount, 'filler'), Buffer.alloc(Math.max(0, bavail * bsize - 12 * 1024)));
      const full = cli(root, 'migrate', first);
      assert.equal(full.code, 2, full.stdout + full.stderr);
      assert.match(full.stderr, /The disk is full \(ENOSPC/);
      assert.match(full.stderr, /nothing was written and every file is as it was|put back as it was/);
      assert.doesNotMatch(full.stderr, /at \w+ \(|failed unexpectedly/, 'a sentence, not a stack trace');
      assert.deepEqual(snapshot(root), before, 'the working tree, the index and HEAD are as before');
      const leftovers = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true, recursive: true })
          .filter((e) => e.isFile() && e.name.endsWith('.tmp') && !e.parentPath.includes('node_modules'))
          .map((e) => e.name);
      assert.deepEqual(leftovers(join(root, 'src')), [], 'no temporary file is left');
      const status = cli(root, 'status', '--json');
      assert.match(status.stdout, /"path": "src\/jobs\/warmup-job\.ts"/, 'the file is still in the plan');

      rmSync(join(mount, 'filler'));
      const again = cli(root, 'migrate', first);
      assert.equal(again.code, 0, again.stderr);
    } finally {
      rmSync(source, { recursive: true, force: true });
      rmSync(root, { recursive: true, force: true });
      rmSync(join(mount, 'filler'), { force: true });
    }
  });
});
