import { Worker } from 'node:worker_threads';

/** How long one scan of the logs may spend matching the spec's pattern. */
export const patternBudgetMs = 5000;

/** The lines of `texts` that match, or why matching stopped. */
export type PatternResult = { matches: string[]; count: number } | { error: string };

// The worker is inline source, so it works from the bundles (dist/cli.js, dist/server.js) too.
const workerSource = `
const { parentPort } = require('node:worker_threads');
parentPort.once('message', ({ pattern, texts, keep }) => {
  const regex = new RegExp(pattern);
  const matches = [];
  let count = 0;
  for (const { label, text } of texts) {
    for (const line of text.split('\\n')) {
      if (!regex.test(line)) continue;
      count++;
      if (matches.length < keep) matches.push(label + ': ' + line.trim());
    }
  }
  parentPort.postMessage({ matches, count });
});
`;

/**
 * Matches the spec's log pattern (a regular expression from the workspace, which may backtrack
 * without end: `^(a+)+$` on 34 characters takes minutes) against log lines in a worker thread,
 * stopped when it runs past `budgetMs`. The caller's thread — the language server's, answering
 * the editor — never waits on the pattern itself.
 */
export function matchLines(
  pattern: string,
  texts: { label: string; text: string }[],
  options: { budgetMs?: number; keep?: number } = {},
): Promise<PatternResult> {
  const budgetMs = options.budgetMs ?? patternBudgetMs;
  try {
    new RegExp(pattern);
  } catch (error) {
    return Promise.resolve({ error: `The log pattern /${pattern}/ is not a valid regular expression: ${(error as Error).message}.` });
  }
  if (texts.every((t) => t.text === '')) return Promise.resolve({ matches: [], count: 0 });
  return new Promise((resolve) => {
    const worker = new Worker(workerSource, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 512 } });
    let settled = false;
    const finish = (result: PatternResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    };
    const timer = setTimeout(
      () =>
        finish({
          error: `The log pattern /${pattern}/ did not finish matching within ${budgetMs / 1000} s, so it was stopped (a pattern with nested repetition such as (a+)+ can take exponential time); simplify "verify.logs.pattern".`,
        }),
      budgetMs,
    );
    worker.once('message', (result: { matches: string[]; count: number }) => finish(result));
    worker.once('error', (error) => finish({ error: `Matching the log pattern failed: ${error.message}.` }));
    worker.once('exit', () => finish({ error: 'Matching the log pattern stopped unexpectedly.' }));
    worker.postMessage({ pattern, texts, keep: options.keep ?? 50 });
  });
}
