// Table-driven tests of spec validation: each broken spec must produce one problem with the right
// JSON path, message, severity and location (so the editor squiggle and the CLI's path:line:col
// land on the culprit), and valid specs come back merged with their preset and with defaults.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseSpec } from '../../../server/src/spec/validate';
import type { SpecEnvironment } from '../../../server/src/spec/validate';
import type { SpecProblem } from '../../../server/src/spec/types';
import { edgeSpec } from '../../support/tempWorkspace';
import { positionAtOffset, positionOf } from '../../support/textPosition';
import { getFixtureDir } from '../../support/workspace';

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The workspace the edge spec describes: its legacy and target modules exist, nothing else. */
const edgeEnv: SpecEnvironment = {
  fileExists: (rel) => rel === 'src/legacy/cache.ts' || rel === 'src/next/cache.ts',
  packageExists: (name) => name === 'lru-cache',
};

/** A workspace folder on disk as the environment (for the fixtures' own specs). */
function envOf(dir: string): SpecEnvironment {
  return {
    fileExists: (rel) => existsSync(join(dir, rel)),
    packageExists: (name) => existsSync(join(dir, 'node_modules', name)),
  };
}

function specText(mutate: (spec: Spec) => void = () => undefined): string {
  const spec = structuredClone(edgeSpec) as Spec;
  mutate(spec);
  return JSON.stringify(spec, null, 2);
}

interface BrokenCase {
  name: string;
  text: string;
  env?: SpecEnvironment;
  path: string;
  message: RegExp;
  severity?: SpecProblem['severity'];
  /** Where the problem must point: a needle (searched after `after`), or an offset. */
  at: { needle: string; after?: string } | { offset: number };
}

function expectedPosition(c: BrokenCase): { line: number; column: number } {
  return 'offset' in c.at ? positionAtOffset(c.text, c.at.offset) : positionOf(c.text, c.at.needle, c.at.after);
}

const noBrace = specText().replace(/\}\s*$/, '');

