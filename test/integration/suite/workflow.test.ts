// The whole per-file journey inside a real VS Code, on a git copy of the demo workspace: the quick
// fix migrates a file as one commit with trailers, verification runs against the baseline, a
// second migration is refused while the first is in flight, the (test) clock ends the
// observation, approval unlocks the next file, revert creates the revert commit, and a dirty
// file blocks a migration with nothing lost.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { StepwiseApi } from '../../../client/src/extension';
import { ServerCommands } from '../../../server/src/protocol';
import type { EngineResult } from '../../../server/src/protocol';
import { activateStepwise, codeActionsAt, diagnosticsWhere, workflowStatus, workflowWhere, workspaceRoot } from '../helpers';

const git = (...args: string[]): string => execFileSync('git', args, { cwd: workspaceRoot(), encoding: 'utf8' });
const hour = 3600_000;

describe('the per-file workflow', function () {
  // Baselines and verifications run the demo's real tests, type check and benchmark (5 runs, then
  // 5 + 5 side by side). Measured for the first migration: 45 s on an idle 2-core machine, about
  // 5 min with two CPU hogs beside it; the limit is three times that, as a guard against a hang
  // rather than a measure of speed.
  this.timeout(15 * 60_000);
  let api: StepwiseApi;
  let first: string;
  let second: string;

  before(async () => {
    api = await activateStepwise();
    // The demo's spec as it ships (10 % benchmark tolerance): the side-by-side comparison is what
    // keeps a busy machine's noise from failing an honest migration.
    const status = await workflowWhere(api, (s) => s.files.length > 0 && s.files[0].allowed.migrate.ok, 'the plan');
    first = status.files[0].path;
    second = status.files[1].path;
  });

  it('offers the quick fix on a legacy usage; it migrates the file as one commit with trailers and verifies it', async () => {
    const uri = vscode.Uri.file(join(workspaceRoot(), ...first.split('/')));
    await vscode.window.showTextDocument(uri);
    const diagnostics = await diagnosticsWhere(
      uri,
      (d) => d.some((x) => typeof x.code === 'string' && x.code.startsWith('legacy-')),
      `diagnostics in ${first}`,
    );
    const actions = await codeActionsAt(uri, diagnostics[0].range, vscode.CodeActionKind.QuickFix.value);
    const migrate = actions.find((a) => a.title === 'Migrate this file through the adapter');
    assert.ok(migrate?.command, `offered: ${actions.map((a) => a.title).join(', ')}`);
    // The server's own command, as in any LSP client; VS Code runs it with its own questions and messages.
    assert.equal(migrate.command.command, ServerCommands.migrate);

    const head = git('rev-parse', 'HEAD').trim();
    const result = await vscode.commands.executeCommand<EngineResult>(migrate.command.command, ...(migrate.command.arguments ?? []));
    assert.ok(result?.ok, result && !result.ok ? result.error : 'no result');
    assert.ok(result.verification?.ok, 'the verification passed');
    assert.ok(result.verification.test?.counts && result.verification.test.counts.passed > 0, 'the tests ran and their counts were read');

    // One commit on top of the previous HEAD, with exactly the file and the new adapter.
    assert.equal(git('rev-parse', 'HEAD~1').trim(), head);
    const message = git('log', '-1', '--format=%B');
    assert.match(message, new RegExp(`^stepwise: route ${first.replace(/[./]/g, '\\$&')} through the adapter`));
    assert.match(message, /^Stepwise-Migration: async-ttl-cache-to-improved$/m);
    assert.match(message, new RegExp(`^Stepwise-File: ${first.replace(/[./]/g, '\\$&')}$`, 'm'));
    assert.match(message, /^Stepwise-Risk: \w+ \d\.\d\d$/m);
    assert.match(message, /^Stepwise-Baseline: tests \d+ passed/m);
    assert.deepEqual(
      git('show', '--format=', '--name-only', 'HEAD').trim().split('\n').sort(),
      [first, 'src/core/cache-migration/legacy-adapter.ts', 'src/core/cache-migration/stepwise-runtime.ts'].sort(),
    );

    const status = await workflowStatus(api);
    const file = status.files.find((f) => f.path === first);
    assert.equal(file?.state, 'observing');
    assert.equal(status.inFlight, first);
    assert.ok(file.evidence.baseline && file.evidence.verification, 'baseline and verification are recorded');
    assert.ok(Date.parse(file.observeUntil ?? '') - status.now > 23 * hour, 'a 24 h observation timer runs');
    await diagnosticsWhere(
      uri,
      (d) => !d.some((x) => typeof x.code === 'string' && x.code.startsWith('legacy-')),
      'the legacy diagnostics to clear',
    );
  });

  it('refuses a second migration while the first file is in flight', async () => {
    const head = git('rev-parse', 'HEAD').trim();
    const uri = vscode.Uri.file(join(workspaceRoot(), ...second.split('/')));
    const result = await vscode.commands.executeCommand<EngineResult>('stepwise.migrateFile', uri, { confirmed: true });
    assert.ok(result && !result.ok);
    assert.match(result.error, new RegExp(`${first.replace(/[./]/g, '\\$&')} is in flight`));
    assert.equal(git('rev-parse', 'HEAD').trim(), head, 'no commit was made');
  });

  it('does not allow approval before the observation ends; after it (test clock) approval unlocks the next file', async () => {
    const uri = vscode.Uri.file(join(workspaceRoot(), ...first.split('/')));
    const early = await vscode.commands.executeCommand<EngineResult>('stepwise.approveFile', uri);
    assert.ok(early && !early.ok);
    assert.match(early.error, /Observation of .* runs until/);

    const client = api.client();
    assert.ok(client);
    await client.sendRequest('stepwise/test/advanceClock', { ms: 25 * hour });
    await workflowWhere(api, (s) => s.files.find((f) => f.path === first)?.state === 'awaiting-approval', 'the observation to end');

    const approved = await vscode.commands.executeCommand<EngineResult>('stepwise.approveFile', uri);
    assert.ok(approved?.ok, approved && !approved.ok ? approved.error : 'no result');
    assert.match(git('log', '-1', '--format=%B'), /^Stepwise-Approves: [0-9a-f]{40}$/m);
    assert.match(git('log', '-1', '--format=%B'), /^Stepwise-Approver: Stepwise Test <test@stepwise\.invalid>$/m);
    const status = await workflowWhere(api, (s) => s.files.find((f) => f.path === first)?.state === 'approved', 'the approval');
    assert.equal(status.inFlight, null);
    assert.ok(status.files.find((f) => f.path === second)?.allowed.migrate.ok, 'the next file is unlocked');
  });

  it('migrates the next file, and the checklist\u2019s revert creates the revert commit; the file is back to pending', async () => {
    const uri = vscode.Uri.file(join(workspaceRoot(), ...second.split('/')));
    const migrated = await vscode.commands.executeCommand<EngineResult>('stepwise.migrateFile', uri);
    assert.ok(migrated?.ok, migrated && !migrated.ok ? migrated.error : 'no result');
    const commit = git('rev-parse', 'HEAD').trim();

    const reverted = await vscode.commands.executeCommand<EngineResult>('stepwise.revertFile', uri, { confirmed: true });
    assert.ok(reverted?.ok, reverted && !reverted.ok ? reverted.error : 'no result');
    assert.match(git('log', '-1', '--format=%B'), new RegExp(`This reverts commit ${commit}`));
    const status = await workflowWhere(api, (s) => s.files.find((f) => f.path === second)?.state === 'reverted', 'the revert');
    const file = status.files.find((f) => f.path === second);
    assert.ok(file?.allowed.migrate.ok, 'it can be migrated again');
    assert.equal(status.inFlight, null);
    await diagnosticsWhere(
      uri,
      (d) => d.some((x) => typeof x.code === 'string' && x.code.startsWith('legacy-')),
      'the legacy diagnostics to come back',
    );
  });

  it('sees a migration reverted outside Stepwise (a git revert in a terminal) and shows the file as reverted', async () => {
    const status = await workflowStatus(api);
    const commit = status.files.find((f) => f.path === first)?.commit;
    assert.ok(commit, `${first} has a live migration commit`);
    git('revert', '--no-edit', commit);
    // No request from the test: the server notices the change in .git and tells the client.
    const after = await workflowWhere(
      api,
      (s) => s.files.find((f) => f.path === first)?.state === 'reverted',
      'the outside revert to show',
    );
    assert.equal(after.files.find((f) => f.path === first)?.commit, null);
  });

  it('a file with uncommitted or unsaved changes blocks the migration, and nothing is lost', async () => {
    const root = workspaceRoot();
    const path = join(root, ...second.split('/'));
    const uri = vscode.Uri.file(path);
    const head = git('rev-parse', 'HEAD').trim();

    // Changed on disk, not committed.
    const edited = `${readFileSync(path, 'utf8')}\n// a change someone is still working on\n`;
    writeFileSync(path, edited);
    const dirty = await vscode.commands.executeCommand<EngineResult>('stepwise.migrateFile', uri, { confirmed: true });
    assert.ok(dirty && !dirty.ok);
    assert.match(dirty.error, /has uncommitted changes; commit or stash them first/);
    assert.equal(readFileSync(path, 'utf8'), edited, 'the change is still there');
    assert.equal(git('rev-parse', 'HEAD').trim(), head);
    git('checkout', '--', second);

    // Changed in the editor, not saved.
    const editor = await vscode.window.showTextDocument(uri);
    await editor.edit((b) => b.insert(new vscode.Position(0, 0), '// unsaved thought\n'));
    const unsaved = await vscode.commands.executeCommand<EngineResult>('stepwise.migrateFile', uri, { confirmed: true });
    assert.ok(unsaved && !unsaved.ok);
    assert.match(unsaved.error, /has unsaved changes in the editor/);
    assert.ok(editor.document.isDirty && editor.document.getText().startsWith('// unsaved thought\n'), 'the unsaved edit is kept');
    assert.equal(git('rev-parse', 'HEAD').trim(), head);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });
});
