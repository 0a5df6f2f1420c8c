import { ts } from 'ts-morph';
import type { ProjectSet } from './projects';

export interface PlannedFile {
  path: string;
  /** The current text; undefined when the edit creates the file. */
  before: string | undefined;
  after: string;
}

export interface EditProblem {
  path: string;
  line: number;
  column: number;
  message: string;
  syntax: boolean;
}

export interface EditCheck {
  ok: boolean;
  /** Errors the edit would introduce (errors the files already had are not counted). */
  problems: EditProblem[];
}

/**
 * Verifies edits before they are offered: each edited file must still parse and must not gain
 * type errors. The new texts go into the project only for the duration of the check.
 */
export function checkEdits(projects: ProjectSet, files: PlannedFile[]): EditCheck {
  const existing = new Map<string, Map<string, number>>();
  for (const file of files) {
    if (file.before === undefined) continue;
    projects.setText(file.path, file.before);
    existing.set(file.path, countByKey(projects.errorsOf(file.path)));
  }
  const problems: EditProblem[] = [];
  try {
    for (const file of files) projects.setText(file.path, file.after);
    for (const file of files) {
      const remaining = new Map(existing.get(file.path) ?? []);
      for (const diagnostic of projects.errorsOf(file.path)) {
        const key = keyOf(diagnostic);
        const count = remaining.get(key) ?? 0;
        if (count > 0) {
          remaining.set(key, count - 1);
          continue;
        }
        const position =
          diagnostic.file && diagnostic.start !== undefined
            ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
            : { line: 0, character: 0 };
        problems.push({
          path: file.path,
          line: position.line + 1,
          column: position.character + 1,
          message: ts.flattenDiagnosticMessageText(diagnostic.messageText, ' '),
          syntax: diagnostic.code >= 1000 && diagnostic.code < 2000,
        });
      }
    }
  } finally {
    for (const file of files) {
      if (file.before === undefined) projects.remove(file.path);
      else projects.setText(file.path, file.before);
    }
  }
  return { ok: problems.length === 0, problems };
}

function keyOf(diagnostic: ts.Diagnostic): string {
  return `${diagnostic.code}:${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
}

function countByKey(diagnostics: ts.Diagnostic[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of diagnostics) counts.set(keyOf(d), (counts.get(keyOf(d)) ?? 0) + 1);
  return counts;
}

export function describeProblems(problems: EditProblem[], limit = 3): string {
  // Each without its own full stop: the caller's sentence ends them.
  const shown = problems.slice(0, limit).map((p) => `${p.path}:${p.line}:${p.column} ${p.message.replace(/\.$/, '')}`);
  const more = problems.length > limit ? ` (and ${problems.length - limit} more)` : '';
  return shown.join('; ') + more;
}
