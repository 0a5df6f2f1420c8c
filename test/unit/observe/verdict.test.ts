// Advance, hold, pause or roll back, from the figures and the spec's thresholds (the seeds'
// defaults), and the stages `rollout next` moves through. Pure, table-driven.
import * as assert from 'node:assert/strict';
import type { Observation } from '../../../server/src/observe/fileStore';
import { judge, nextStage } from '../../../server/src/observe/verdict';
import type { Verdict } from '../../../server/src/observe/verdict';
import { stepwiseBucketBound, stepwiseBucketOf } from '../../../server/src/rewrite/runtime/adapterRuntime';
import { defaultStages, defaultThresholds } from '../../../server/src/spec/types';

/** An observation with these counters and p99s (ms) for each side. */
function observed(counters: Record<string, number>, p99: { legacy?: number; new?: number } = {}): Observation {
  const bound = (ms: number | undefined): number | null => (ms === undefined ? null : stepwiseBucketBound(stepwiseBucketOf(ms)));
  return {
    instances: [{ instance: 'p', at: 1, mode: '25' }],
    counters,
    members: {},
    samples: [],
    latency: { p50LegacyMs: null, p99LegacyMs: bound(p99.legacy), p50NewMs: null, p99NewMs: bound(p99.new) },
    lastAt: 1,
  };
}

describe('the rollout verdict (seed thresholds)', () => {
  const cases: { name: string; o: Observation; verdict: Verdict; reason?: RegExp }[] = [
    { name: 'nothing observed yet: hold, too few calls', o: observed({}), verdict: 'hold', reason: /0 calls observed .* at least 200/ },
    { name: 'enough calls, same speed, no errors: advance', o: observed({ newCalls: 1000 }, { legacy: 2, new: 2 }), verdict: 'advance' },
    { name: 'p99 a little slower (within 10 %): advance', o: observed({ newCalls: 1000 }, { legacy: 2, new: 2.1 }), verdict: 'advance' },
    {
      name: 'p99 15 % slower: hold',
      o: observed({ newCalls: 1000 }, { legacy: 2, new: 2.35 }),
      verdict: 'hold',
      reason: /p99 is .* above legacy's \(limit 10 %\)/,
    },
    { name: 'p99 30 % slower: pause', o: observed({ newCalls: 1000 }, { legacy: 2, new: 2.7 }), verdict: 'pause', reason: /limit 20 %/ },
    {
      name: 'p99 twice legacy: roll back',
      o: observed({ newCalls: 1000 }, { legacy: 2, new: 4 }),
      verdict: 'rollback',
      reason: /limit 50 %/,
    },
    {
      name: '0.05 % errors: hold (advance needs 0.01 %)',
      o: observed({ newCalls: 10000, errors: 5 }),
      verdict: 'hold',
      reason: /error rate is 0.05 %/,
    },
    { name: '0.2 % errors: pause', o: observed({ newCalls: 10000, errors: 20 }), verdict: 'pause' },
    {
      name: '1 % errors: roll back, even on a small sample',
      o: observed({ newCalls: 100, errors: 1 }),
      verdict: 'rollback',
      reason: /limit 0.5 %/,
    },
    { name: 'shadow agreement 99.95 %: advance', o: observed({ shadowComparisons: 20000, shadowMismatches: 10 }), verdict: 'advance' },
    {
      name: 'shadow agreement 99.7 %: hold',
      o: observed({ shadowComparisons: 10000, shadowMismatches: 30 }),
      verdict: 'hold',
      reason: /needs 99.9 %/,
    },
    {
      name: 'shadow agreement 99 %: pause',
      o: observed({ shadowComparisons: 10000, shadowMismatches: 100 }),
      verdict: 'pause',
      reason: /needs 99.5 %/,
    },
  ];
  for (const t of cases) {
    it(t.name, () => {
      const judged = judge(t.o, defaultThresholds, 200);
      assert.equal(judged.verdict, t.verdict, judged.reasons.join('; '));
      if (t.reason) assert.match(judged.reasons.join('; '), t.reason);
    });
  }

  it('the spec may tighten a threshold', () => {
    const strict = { ...defaultThresholds, advance: { ...defaultThresholds.advance, p99IncreasePercent: 1 } };
    assert.equal(judge(observed({ newCalls: 1000 }, { legacy: 2, new: 2.1 }), strict, 200).verdict, 'hold');
  });

  const stages: [string, string | undefined][] = [
    ['legacy', 'shadow'],
    ['shadow', '10'],
    ['10', '25'],
    ['50', '100'],
    ['100', 'new'],
    ['new', undefined],
    ['30', '50'],
    ['99.5', '100'],
  ];
  for (const [mode, next] of stages) it(`after ${mode} comes ${String(next)}`, () => assert.equal(nextStage(mode, defaultStages), next));
});
