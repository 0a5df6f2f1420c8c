// Journal lines and ratchet files of the wrong shape (hand-edited, from another version, fuzzed
// from real entries): status, report and check answer in sentences; they never throw.
import * as assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRatchet } from '../../server/src/operations/ratchet';
import { isJournalEntry } from '../../server/src/workflow/journal';
import { cli } from '../support/cliRun';
import { first, hour, openHarness, prepareWorkflowRepo, write } from '../support/workflowRepo';
import { seededRandom } from '../support/random';

const odd: unknown[] = [null, 0, -1, 1e308, '', 'x', [], {}, [1, 2], { a: 1 }, true, '2026-01-01', 'abc123'];

/** Replaces or removes one value somewhere in the entry (at most three levels down). */
function mutate(value: unknown, next: () => number, depth = 0): unknown {
  const pick = <T>(list: T[]): T => list[Math.floor(next() * list.length)];
  if (typeof value !== 'object' || value === null || depth > 2 || next() < 0.2) return pick(odd);
  if (Array.isArray(value)) return value.length === 0 ? [pick(odd)] : value.map((v, i) => (i === 0 ? mutate(v, next, depth + 1) : v));
  const copy = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0) return pick(odd);
  const key = pick(keys);
  if (next() < 0.3) delete copy[key];
  else copy[key] = mutate(copy[key], next, depth + 1);
  return copy;
}

describe('journal and ratchet of the wrong shape', function () {
  this.timeout(180_000);

  it('400 fuzzed journal lines appended to a real journal: status and report never throw', async () => {
    const root = await prepareWorkflowRepo({ observation: { hours: 1 } });
    const h = await openHarness(root, { trusted: false });
    try {
      assert.ok((await h.engine.migrate(first)).ok);
      h.clock.advance(2 * hour);
      assert.ok((await h.engine.approve(first)).ok);
      const file = join(root, '.git', 'stepwise', 'journal.jsonl');
      const real = readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as unknown);
      let accepted = 0;
      for (let seed = 1; seed <= 400; seed++) {
        const next = seededRandom(seed);
        const entry = mutate(real[Math.floor(next() * real.length)], next);
        if (isJournalEntry(entry)) accepted++;
        appendFileSync(file, `${JSON.stringify(entry)}\n`);
        if (seed % 20 !== 0) continue;
        try {
          await h.engine.status();
          await h.engine.report();
        } catch (error) {
          assert.fail(`after seed ${seed} (${JSON.stringify(entry).slice(0, 300)}): ${(error as Error).stack}`);
        }
      }
      assert.ok(accepted < 400, 'some lines were refused as the wrong shape');
      const report = await cli('report', '--root', root);
      assert.equal(report.code, 0, report.stderr);
      assert.doesNotMatch(report.stderr, /\n\s+at /, 'no stack trace');
      const status = await cli('status', '--root', root);
      assert.equal(status.code, 0, status.stderr);
    } finally {
      await h.dispose();
    }
  });

  it('lines of known types with fields of the wrong kind are not entries', () => {
    const good = { type: 'observing', at: 1, migration: 'm', file: 'a.ts', commit: 'abc', until: 5 };
    assert.equal(isJournalEntry(good), true);
    for (const bad of [
      { ...good, until: 'tomorrow' },
      { ...good, file: 42 },
      { ...good, at: null },
      { ...good, type: 'nuked' },
      { type: 'verification', at: 1, migration: 'm', file: 'a', commit: 'c', ok: true, results: { failures: 'none' } },
      { type: 'approved', at: 1, migration: 'm', file: 'a', commit: 'c', approvalCommit: 'd', by: 'me' },
      [good],
      'observing',
    ])
      assert.equal(isJournalEntry(bad), false, JSON.stringify(bad));
  });

  it('a ratchet file of the wrong shape is refused in one sentence by check', async () => {
    for (const text of ['{"files": {"src/a.ts": "many"}}', '{"files": ["src/a.ts"]}', '{"files": {"src/a.ts": -3}}', '[]', '{']) {
      assert.throws(() => parseRatchet(text), /\.stepwise\/ratchet\.json .*run "stepwise check --update" to rewrite it\./, text);
    }
    const root = await prepareWorkflowRepo();
    write(root, '.stepwise/ratchet.json', '{"usages": "lots", "files": {"src/api/users.ts": {"count": 1}}}');
    const check = await cli('check', '--root', root);
    assert.equal(check.code, 2, check.stdout);
    assert.match(
      check.stderr,
      /^stepwise: \.stepwise\/ratchet\.json counts "src\/api\/users\.ts" as \{"count":1\}, which is not a number of usages/,
    );
    assert.doesNotMatch(check.stderr, /\n\s+at /);
  });
});
