// The pre-move dossier on hand-made inputs: the graph facts, use cases quoted from the file's text,
// the incompatibilities, and a rollback plan written for this file (its name, the flag, the
// adapter its commit creates, the files to re-check).
import * as assert from 'node:assert/strict';
import { buildDossier } from '../../../server/src/analysis/dossier';
import type { DossierInput } from '../../../server/src/analysis/dossier';
import type { Risk } from '../../../server/src/analysis/types';
import { analysisOf, compatible, graphOf, issue, manual, renamed, replaced, usage } from '../../support/fakeAnalysis';

const text = [
  "import { LegacyCache, createCache } from './legacy/cache';", // 1
  '', // 2
  'export class Store {', // 3
  '  private readonly cache = new LegacyCache();', // 4
  '  close(): void { this.cache.stop(); }', // 5
  '  count(): number { return this.cache.size(); }', // 6
  "  read(): unknown { return this.cache.get('k'); }", // 7
  '  describe(): string { return this.cache.dump(); }', // 8
  '}', // 9
  '\texport const shared = createCache();\r', // 10 (tab indent, CRLF)
  "export const pick = (k: 'get') => shared[k]('x');", // 11
].join('\n');

const path = 'src/store.ts';
const risk: Risk = { score: 0.42, level: 'high', reasons: ['because'] };
const flagName = 'STEPWISE_FLAG_EDGE';
const adapterModule = 'src/adapter/cache.ts';

/** store.ts is imported by api.ts (itself imported by main.ts and a test) and by its own test. */
const graph = graphOf({
  'src/store.ts': ['src/legacy/cache.ts', 'src/util.ts'],
  'src/api.ts': ['src/store.ts'],
  'src/main.ts': ['src/api.ts'],
  'test/store.test.ts': ['src/store.ts'],
  'test/api.test.ts': ['src/api.ts'],
});

const analysis = analysisOf(path, {
  usages: [
    usage({ kind: 'import', line: 1 }),
    usage({ kind: 'import', line: 1, symbol: 'createCache' }),
    usage({ kind: 'new', line: 4, container: 'Store' }),
    renamed('stop', 5),
    replaced('size', 6),
    compatible('get', 7),
    manual('dump', 8),
    usage({ kind: 'call', line: 10, symbol: 'createCache' }),
    // A computed member: incompatible (shown as a diagnostic) but with no rule to quote.
    usage({ kind: 'member', line: 11, member: null, incompatible: true }),
  ],
  issues: [issue('escaping-instance', 10), issue('computed-member', 11)],
});

function input(overrides: Partial<DossierInput> = {}): DossierInput {
  return { analysis, graph, risk, text, adapterModule, adapterExists: false, flagName, inheritedBy: [], configuration: [], ...overrides };
}

