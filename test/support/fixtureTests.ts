// Runs a fixture's own `npm test` (node:test), as its maintainers would, and reads the counts from
// its TAP summary; a failing run is reported by its counts, not thrown.
import { execFileSync } from 'node:child_process';
import type { EngineResult } from '../../server/src/protocol/wire';

export interface FixtureTestRun {
  pass: number;
  fail: number;
  output: string;
}

/** `npm test` in `root` with these variables added to the environment (a rollout mode, REDIS_URL…). */
export function runFixtureTests(root: string, env: Record<string, string> = {}): FixtureTestRun {
  let output: string;
  try {
    output = execFileSync('npm', ['test', '--silent'], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  } catch (error) {
    output = `${(error as { stdout?: string }).stdout ?? ''}`;
  }
  const count = (name: string): number => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? -1);
  return { pass: count('pass'), fail: count('fail'), output };
}

/** The fixture's own tests in one rollout mode, as "N passed, M failed". */
export function fixtureTestsIn(root: string, flag: string, mode: string): string {
  const run = runFixtureTests(root, { [flag]: mode });
  return `${run.pass} passed, ${run.fail} failed`;
}

/** What a step's verification counted of the fixture's tests, as "N passed, M failed". */
export function verifiedCounts(result: Extract<EngineResult, { ok: true }>): string {
  const counts = result.verification?.test?.counts;
  return counts ? `${counts.passed} passed, ${counts.failed} failed` : JSON.stringify(result.verification);
}
