import { minimatch } from 'minimatch';
import type { ContextCase, FileContext } from './types';

/** Test files where no test runner names them: test folders, `__tests__`, `*.test.*`, `*.spec.*`. */
export const defaultTestGlobs = ['**/test/**', '**/tests/**', '**/__tests__/**', '**/*.test.*', '**/*.spec.*'];

/** The case of a rule's `when` that applies to a file, and why, in words. */
export interface ChosenCase {
  case: ContextCase;
  /** `it matches src/llm/**`, `it is a test file (test/**, from the usual test folders and names)`. */
  because: string;
}

/** The first case whose files (or named context) match the workspace-relative path, if any. */
export function chooseCase(
  path: string,
  cases: readonly ContextCase[] | undefined,
  contexts: Readonly<Record<string, FileContext>>,
): ChosenCase | undefined {
  for (const candidate of cases ?? []) {
    if (candidate.files) {
      const glob = candidate.files.find((g) => matches(path, g));
      if (glob) return { case: candidate, because: `it matches ${glob}` };
      continue;
    }
    const context = candidate.context === undefined ? undefined : contexts[candidate.context];
    const glob = context?.globs.find((g) => matches(path, g));
    if (!glob || !context) continue;
    const what = candidate.context === 'tests' ? 'it is a test file' : `it is in the ${candidate.context} context`;
    return { case: candidate, because: `${what} (${glob}, from ${context.from})` };
  }
  return undefined;
}

function matches(path: string, glob: string): boolean {
  return minimatch(path, glob, { dot: true }) || (glob.endsWith('/**') && path.startsWith(glob.slice(0, -2)));
}
