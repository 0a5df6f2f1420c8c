import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Position, Range } from 'vscode-languageserver';
import type { Span } from '../analysis/types';
import { LineIndex } from '../util/lineIndex';

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(absolute: string): string {
  return pathToFileURL(absolute).toString();
}

/** Converts offsets of one text to LSP ranges (UTF-16 positions, as the text is a JS string). */
export class RangeConverter {
  private readonly lines: LineIndex;

  constructor(text: string) {
    this.lines = new LineIndex(text);
  }

  position(offset: number): Position {
    return this.lines.positionAt(offset);
  }

  range(span: Span): Range {
    return { start: this.position(span.start), end: this.position(span.end) };
  }

  offset(position: Position): number {
    return this.lines.offsetAt(position);
  }
}
