// Runs the stepwise CLI in-process with its output collected, and fingerprints workspaces so a
// test can prove that a command changed nothing on disk.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../server/src/cli';

export interface CliResult {
  code: number;
  /** Everything written to stdout, one `out()` call per line. */
  stdout: string;
  stderr: string;
}

export async function cli(...argv: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** Parses stdout as one JSON document (what `--json` promises), with the output in the message if not. */
export function jsonOf<T = unknown>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch (error) {
    throw new Error(`stdout is not one JSON document (${(error as Error).message}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** Path → sha1 of every file under `root`, skipping node_modules (a link to ours) and .git. */
export function fingerprint(root: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.name === 'node_modules' || entry.name === '.git') continue;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile())
        result[child] = createHash('sha1')
          .update(readFileSync(join(root, child)))
          .digest('hex');
    }
  };
  walk('');
  return result;
}

/** Runs `run` with some environment variables set (undefined: unset), and puts the environment back afterwards. */
export async function withEnv<T>(env: Record<string, string | undefined>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(env);
  try {
    return await run();
  } finally {
    apply(saved);
  }
}
