/**
 * Text from the spec or the file system (a title, a path) as it may appear in generated code:
 * built, not concatenated, so no value can end a comment or a string and become code.
 */

/** A JavaScript string literal in `quote` holding exactly `value`. */
export function stringLiteral(value: string, quote: "'" | '"' | '`' = "'"): string {
  let out = '';
  for (const ch of value) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\u2028' || ch === '\u2029') out += `\\u${ch.charCodeAt(0).toString(16)}`;
    else if (quote === '`' && ch === '$') out += '\\$';
    else if (ch.charCodeAt(0) < 0x20) out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

/**
 * Text that may go on one line of a block comment: `*\/` cannot close it, and line breaks (which
 * would let the rest start a new line outside the ` * ` layout) become spaces.
 */
export function commentSafe(text: string): string {
  return text.replace(/\*\//g, '* /').replace(/[\r\n\u2028\u2029]+/g, ' ');
}
