// The tests module VS Code loads in its extension host (`extensionTestsPath`), both under
// code-server (runCodeServer.ts) and under desktop VS Code (runElectron.ts). VS Code calls run()
// once the extension under development is loaded and reports the outcome to the runner.
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';

/**
 * Runs every compiled suite in ./suite. Resolves when all tests pass and rejects otherwise, which
 * is what VS Code turns into the runner's exit code.
 */
export async function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    // A guard against a hang, sized from measurement: the slowest test outside the workflow suite
    // (diagnostics in every file) takes 4 s idle and about 40 s with two CPU hogs beside it. The
    // workflow suite, which runs the demo's real checks, sets its own (15 min).
    timeout: 120_000,
    // The extension host's console is the only channel that reaches the runner's terminal
    // (through the workbench's codeAutomationLog hook under code-server, as the process's stdout
    // on the desktop); a reporter that writes whole lines without colour codes reads right in both.
    reporter: 'spec',
    color: false,
  });
  // Under code-server the report reaches the runner mixed with the workbench's own log lines;
  // the runner passes a marker so it can show the report and hide the rest.
  const marker = process.env.STEPWISE_REPORT_MARKER;
  if (marker) {
    const log = console.log.bind(console);
    Mocha.reporters.Base.consoleLog = (...args: unknown[]) => {
      for (const line of format(...args).split('\n')) log(`${marker}${line}`);
    };
  }
  const grep = process.env.STEPWISE_TEST_GREP;
  if (grep) mocha.grep(grep);

  const suiteDir = join(__dirname, 'suite');
  const files = findTestFiles(suiteDir);
  if (files.length === 0) throw new Error(`No *.test.js files under ${suiteDir}; run \`npx tsc -b\` first`);
  for (const file of files) mocha.addFile(file);

  const failures = await new Promise<number>((resolve, reject) => {
    try {
      const runner = mocha.run(resolve);
      // The spec reporter prints failure details only at the end; say which test failed and why
      // as it happens too, so a run that later hangs or crashes still shows the first failure.
      runner.on('fail', (test, err: unknown) => {
        console.error(`FAILED: ${test.fullTitle()}: ${err instanceof Error ? err.message : String(err)}`);
      });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
  if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}

function findTestFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...findTestFiles(path));
    else if (entry.name.endsWith('.test.js')) files.push(path);
  }
  return files;
}
