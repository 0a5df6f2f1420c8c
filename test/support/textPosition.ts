// Finds where a piece of text is, as the 1-based line and column an editor (and our problems) show.

/**
 * The 1-based line and column of the first occurrence of `needle` in `text`, searching from the
 * first occurrence of `after` when given (to pick one of several equal strings). Throws when the
 * needle is missing, so a typo in a test's table fails loudly instead of comparing `undefined`s.
 */
export function positionOf(text: string, needle: string, after?: string): { line: number; column: number } {
  const from = after === undefined ? 0 : text.indexOf(after);
  if (from < 0) throw new Error(`"${after}" is not in the text`);
  const offset = text.indexOf(needle, from);
  if (offset < 0) throw new Error(`"${needle}" is not in the text${after === undefined ? '' : ` after "${after}"`}`);
  return positionAtOffset(text, offset);
}

/** The 1-based line and column of an offset (`\n` and `\r\n` line ends). */
export function positionAtOffset(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split(/\r?\n/);
  return { line: before.length, column: before[before.length - 1].length + 1 };
}
