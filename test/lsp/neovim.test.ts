// A second, independent LSP client: Neovim's built-in one (Debian's neovim, headless) runs the
// quick fix on the demo and the migration commit it makes is checked in git. The quick fix is a
// server command (workspace/executeCommand), so it works in any editor, not only in VS Code.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerCommands } from '../../server/src/protocol';
import { git } from '../support/workflowRepo';
import { prepareWorkspace, removeWorkspace, repoRoot } from '../support/workspace';
import { serverPath } from './lspClient';

interface NeovimResult {
  finished: string;
  diagnostics: number;
  actions: { title: string; command: string | null }[];
  messages: string[];
  questions: string[];
  progress: string[];
}

/** Runs the Lua script in a headless Neovim; resolves when Neovim exits (the script quits it). */
function runNeovim(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const script = join(repoRoot, 'test', 'lsp', 'neovim', 'migrate.lua');
  return new Promise((resolve) => {
    execFile(
      'nvim',
      ['--headless', '--clean', '-n', '-c', `luafile ${script}`],
      { env: { ...process.env, ...env }, timeout: 600_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe('the quick fix from Neovim (a second LSP client, headless)', function () {
  // A hang guard: the migration records a baseline and verifies, which takes seconds.
  this.timeout(600_000);
  let root: string | undefined;
  let scratch: string | undefined;

  after(async () => {
    if (root) await removeWorkspace(root);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('shows the diagnostics, offers the migration as a server command, and the command makes the migration commit', async () => {
    root = await prepareWorkspace('demo');
    scratch = await mkdtemp(join(tmpdir(), 'stepwise-nvim-'));
    const file = 'src/jobs/warmup-job.ts';
    const before = git(root, 'rev-parse', 'HEAD').trim();
    const resultFile = join(scratch, 'result.json');
    const run = await runNeovim({
      STEPWISE_ROOT: root,
      STEPWISE_SERVER: serverPath,
      STEPWISE_FILE: file,
      STEPWISE_RESULT: resultFile,
      XDG_STATE_HOME: scratch,
      XDG_DATA_HOME: scratch,
    });
    let result: NeovimResult;
    try {
      result = JSON.parse(readFileSync(resultFile, 'utf8')) as NeovimResult;
    } catch {
      assert.fail(`Neovim wrote no result (exit ${String(run.code)}): ${run.output}`);
    }
    assert.equal(result.finished, 'answered', JSON.stringify(result, null, 2));
    assert.ok(result.diagnostics > 0, 'the diagnostics arrived (pushed: Neovim 0.7 does not pull)');
    const migrate = result.actions.find((a) => a.title === 'Migrate this file through the adapter');
    assert.equal(migrate?.command, ServerCommands.migrate, JSON.stringify(result.actions));
    // Neovim does not implement VS Code's checklist or dossier view, so they are not offered.
    assert.ok(!result.actions.some((a) => a.command?.startsWith('stepwise.') && !a.command.startsWith('stepwise.server.')));
    assert.ok(
      result.messages.some((m) => m.startsWith(`Committed `) && m.includes(file)),
      `the server said how it went: ${result.messages.join(' | ')}`,
    );

    // The commit itself: one migration commit on top of where it was, with its trailers.
    const head = git(root, 'rev-parse', 'HEAD').trim();
    assert.notEqual(head, before);
    assert.equal(git(root, 'rev-parse', 'HEAD~1').trim(), before);
    assert.match(git(root, 'log', '-1', '--format=%s').trim(), /^stepwise: route src\/jobs\/warmup-job\.ts through the adapter$/);
    const body = git(root, 'log', '-1', '--format=%B');
    assert.match(body, /^Stepwise-File: src\/jobs\/warmup-job\.ts$/m);
    assert.match(body, /^Stepwise-Migration: async-ttl-cache-to-improved$/m);
    const files = git(root, 'show', '--format=', '--name-only', 'HEAD').trim().split('\n').sort();
    assert.deepEqual(files, ['src/core/cache-migration/legacy-adapter.ts', 'src/core/cache-migration/stepwise-runtime.ts', file]);
    assert.equal(git(root, 'status', '--porcelain').trim(), '', 'nothing left uncommitted');
  });
});
