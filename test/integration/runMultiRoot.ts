// A multi-root workspace in code-server, clicked through as a person would: two folders, each a
// git repository with its own spec. The checklist's folder picker switches between them; a file
// is migrated in the first folder and another file's migration is reverted in the second, and git
// in each folder shows exactly that. Screenshots go to test-results/multi-root/. Exits non-zero
// when a step does not happen.
//
// Usage: node out/test/integration/runMultiRoot.js
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../server/src/cli';
import { first, prepareWorkflowRepo } from '../support/workflowRepo';
import { keepForInspection, removeWorkspace, repoRoot } from '../support/workspace';
import { loadTools } from './tools';
import { checklistFrame, closeWorkbench, openDevWorkbench, reportFailure } from './workbench';
import type { Workbench } from './workbench';

const shots = join(repoRoot, 'test-results', 'multi-root');
const step = (message: string): void => console.log(`[multi-root] ${message}`);

/** A repository of the demo (stand-in commands) whose spec has its own title, committed. */
async function folderWithTitle(title: string): Promise<string> {
  const root = await prepareWorkflowRepo();
  const specFile = join(root, '.stepwise', 'migration.json');
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as { title: string };
  spec.title = title;
  writeFileSync(specFile, `${JSON.stringify(spec, null, 2)}\n`);
  execFileSync('git', ['commit', '-qam', `spec: ${title}`], { cwd: root });
  return root;
}

export async function main(): Promise<number> {
  const tools = await loadTools();
  const entry = await tools.ensureCodeServer();
  await tools.ensureChromium();
  mkdirSync(shots, { recursive: true });
  const alpha = await folderWithTitle('Alpha cache migration');
  const beta = await folderWithTitle('Beta cache migration');
  const git = (root: string, ...args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8' });
  // Beta has a migration in flight already (made with the CLI), for the checklist to revert.
  const out: string[] = [];
  const code = await runCli(['migrate', first, '--root', beta, '--trust', '--json'], { out: (t) => out.push(t), err: (t) => out.push(t) });
  if (code !== 0) throw new Error(`could not prepare beta's migration: ${out.join('\n')}`);
  const alphaHead = git(alpha, 'rev-parse', 'HEAD').trim();
  const betaMigration = git(beta, 'rev-parse', 'HEAD').trim();

  const tmp = mkdtempSync(join(tmpdir(), 'stepwise-multi-'));
  const workspaceFile = join(tmp, 'two-folders.code-workspace');
  writeFileSync(
    workspaceFile,
    JSON.stringify(
      {
        folders: [
          { path: alpha, name: 'alpha' },
          { path: beta, name: 'beta' },
        ],
      },
      null,
      2,
    ),
  );
  const opened: Workbench = {};
  let passed = false;
  try {
    const page = await openDevWorkbench(tools, entry, tmp, { workspace: workspaceFile }, opened);
    step('workbench ready with two folders, Stepwise indexed them');

    await tools.runWorkbenchCommand(page, 'Stepwise: Open Migration Checklist');
    const panel = checklistFrame(page);
    const picker = panel.locator('select#folder');
    await picker.waitFor({ timeout: 120_000 });
    const names = await picker.locator('option').allTextContents();
    if (names.join(',') !== 'alpha,beta') throw new Error(`the folder picker offers ${names.join(', ')}`);
    await panel.locator('h1:has-text("Alpha cache migration")').waitFor({ timeout: 120_000 });
    step('the checklist shows alpha, with a picker for both folders');

    // Alpha: migrate the plan's first file.
    const alphaCard = panel.locator(`.card[data-path="${first}"]`);
    await alphaCard.locator('button[data-action="migrate"]').click();
    await alphaCard.locator('.state[data-state="observing"]:not([data-activity])').waitFor({ timeout: 15 * 60_000 });
    if (!git(alpha, 'log', '-1', '--format=%B').includes(`Stepwise-File: ${first}`)) throw new Error('alpha has no migration commit');
    if (git(alpha, 'rev-parse', 'HEAD~1').trim() !== alphaHead) throw new Error('alpha has more than the one migration commit');
    if (git(beta, 'rev-parse', 'HEAD').trim() !== betaMigration) throw new Error('migrating in alpha changed beta');
    step(`migrated ${first} in alpha; beta untouched`);
    await page.screenshot({ path: join(shots, 'alpha-migrated.png') });

    // Beta: the picker switches the checklist; revert the migration made earlier.
    await picker.selectOption({ label: 'beta' });
    await panel.locator('h1:has-text("Beta cache migration")').waitFor({ timeout: 60_000 });
    const betaCard = panel.locator(`.card[data-path="${first}"]`);
    await betaCard.locator('.state[data-state="observing"]').waitFor({ timeout: 60_000 });
    await betaCard.locator('button[data-action="revert"]').click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 120_000 });
    await dialog.locator('a.monaco-button:has-text("Revert"), button:has-text("Revert")').first().click();
    await betaCard.locator('.state[data-state="reverted"]').waitFor({ timeout: 120_000 });
    const reverted = git(beta, 'log', '-1', '--format=%B');
    if (!reverted.includes(`This reverts commit ${betaMigration}`)) throw new Error(`beta's last commit is not the revert:\n${reverted}`);
    if (!git(alpha, 'log', '-1', '--format=%B').includes(`Stepwise-File: ${first}`)) throw new Error('reverting in beta changed alpha');
    step(`reverted ${first} in beta; alpha keeps its migration`);
    await page.screenshot({ path: join(shots, 'beta-reverted.png') });

    // Back to alpha: its file is still observing.
    await picker.selectOption({ label: 'alpha' });
    await panel.locator('h1:has-text("Alpha cache migration")').waitFor({ timeout: 60_000 });
    await alphaCard.locator('.state[data-state="observing"]').waitFor({ timeout: 60_000 });
    step('alpha still shows its file under observation');
    passed = true;
  } catch (error) {
    await reportFailure('multi-root', error, opened, shots);
  } finally {
    await closeWorkbench(opened);
    rmSync(tmp, { recursive: true, force: true });
    for (const [root, label] of [
      [alpha, 'multi-root-alpha'],
      [beta, 'multi-root-beta'],
    ]) {
      if (passed) await removeWorkspace(root);
      else console.error(`[multi-root] ${label} is kept for inspection in ${await keepForInspection(root, label)}`);
    }
  }
  step(passed ? 'passed' : 'FAILED');
  return passed ? 0 : 1;
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
