import type { Span } from '../analysis/types';

/** A replacement of `[start, end)` in a file's current text. Edits are computed, then applied. */
export interface TextChange {
  start: number;
  end: number;
  newText: string;
}

/** The changes to one file; `create` means the file does not exist yet and `newText` is all of it. */
export interface FileChange {
  path: string;
  create?: boolean;
  changes: TextChange[];
}

export function replaceSpan(span: Span, newText: string): TextChange {
  return { start: span.start, end: span.end, newText };
}

/** Applies non-overlapping changes (in any order) to a text. */
export function applyTextChanges(text: string, changes: readonly TextChange[]): string {
  const sorted = [...changes].sort((a, b) => b.start - a.start || b.end - a.end);
  let result = text;
  let limit = Infinity;
  for (const change of sorted) {
    if (change.end > limit) throw new Error(`Overlapping edits at offset ${change.start}.`);
    result = result.slice(0, change.start) + change.newText + result.slice(change.end);
    limit = change.start;
  }
  return result;
}
