import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

/** The largest message the server takes (64 MiB: a whole minified bundle in a didOpen fits). */
export const maxMessageBytes = 64 * 1024 * 1024;

const headerEnd = Buffer.from('\r\n\r\n');
const contentLength = Buffer.from('Content-Length:');

/**
 * Sits between stdin and the JSON-RPC reader and lets only well-framed messages through: a
 * header block with exactly one `Content-Length` of digits (at most maxMessageBytes), then that
 * many bytes. A header that is not (a bad length, a garbled line, a message too large) is dropped
 * with what follows it up to the next `Content-Length:`, and `onDropped` says why — the reader
 * itself would stop reading for good at the first bad header, and the server would never answer
 * again.
 */
export class FrameGuard extends Transform {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly onDropped: (reason: string) => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.drain();
    done();
  }

  private drain(): void {
    for (;;) {
      const end = this.buffer.indexOf(headerEnd);
      if (end < 0) {
        // A header never grows this long: garbage without a frame; keep only a possible start.
        if (this.buffer.length > 8192) this.skip('a header longer than 8 KiB', this.buffer.length - contentLength.length);
        return;
      }
      const header = this.buffer.subarray(0, end).toString('ascii');
      const lengths = header
        .split('\r\n')
        .map((line) => /^content-length:\s*(.*?)\s*$/i.exec(line)?.[1])
        .filter((v): v is string => v !== undefined);
      const valid = lengths.length === 1 && /^\d{1,10}$/.test(lengths[0]) && Number(lengths[0]) <= maxMessageBytes;
      if (!valid) {
        const why =
          lengths.length === 0
            ? 'a header without Content-Length'
            : lengths.length > 1
              ? 'a header with more than one Content-Length'
              : /^\d+$/.test(lengths[0])
                ? `a message of ${lengths[0]} bytes (more than ${maxMessageBytes})`
                : `a Content-Length that is not a number (${JSON.stringify(lengths[0].slice(0, 40))})`;
        this.skip(why, end + headerEnd.length);
        continue;
      }
      const total = end + headerEnd.length + Number(lengths[0]);
      if (this.buffer.length < total) return;
      this.push(this.buffer.subarray(0, total));
      this.buffer = this.buffer.subarray(total);
    }
  }

  /** Drops `from` bytes and then everything up to the next `Content-Length:`. */
  private skip(reason: string, from: number): void {
    const next = this.buffer.indexOf(contentLength, Math.max(0, from));
    this.buffer = next < 0 ? Buffer.alloc(0) : this.buffer.subarray(next);
    this.onDropped(`Ignored input that is not an LSP message: ${reason}.`);
  }
}
