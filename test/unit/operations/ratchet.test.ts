// The CI ratchet, pure: a file may lose legacy usages, never gain them.
import * as assert from 'node:assert/strict';
import { checkRatchet, parseRatchet, ratchetOf } from '../../../server/src/operations/ratchet';
import type { AnalyzeReport } from '../../../server/src/protocol';

function report(counts: Record<string, number>): AnalyzeReport {
  const files = Object.entries(counts).map(([path, n]) => ({
    path,
    usages: Array.from({ length: n }, () => ({
      line: 1,
      column: 1,
      kind: 'call' as const,
      symbol: 's',
      member: null,
      fixable: true,
      message: '',
    })),
    routingIssues: [],
    shapes: [],
    dependencies: [],
    dependents: [],
    risk: { score: 0, level: 'low' as const, reasons: [] },
  }));
  const usages = Object.values(counts).reduce((a, b) => a + b, 0);
  return { summary: { files: files.length, usages, fixable: usages }, files, configuration: [], plan: [] };
}

describe('the CI ratchet', () => {
  const cases: { name: string; now: Record<string, number>; recorded?: Record<string, number>; ok: boolean; violations: string[] }[] = [
    { name: 'no ratchet and no usages: ok', now: {}, ok: true, violations: [] },
    { name: 'no ratchet: every file with usages is a violation', now: { a: 2, b: 1 }, ok: false, violations: ['a', 'b'] },
    { name: 'fewer usages than recorded: ok', now: { a: 1 }, recorded: { a: 3 }, ok: true, violations: [] },
    { name: 'the same: ok', now: { a: 3 }, recorded: { a: 3 }, ok: true, violations: [] },
    { name: 'a file grew: a violation', now: { a: 4, b: 1 }, recorded: { a: 3, b: 1 }, ok: false, violations: ['a'] },
    { name: 'a new file with usages: a violation', now: { a: 3, c: 1 }, recorded: { a: 3 }, ok: false, violations: ['c'] },
  ];
  for (const t of cases) {
    it(t.name, () => {
      const ratchet = t.recorded ? ratchetOf(report(t.recorded)) : undefined;
      const verdict = checkRatchet(report(t.now), ratchet);
      assert.equal(verdict.ok, t.ok);
      assert.deepEqual(
        verdict.violations.map((v) => v.path),
        t.violations,
      );
      assert.equal(verdict.ratchet, ratchet ? ratchet.usages : null);
    });
  }

  it('reads a ratchet file, and says in one sentence what is wrong with a broken one', () => {
    assert.deepEqual(parseRatchet('{"usages":3,"files":{"a":3}}'), { usages: 3, files: { a: 3 } });
    assert.throws(() => parseRatchet('{'), /ratchet\.json is not valid JSON .*run "stepwise check --update"/);
    assert.throws(() => parseRatchet('[]'), /has no "files" counts/);
  });
});
