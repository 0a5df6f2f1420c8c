// The migration order on hand-made analyses: lowest risk first; among equal scores a file comes
// after the plan files it depends on, then by path; only files with legacy imports of their own.
import * as assert from 'node:assert/strict';
import { buildPlan, isMigratable } from '../../../server/src/analysis/plan';
import type { FileAnalysis, Risk } from '../../../server/src/analysis/types';
import { analysisOf, compatible, graphOf, importSite, usage } from '../../support/fakeAnalysis';

interface PlanCase {
  name: string;
  /** path → risk score; every file gets the default sketch (a direct legacy import). */
  scores: Record<string, number>;
  imports?: Record<string, string[]>;
  /** Replacement analyses for some files. */
  analyses?: FileAnalysis[];
  excluded?: string[];
  plan: string[];
}

const inherited = (path: string): FileAnalysis =>
  analysisOf(path, {
    imports: [],
    usages: [usage({ kind: 'member', member: 'stop', from: 'src/shared.ts', rule: { kind: 'rename', to: 'shutdown' } })],
  });

const cases: PlanCase[] = [
  {
    name: 'lowest risk first',
    scores: { 'src/a.ts': 0.5, 'src/b.ts': 0.1, 'src/c.ts': 0.3 },
    plan: ['src/b.ts', 'src/c.ts', 'src/a.ts'],
  },
  {
    name: 'equal scores: by path',
    scores: { 'src/c.ts': 0.2, 'src/a.ts': 0.2, 'src/b.ts': 0.2 },
    plan: ['src/a.ts', 'src/b.ts', 'src/c.ts'],
  },
  {
    name: 'equal scores: a file after the plan files it depends on, even against path order',
    scores: { 'src/a.ts': 0.2, 'src/m.ts': 0.2, 'src/z.ts': 0.2 },
    imports: { 'src/a.ts': ['src/m.ts'], 'src/m.ts': ['src/z.ts'] },
    plan: ['src/z.ts', 'src/m.ts', 'src/a.ts'],
  },
  {
    name: 'dependencies outside the plan do not delay a file',
    scores: { 'src/a.ts': 0.2, 'src/b.ts': 0.2 },
    imports: { 'src/a.ts': ['src/util.ts', 'src/legacy/cache.ts'], 'src/b.ts': [] },
    plan: ['src/a.ts', 'src/b.ts'],
  },
  {
    name: 'risk wins over dependency order',
    scores: { 'src/a.ts': 0.1, 'src/z.ts': 0.6 },
    imports: { 'src/a.ts': ['src/z.ts'] },
    plan: ['src/a.ts', 'src/z.ts'],
  },
  {
    name: 'files without legacy imports of their own are left out',
    scores: { 'src/a.ts': 0.1, 'src/consumer.ts': 0.0, 'src/shared.ts': 0.4 },
    analyses: [inherited('src/consumer.ts')],
    plan: ['src/a.ts', 'src/shared.ts'],
  },
  {
    name: 'a file importing legacy names through a barrel is in',
    scores: { 'src/app.ts': 0.1, 'src/index.ts': 0.7 },
    analyses: [analysisOf('src/app.ts', { imports: [importSite('barrel')] })],
    plan: ['src/app.ts', 'src/index.ts'],
  },
  {
    name: 'a file importing only non-legacy names from a barrel is out',
    scores: { 'src/app.ts': 0.1, 'src/index.ts': 0.7 },
    analyses: [analysisOf('src/app.ts', { imports: [importSite('barrel-without-legacy-names')], usages: [compatible('get')] })],
    plan: ['src/index.ts'],
  },
  {
    name: 'files without usages are left out',
    scores: { 'src/a.ts': 0.1, 'src/clean.ts': 0 },
    analyses: [analysisOf('src/clean.ts', { usages: [] })],
    plan: ['src/a.ts'],
  },
  {
    name: 'the excluded set is honoured',
    scores: { 'src/a.ts': 0.1, 'src/adapter/cache.ts': 0, 'src/next/cache.ts': 0.2 },
    excluded: ['src/adapter/cache.ts', 'src/next/cache.ts'],
    plan: ['src/a.ts'],
  },
];

function risks(scores: Record<string, number>): Map<string, Risk> {
  return new Map(Object.entries(scores).map(([path, score]) => [path, { score, level: 'low', reasons: [] }]));
}

describe('migration plan', () => {
  for (const c of cases) {
    it(c.name, () => {
      const replaced = new Map((c.analyses ?? []).map((a) => [a.path, a]));
      const analyses = Object.keys(c.scores).map((path) => replaced.get(path) ?? analysisOf(path));
      const plan = buildPlan(analyses, risks(c.scores), graphOf(c.imports ?? {}), new Set(c.excluded ?? []));
      assert.deepEqual(plan, c.plan);
    });
  }

  it('does not depend on the order the analyses come in', () => {
    const scores = { 'src/a.ts': 0.2, 'src/m.ts': 0.2, 'src/z.ts': 0.2, 'src/b.ts': 0.1 };
    const graph = graphOf({ 'src/a.ts': ['src/m.ts'], 'src/m.ts': ['src/z.ts'] });
    const paths = Object.keys(scores);
    const forward = buildPlan(
      paths.map((p) => analysisOf(p)),
      risks(scores),
      graph,
      new Set(),
    );
    const backward = buildPlan(
      [...paths].reverse().map((p) => analysisOf(p)),
      risks(scores),
      graph,
      new Set(),
    );
    assert.deepEqual(forward, ['src/b.ts', 'src/z.ts', 'src/m.ts', 'src/a.ts']);
    assert.deepEqual(backward, forward);
  });

  describe('isMigratable', () => {
    const table: [string, FileAnalysis, boolean][] = [
      ['a direct legacy import', analysisOf('src/a.ts', { imports: [importSite('direct')] }), true],
      ['legacy names through a barrel', analysisOf('src/a.ts', { imports: [importSite('barrel')] }), true],
      ['only other names from a barrel', analysisOf('src/a.ts', { imports: [importSite('barrel-without-legacy-names')] }), false],
      ['no import at all (values made elsewhere)', inherited('src/a.ts'), false],
    ];
    for (const [name, analysis, expected] of table) {
      it(`${name}: ${expected}`, () => assert.equal(isMigratable(analysis), expected));
    }
  });
});
