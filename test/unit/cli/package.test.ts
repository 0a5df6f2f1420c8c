// The CLI as people install it: `npm pack` makes a tarball, `npm install -g` of that tarball puts
// a `stepwise` command on the PATH, and that command analyses a workspace from inside it, with no
// --root and nothing from this checkout (it runs from the install prefix, in another folder).
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { prepareWorkspace, removeWorkspace, repoRoot } from '../../support/workspace';

const run = promisify(execFile);

describe('the CLI package (npm pack, npm install -g)', function () {
  // npm starts several node processes; on a loaded machine each takes seconds.
  this.timeout(240_000);
  let scratch: string;
  let prefix: string;
  let tarball: string;
  let demo: string;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'stepwise-pack-'));
    prefix = join(scratch, 'prefix');
    // The build already ran (npm test builds first); don't let prepack build again.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: repoRoot });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    tarball = join(scratch, packed.filename);
    demo = await prepareWorkspace('demo', { git: false });
  });
  after(async () => {
    rmSync(scratch, { recursive: true, force: true });
    if (demo) await removeWorkspace(demo);
  });

  it('is named so that it is not some other package on the registry, and ships only the CLI and the core bundle it loads', async () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; bin: Record<string, string> };
    assert.notEqual(manifest.name, 'stepwise', '"stepwise" on the registry is an unrelated package');
    assert.deepEqual(Object.keys(manifest.bin), ['stepwise']);
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.trim().split('\n').sort();
    assert.deepEqual(files, [
      'package/LICENSE',
      'package/README.md',
      'package/dist/cli.js',
      'package/dist/server.js',
      'package/package.json',
      'package/schemas/migration.schema.json',
    ]);
  });

  it('installs globally from the tarball, and `stepwise analyze` runs in the demo workspace', async () => {
    await run('npm', ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], { cwd: scratch });
    const bin = join(prefix, 'bin');
    assert.ok(existsSync(join(bin, 'stepwise')), `the install put stepwise in ${bin}: ${readdirSync(bin).join(', ')}`);
    // As a person would run it: the command from the PATH, in the workspace, no --root.
    const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
    const { stdout } = await run('stepwise', ['analyze', '--json'], { cwd: demo, env, maxBuffer: 32 * 1024 * 1024 });
    const report = JSON.parse(stdout) as { summary: { files: number; usages: number }; plan: string[] };
    assert.ok(report.summary.files > 5, `found ${report.summary.files} files`);
    assert.ok(report.summary.usages > report.summary.files);
    assert.ok(report.plan.includes('src/services/health-service.ts'));
    const help = await run('stepwise', ['--help'], { cwd: scratch, env });
    assert.match(help.stdout, /stepwise <verb>|Usage/i);
  });
});