const brokenCases: BrokenCase[] = [
  {
    name: 'invalid JSON (the closing brace is missing)',
    text: noBrace,
    path: '',
    message: /^Invalid JSON: close brace expected\.$/,
    at: { offset: noBrace.length },
  },
  {
    name: 'an unknown preset',
    text: specText((s) => (s.preset = 'memcached-1-to-2')),
    path: 'preset',
    message: /^Unknown preset "memcached-1-to-2"; known presets are .*async-ttl-cache.*redis-3-to-4/,
    at: { needle: '"memcached-1-to-2"' },
  },
  {
    name: 'no legacy section',
    text: specText((s) => delete s.legacy),
    path: 'legacy',
    message: /needs a "legacy" section/,
    at: { offset: 0 },
  },
  {
    name: 'no id',
    text: specText((s) => delete s.id),
    path: 'id',
    message: /needs an "id"/,
    at: { offset: 0 },
  },
  {
    name: 'a legacy module that does not exist in the workspace',
    text: specText((s) => (s.legacy.modules = ['src/legacy/cache.ts', 'src/legacy/old-cache.ts'])),
    path: 'legacy.modules.1',
    message: /^Legacy module "src\/legacy\/old-cache\.ts" does not exist in this workspace\.$/,
    at: { needle: '"src/legacy/old-cache.ts"' },
  },
  {
    name: 'a legacy package that is not installed, without a preset that declares its API (a warning: imports are still found)',
    text: specText((s) => (s.legacy.modules = ['redis'])),
    path: 'legacy.modules.0',
    message:
      /^Legacy package "redis" is not installed .*its imports and requires are found, but member uses need its types installed or a preset\.$/,
    severity: 'warning',
    at: { needle: '"redis"' },
  },
  {
    name: 'a member rule with both rename and replace',
    text: specText((s) => (s.members.LegacyCache.stop = { rename: 'shutdown', replace: '{receiver}.shutdown()' })),
    path: 'members.LegacyCache.stop',
    message: /has both "rename" and "replace"; keep exactly one/,
    at: { needle: '"stop"', after: '"members"' },
  },
  {
    name: 'a member rule with no action',
    text: specText((s) => (s.members.LegacyCache.dump = { note: 'forgot the action' })),
    path: 'members.LegacyCache.dump',
    message: /needs one of "rename", "replace" or "manual"/,
    at: { needle: '"dump"', after: '"members"' },
  },
  {
    name: 'a member template with an unknown placeholder points at the placeholder',
    text: specText((s) => (s.members.LegacyCache.size = { replace: '(await {reciever}.count())' })),
    path: 'members.LegacyCache.size.replace',
    message: /^Unknown placeholder \{reciever\} in members\.LegacyCache\.size\.replace; known placeholders are \{receiver\}/,
    at: { needle: '{reciever}' },
  },
  {
    name: '{receiver} is unknown in a constructor template',
    text: specText((s) => (s.constructors.LegacyCache = { replace: 'new NextCache({receiver})' })),
    path: 'constructors.LegacyCache.replace',
    message: /^Unknown placeholder \{receiver\} in constructors\.LegacyCache\.replace; known placeholders are \{args\}/,
    at: { needle: '{receiver}', after: '"constructors"' },
  },
  {
    name: 'legacy.modules is a string instead of an array',
    text: specText((s) => (s.legacy.modules = 'src/legacy/cache.ts')),
    path: 'legacy.modules',
    message: /^"legacy\.modules" must be an array\.$/,
    at: { needle: '"src/legacy/cache.ts"' },
  },
  {
    name: 'observation.hours is a string',
    text: specText((s) => (s.observation = { hours: '24' })),
    path: 'observation.hours',
    message: /^"observation\.hours" must be a number\.$/,
    at: { needle: '"24"' },
  },
  {
    name: 'observation.stages names something that is not a stage',
    text: specText((s) => (s.observation = { stages: ['shadow', 'half'] })),
    path: 'observation.stages.1',
    message: /does not have the expected form/,
    at: { needle: '"half"' },
  },
  {
    name: 'observation.thresholds.pause has an unknown limit',
    text: specText((s) => (s.observation = { thresholds: { pause: { latency: 3 } } })),
    path: 'observation.thresholds.pause.latency',
    message: /latency/,
    at: { needle: '"latency"' },
  },
  {
    name: 'observation.requireApproval is not a boolean',
    text: specText((s) => (s.observation = { requireApproval: 'yes' })),
    path: 'observation.requireApproval',
    message: /^"observation\.requireApproval" must be a boolean\.$/,
    at: { needle: '"yes"' },
  },
  {
    name: 'verify.timeoutSeconds is not positive',
    text: specText((s) => (s.verify = { timeoutSeconds: 0 })),
    path: 'verify.timeoutSeconds',
    message: /"verify\.timeoutSeconds" must be > 0/,
    at: { needle: '0', after: '"timeoutSeconds"' },
  },
  {
    name: 'a rename that is not an identifier',
    text: specText((s) => (s.members.LegacyCache.stop = { rename: 'shut down' })),
    path: 'members.LegacyCache.stop.rename',
    message: /does not have the expected form/,
    at: { needle: '"shut down"' },
  },
  {
    name: 'an unknown property (misspelt) inside a section',
    text: specText((s) => (s.legacy.modles = ['src/legacy/cache.ts'])),
    path: 'legacy.modles',
    message: /^Unknown property "legacy\.modles"; check its spelling/,
    at: { needle: '"modles"' },
  },
  {
    name: 'an unknown property in a member rule',
    text: specText((s) => (s.members.LegacyCache.stop = { rename: 'shutdown', nte: 'typo' })),
    path: 'members.LegacyCache.stop.nte',
    message: /^Unknown property "members\.LegacyCache\.stop\.nte"/,
    at: { needle: '"nte"' },
  },
  {
    name: 'verify.logs.pattern is not a regular expression',
    text: specText((s) => (s.verify = { logs: { glob: 'logs/*.log', pattern: 'ERROR(' } })),
    path: 'verify.logs.pattern',
    message: /^"verify\.logs\.pattern" is not a valid regular expression: .*ERROR\(/,
    at: { needle: '"ERROR("' },
  },
  {
    name: 'the adapter is the legacy module',
    text: specText((s) => (s.adapter.module = 'src/legacy/cache.ts')),
    path: 'adapter.module',
    message: /^The adapter module must differ from the legacy and target modules\.$/,
    at: { needle: '"src/legacy/cache.ts"', after: '"adapter"' },
  },
  {
    name: 'the adapter is the target module',
    text: specText((s) => (s.adapter.module = 'src/next/cache.ts')),
    path: 'adapter.module',
    message: /must differ from the legacy and target modules/,
    at: { needle: '"src/next/cache.ts"', after: '"adapter"' },
  },
  {
    name: 'the adapter is a package name',
    text: specText((s) => (s.adapter.module = 'cache-adapter')),
    path: 'adapter.module',
    message: /must be a workspace file path, not a package/,
    at: { needle: '"cache-adapter"' },
  },
  {
    name: 'a Redis URL that is not redis://',
    text: specText((s) => (s.redis = { url: 'http://127.0.0.1:6379' })),
    path: 'redis.url',
    message: /^"redis\.url" does not have the expected form/,
    at: { needle: '"http://127.0.0.1:6379"' },
  },
  {
    name: 'a problem after comments is still located on its own line',
    text: `// The migration of the edge workspace.\n/* Block\n   comment */\n${specText((s) => (s.preset = 'nope'))}`,
    path: 'preset',
    message: /^Unknown preset "nope"/,
    at: { needle: '"nope"' },
  },
];

describe('spec validation', () => {
  describe('a broken spec yields one located problem', () => {
    for (const c of brokenCases) {
      it(c.name, () => {
        const result = parseSpec(c.text, c.env ?? edgeEnv);
        const severity = c.severity ?? 'error';
        assert.equal(result.problems.length, 1, JSON.stringify(result.problems, null, 2));
        const [problem] = result.problems;
        assert.match(problem.message, c.message);
        assert.deepEqual(
          { path: problem.path, severity: problem.severity, line: problem.line, column: problem.column },
          { path: c.path, severity, ...expectedPosition(c) },
        );
        // The offset agrees with line/column (the LSP layer uses the offset, the CLI line/column).
        assert.deepEqual(positionAtOffset(c.text, problem.offset), { line: problem.line, column: problem.column });
        assert.ok(problem.length >= 1);
        if (severity === 'error') assert.equal(result.spec, undefined, 'no spec is returned while there are errors');
        else assert.ok(result.spec, 'a warning leaves the spec usable');
      });
    }
  });

  it('a missing target module is a warning and the spec is still returned', () => {
    const text = specText((s) => (s.target.module = 'src/next/not-yet.ts'));
    const result = parseSpec(text, edgeEnv);
    assert.deepEqual(
      result.problems.map((p) => ({ path: p.path, severity: p.severity, line: p.line, column: p.column })),
      [{ path: 'target.module', severity: 'warning', ...positionOf(text, '"src/next/not-yet.ts"') }],
    );
    assert.match(result.problems[0].message, /Target module "src\/next\/not-yet\.ts" does not exist yet/);
    assert.equal(result.spec?.target.module, 'src/next/not-yet.ts');
  });

  it('checks existence only when it is given an environment', () => {
    const text = specText((s) => (s.legacy.modules = ['src/legacy/old-cache.ts']));
    assert.deepEqual(parseSpec(text).problems, []);
    assert.equal(parseSpec(text, edgeEnv).problems.length, 1);
  });

  it('an installed legacy package is fine', () => {
    const result = parseSpec(
      specText((s) => (s.legacy.modules = ['lru-cache'])),
      edgeEnv,
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.spec?.legacy.modules, ['lru-cache']);
  });

  it('tolerates line and block comments', () => {
    const text = specText().replace('{\n', '{\n  // why this migration exists\n  /* owner: cache team */\n');
    assert.notEqual(text, specText());
    const result = parseSpec(text, edgeEnv);
    assert.deepEqual(result.problems, []);
    assert.equal(result.spec?.id, 'edge');
  });

  it('turns member and constructor rules into their typed form', () => {
    const spec = parseSpec(specText(), edgeEnv).spec;
    assert.deepEqual(spec?.members, {
      LegacyCache: {
        stop: { kind: 'rename', to: 'shutdown', note: undefined },
        size: { kind: 'replace', template: '(await {receiver}.count())', note: undefined },
        dump: { kind: 'manual', message: 'Use NextCache.getStats() and format it yourself', note: undefined },
      },
    });
    assert.deepEqual(spec?.constructors, {
      LegacyCache: { template: 'new NextCache({args})', note: undefined },
      createCache: { template: 'makeCache({args})', note: undefined },
    });
  });

  /** `observation` with every default: the seeds' thresholds and stages, a 24 h window. */
  const defaultObservation = {
    hours: 24,
    requireApproval: true,
    minimumCalls: 200,
    stages: ['shadow', '10', '25', '50', '100', 'new'],
    thresholds: {
      advance: { p99IncreasePercent: 10, errorRatePercent: 0.01, shadowAgreementPercent: 99.9 },
      pause: { p99IncreasePercent: 20, errorRatePercent: 0.1, shadowAgreementPercent: 99.5 },
      rollback: { p99IncreasePercent: 50, errorRatePercent: 0.5 },
    },
    compare: { ignoreFields: [], unordered: false, numericTolerance: 0, ttlSkewMs: 1000 },
    stageMinutes: 60,
    autoRollback: false,
    sampleSeconds: 60,
  };

  describe('the demo fixture spec', () => {
    const demo = getFixtureDir('demo');
    const text = readFileSync(join(demo, '.stepwise', 'migration.json'), 'utf8');

    it('parses without problems and keeps the values it sets', () => {
      const result = parseSpec(text, envOf(demo));
      assert.deepEqual(result.problems, []);
      const spec = result.spec;
      assert.ok(spec);
      assert.equal(spec.id, 'async-ttl-cache-to-improved');
      assert.deepEqual(spec.legacy, {
        modules: ['src/core/async-cache.ts'],
        exports: ['AsyncTTLCache', 'getCacheInstance'],
        api: {},
        lastMajors: {},
        environment: [],
      });
      assert.equal(spec.adapter.module, 'src/core/cache-migration/legacy-adapter.ts');
      assert.deepEqual(Object.keys(spec.members.AsyncTTLCache).sort(), ['getDetailedMetrics', 'size', 'stop']);
      assert.deepEqual(spec.risk.critical, ['src/core/**']);
      // JSON round trip: the parser's objects have a null prototype, which deepEqual tells apart.
      assert.deepEqual(JSON.parse(JSON.stringify(spec.verify)), {
        test: 'npm test',
        typecheck: 'npx tsc --noEmit -p tsconfig.json',
        bench: 'npm run bench --silent',
        benchTolerance: 0.1,
        logs: { glob: 'logs/*.log', pattern: 'ERROR' },
        timeoutSeconds: 300,
        baselineMaxAgeHours: 24,
      });
      // The demo's spec sets a short stage and frequent samples, so the demo's rollout moves.
      assert.deepEqual(spec.observation, { ...defaultObservation, stageMinutes: 1, sampleSeconds: 10 });
      assert.equal(spec.redis, undefined);
    });

    it('gets the defaults when verify and observation leave them out', () => {
      const raw = JSON.parse(text) as Spec;
      raw.verify = { test: 'npm test' };
      delete raw.observation;
      delete raw.risk;
      const spec = parseSpec(JSON.stringify(raw), envOf(demo)).spec;
      assert.deepEqual(spec?.verify, {
        test: 'npm test',
        typecheck: undefined,
        bench: undefined,
        benchTolerance: 0.1,
        logs: undefined,
        timeoutSeconds: 600,
        baselineMaxAgeHours: 24,
      });
      assert.deepEqual(spec?.observation, defaultObservation);
      assert.deepEqual(spec?.risk, { critical: [] });
    });

    it('fills the Redis prefix', () => {
      const raw = JSON.parse(text) as Spec;
      raw.redis = { url: 'redis://127.0.0.1:6379' };
      assert.deepEqual(parseSpec(JSON.stringify(raw), envOf(demo)).spec?.redis, { url: 'redis://127.0.0.1:6379', prefix: 'stepwise:' });
    });
  });

  describe('presets', () => {
    const withPreset = (own: Spec): Spec => ({
      id: 'with-preset',
      preset: 'async-ttl-cache',
      legacy: { modules: ['src/legacy/cache.ts'] },
      target: { module: 'src/next/cache.ts' },
      adapter: { module: 'src/adapter/cache.ts' },
      ...own,
    });

    it('fills what the spec leaves out from the preset', () => {
      const result = parseSpec(JSON.stringify(withPreset({})), edgeEnv);
      assert.deepEqual(result.problems, []);
      const spec = result.spec;
      assert.equal(spec?.title, 'AsyncTTLCache to ImprovedAsyncCache');
      assert.deepEqual(spec?.legacy, {
        modules: ['src/legacy/cache.ts'],
        exports: ['AsyncTTLCache'],
        api: {},
        lastMajors: {},
        environment: [],
      });
      assert.deepEqual(spec?.target.exports, ['ImprovedAsyncCache', 'CacheFactory']);
      assert.deepEqual(spec?.members.AsyncTTLCache.stop, { kind: 'rename', to: 'shutdown', note: undefined });
      assert.equal(spec?.members.AsyncTTLCache.size.kind, 'replace');
      assert.equal(spec?.constructors.AsyncTTLCache.template, 'CacheFactory.forWebApp({args})');
    });

    it("lets the spec's own fields override the preset, member by member", () => {
      const own = withPreset({
        title: 'Our own title',
        legacy: { modules: ['src/legacy/cache.ts'], exports: ['AsyncTTLCache', 'getCacheInstance'] },
        members: { AsyncTTLCache: { stop: { rename: 'close' }, flush: { manual: 'Call clear() instead.' } } },
        constructors: { AsyncTTLCache: { replace: 'CacheFactory.forAiApp({args})' } },
      });
      const spec = parseSpec(JSON.stringify(own), edgeEnv).spec;
      assert.equal(spec?.title, 'Our own title');
      assert.deepEqual(spec?.legacy.exports, ['AsyncTTLCache', 'getCacheInstance']);
      assert.deepEqual(Object.keys(spec?.members.AsyncTTLCache ?? {}).sort(), ['flush', 'getDetailedMetrics', 'size', 'stop']);
      assert.deepEqual(spec?.members.AsyncTTLCache.stop, { kind: 'rename', to: 'close', note: undefined });
      assert.deepEqual(spec?.members.AsyncTTLCache.getDetailedMetrics, { kind: 'rename', to: 'getStats', note: undefined });
      assert.equal(spec?.constructors.AsyncTTLCache.template, 'CacheFactory.forAiApp({args})');
      assert.equal(spec?.preset, 'async-ttl-cache');
    });

    it('a preset can supply the legacy package itself', () => {
      const spec = parseSpec(
        JSON.stringify({
          id: 'lru',
          preset: 'lru-cache-6-to-10',
          target: { module: 'src/next/cache.ts' },
          adapter: { module: 'src/adapter/lru.ts' },
        }),
        edgeEnv,
      ).spec;
      assert.deepEqual(spec?.legacy.modules, ['lru-cache']);
      assert.deepEqual(spec?.members.LRUCache.del, { kind: 'rename', to: 'delete', note: undefined });
    });
  });

  describe('the broken-spec fixture', () => {
    const dir = getFixtureDir('edge/broken-spec');
    const expected: Record<string, { path: string; message: RegExp; at: string } | null> = {
      'valid.json': null,
      'unknown-preset.json': { path: 'preset', message: /^Unknown preset "memcached-1-to-2"/, at: '"memcached-1-to-2"' },
      'missing-legacy.json': { path: 'legacy', message: /needs a "legacy" section/, at: '{' },
      'missing-module.json': {
        path: 'legacy.modules.0',
        message: /^Legacy module "src\/legacy\/old-cache\.ts" does not exist/,
        at: '"src/legacy/old-cache.ts"',
      },
      'rename-and-replace.json': { path: 'members.LegacyCache.stop', message: /has both "rename" and "replace"/, at: '"stop"' },
      'unknown-placeholder.json': {
        path: 'members.LegacyCache.size.replace',
        message: /^Unknown placeholder \{reciever\}/,
        at: '{reciever}',
      },
    };

    it('has a case for every spec in specs/', () => {
      assert.deepEqual(readdirSync(join(dir, 'specs')).sort(), Object.keys(expected).sort());
    });

    for (const [file, problem] of Object.entries(expected)) {
      it(`specs/${file} ${problem ? `fails at ${problem.path}` : 'is valid'}`, () => {
        const text = readFileSync(join(dir, 'specs', file), 'utf8');
        const result = parseSpec(text, envOf(dir));
        if (!problem) {
          assert.deepEqual(result.problems, []);
          assert.equal(result.spec?.id, 'edge-broken-spec');
          return;
        }
        assert.deepEqual(
          result.problems.map((p) => ({ path: p.path, severity: p.severity, line: p.line, column: p.column })),
          [{ path: problem.path, severity: 'error', ...positionOf(text, problem.at) }],
        );
        assert.match(result.problems[0].message, problem.message);
        assert.equal(result.spec, undefined);
      });
    }

    it('.stepwise/migration.json is invalid JSON, reported at its end', () => {
      const text = readFileSync(join(dir, '.stepwise', 'migration.json'), 'utf8');
      const result = parseSpec(text, envOf(dir));
      assert.deepEqual(
        result.problems.map((p) => ({ path: p.path, message: p.message, line: p.line, column: p.column })),
        [{ path: '', message: 'Invalid JSON: close brace expected.', ...positionAtOffset(text, text.length) }],
      );
    });
  });
});
