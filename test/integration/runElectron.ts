// Runs the integration suite in desktop VS Code through @vscode/test-electron, for machines that
// have one (or can download one). The suite and tests module are the same as under code-server.
//
// Usage: node out/test/integration/runElectron.js [--workspace DIR]
//   VSCODE_EXECUTABLE  path of a VS Code executable to use; without it test-electron downloads
//                      VSCODE_VERSION (default 1.100.3, the VS Code that code-server 4.100.3 bundles,
//                      so both runners test the oldest version engines.vscode accepts)
//   STEPWISE_FIXTURE   fixture to copy into a fresh workspace (default "demo"); ignored with --workspace
//   STEPWISE_TEST_GREP only run tests whose full title matches
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { keepForInspection, prepareWorkspace, removeWorkspace, repoRoot } from '../support/workspace';

export async function main(argv: string[]): Promise<number> {
  const workspaceFlag = argv.indexOf('--workspace');
  const givenWorkspace = workspaceFlag >= 0 ? argv[workspaceFlag + 1] : undefined;
  if (workspaceFlag >= 0 && !givenWorkspace) throw new Error('--workspace needs a folder');

  const workspace = givenWorkspace ? resolve(givenWorkspace) : await prepareWorkspace(process.env.STEPWISE_FIXTURE ?? 'demo');
  // A fresh profile per run, so settings and state of a person's own VS Code never leak in.
  const userDataDir = mkdtempSync(join(tmpdir(), 'stepwise-vscode-'));
  const executable = process.env.VSCODE_EXECUTABLE;
  console.log(`[integration] workspace ${workspace}`);
  console.log(`[integration] VS Code ${executable ?? `download ${process.env.VSCODE_VERSION ?? '1.100.3'}`}`);

  let passed = false;
  try {
    const code = await runTests({
      ...(executable ? { vscodeExecutablePath: executable } : { version: process.env.VSCODE_VERSION ?? '1.100.3' }),
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: join(repoRoot, 'out', 'test', 'integration', 'index.js'),
      extensionTestsEnv: { STEPWISE_TEST_WORKSPACE: workspace },
      launchArgs: [
        workspace,
        // Only the extension under development; a person's installed extensions could interfere.
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir',
        userDataDir,
      ],
    });
    passed = code === 0;
  } catch (err) {
    // runTests rejects (TestRunFailedError) when VS Code exits non-zero, i.e. when a test failed.
    console.error(`[integration] ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    rmSync(userDataDir, { recursive: true, force: true });
    if (!givenWorkspace) {
      if (passed) await removeWorkspace(workspace);
      else console.error(`[integration] the workspace is kept for inspection in ${await keepForInspection(workspace, 'integration')}`);
    }
  }
  console.log(`[integration] ${passed ? 'passed' : 'FAILED'}`);
  return passed ? 0 : 1;
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
