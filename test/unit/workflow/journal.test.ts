// The journal read incrementally: only what was appended since is read, and a line another
// process is still writing is read once it is complete, never lost.
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../../server/src/workflow/journal';
import type { JournalEntry } from '../../../server/src/workflow/journal';

const entry = (n: number): JournalEntry => ({
  type: 'observing',
  at: n,
  migration: 'm',
  file: `f${n}`,
  commit: 'c',
  until: n,
});

describe('the journal, read incrementally', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'stepwise-journal-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('sees appends made by another writer (another process), in order', async () => {
    const journal = new Journal(join(dir, 'journal.jsonl'));
    await journal.append(entry(1));
    assert.deepEqual(
      (await journal.read()).map((e) => e.at),
      [1],
    );
    await new Journal(journal.file).append(entry(2));
    await new Journal(journal.file).append(entry(3));
    assert.deepEqual(
      (await journal.read()).map((e) => e.at),
      [1, 2, 3],
    );
    assert.equal(await journal.size(), Buffer.byteLength([1, 2, 3].map((n) => `${JSON.stringify(entry(n))}\n`).join('')));
  });

  it('a line still being written is not read until it is complete, then it is', async () => {
    const file = join(dir, 'journal.jsonl');
    const journal = new Journal(file);
    await journal.append(entry(1));
    await journal.read();
    const line = `${JSON.stringify(entry(2))}\n`;
    appendFileSync(file, line.slice(0, 10));
    assert.deepEqual(
      (await journal.read()).map((e) => e.at),
      [1],
    );
    appendFileSync(file, line.slice(10));
    assert.deepEqual(
      (await journal.read()).map((e) => e.at),
      [1, 2],
    );
  });

  it('a journal replaced by a shorter one is read again from the start', async () => {
    const file = join(dir, 'journal.jsonl');
    const journal = new Journal(file);
    await journal.append(entry(1));
    await journal.append(entry(2));
    await journal.read();
    writeFileSync(file, `${JSON.stringify(entry(7))}\n`);
    assert.deepEqual(
      (await journal.read()).map((e) => e.at),
      [7],
    );
  });
});