describe('pre-move dossier', () => {
  it('states the file, its graph neighbours, the tests that reach it and the risk', () => {
    const d = buildDossier(input());
    assert.equal(d.path, path);
    assert.deepEqual(d.dependencies, ['src/legacy/cache.ts', 'src/util.ts']);
    assert.deepEqual(d.dependents, ['src/api.ts', 'test/store.test.ts']);
    assert.deepEqual(d.transitiveDependents, ['src/api.ts', 'src/main.ts', 'test/api.test.ts', 'test/store.test.ts']);
    assert.deepEqual(d.coveredBy, ['test/api.test.ts', 'test/store.test.ts']);
    assert.deepEqual(d.routingIssues, analysis.routingIssues);
    assert.equal(d.risk, risk);
  });

  it('quotes each use case with its source line, trimmed', () => {
    const d = buildDossier(input());
    assert.deepEqual(
      d.useCases.map(
        (u) => `${u.line} ${u.kind} ${u.member ? `${u.symbol}.${u.member}` : u.symbol}${u.incompatible ? ' !' : ''} | ${u.text}`,
      ),
      [
        "1 import LegacyCache ! | import { LegacyCache, createCache } from './legacy/cache';",
        "1 import createCache ! | import { LegacyCache, createCache } from './legacy/cache';",
        '4 new LegacyCache ! | private readonly cache = new LegacyCache();',
        '5 member LegacyCache.stop ! | close(): void { this.cache.stop(); }',
        '6 member LegacyCache.size ! | count(): number { return this.cache.size(); }',
        "7 member LegacyCache.get | read(): unknown { return this.cache.get('k'); }",
        '8 member LegacyCache.dump ! | describe(): string { return this.cache.dump(); }',
        '10 call createCache ! | export const shared = createCache();',
        "11 member LegacyCache | export const pick = (k: 'get') => shared[k]('x');",
      ],
    );
    assert.equal(d.useCases[2].container, 'Store');
  });

  it('lists as incompatibilities only member uses with a rule', () => {
    const d = buildDossier(input());
    assert.deepEqual(
      d.incompatibilities.map((u) => `${u.line}:${u.member}`),
      ['5:stop', '6:size', '8:dump'],
    );
  });

  describe('rollback plan', () => {
    it('names the file, the commit and the runtime flag', () => {
      const { rollback } = buildDossier(input());
      assert.equal(rollback.commitHint, 'stepwise: route src/store.ts through the adapter');
      assert.match(rollback.steps[0], /Revert the migration commit \("stepwise: route src\/store\.ts through the adapter"\)/);
      assert.match(rollback.steps[0], /only src\/store\.ts changes back/);
      assert.ok(
        rollback.steps.some((s) => s.includes('set STEPWISE_FLAG_EDGE=legacy')),
        JSON.stringify(rollback.steps),
      );
    });

    it('names the adapter when this migration creates it, and not otherwise', () => {
      const first = buildDossier(input({ adapterExists: false })).rollback.steps;
      const later = buildDossier(input({ adapterExists: true })).rollback.steps;
      assert.ok(
        first.some((s) => s.includes(`its commit also creates ${adapterModule}`)),
        JSON.stringify(first),
      );
      assert.match(first[0], /plus the adapter it adds/);
      assert.ok(!later.some((s) => s.includes(adapterModule)), JSON.stringify(later));
      assert.doesNotMatch(later[0], /adapter it adds/);
    });

    it('lists the dependents, the files using its values and its tests to re-check', () => {
      const { rollback } = buildDossier(input({ inheritedBy: [{ path: 'src/consumer.ts', usages: 2 }] }));
      assert.deepEqual(rollback.recheck, ['src/api.ts', 'src/consumer.ts', 'test/api.test.ts', 'test/store.test.ts']);
      const last = rollback.steps[rollback.steps.length - 1];
      assert.equal(last, 'Afterwards re-run test/api.test.ts, test/store.test.ts and re-check 4 dependent file(s).');
      assert.ok(
        rollback.steps.some((s) =>
          s.startsWith('It hands legacy values or exports on to src/consumer.ts; reverting switches that file back too.'),
        ),
        JSON.stringify(rollback.steps),
      );
    });

    it('without anything handed on, says nothing about handing on', () => {
      const quiet = analysisOf(path, { usages: [usage({ kind: 'import', line: 1 })], issues: [issue('computed-member', 11)] });
      const { rollback } = buildDossier(input({ analysis: quiet }));
      assert.ok(!rollback.steps.some((s) => s.includes('hands legacy values')), JSON.stringify(rollback.steps));
    });

    it('a re-export hands on to the dependents', () => {
      const barrel = analysisOf(path, { usages: [usage({ kind: 'reexport', line: 1 })], issues: [issue('reexport', 1)] });
      const { rollback } = buildDossier(input({ analysis: barrel }));
      assert.ok(
        rollback.steps.includes(
          'It hands legacy values or exports on to src/api.ts, test/store.test.ts; reverting switches those files back too.',
        ),
        JSON.stringify(rollback.steps),
      );
    });

    it('points at lazily loaded modules by line', () => {
      const lazy = analysisOf(path, { usages: [usage({ kind: 'dynamic-import', line: 7 })], issues: [issue('dynamic-import', 7)] });
      const { rollback } = buildDossier(input({ analysis: lazy }));
      assert.ok(
        rollback.steps.includes('Line 7 loads the module lazily; make sure that path runs after reverting.'),
        JSON.stringify(rollback.steps),
      );
    });

    it('a leaf without tests has nothing to re-check but the suite', () => {
      const { rollback, coveredBy, dependents } = buildDossier(
        input({ graph: graphOf({ 'src/store.ts': ['src/legacy/cache.ts'] }), analysis: analysisOf(path) }),
      );
      assert.deepEqual({ coveredBy, dependents, recheck: rollback.recheck }, { coveredBy: [], dependents: [], recheck: [] });
      assert.equal(rollback.steps[rollback.steps.length - 1], 'Afterwards re-run the test suite.');
    });
  });
});
