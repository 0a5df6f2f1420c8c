// Table-driven: the factory method each construction gets by its file's context (a rule's `when`
// cases, the test files as the runner names them), the form of the target's factory (static, on an
// instance, a shared instance, a plain object, asynchronous), options the factory method does not
// take, and the places `await` cannot go (the sync-context refusal). Each case is a small real
// workspace; the rewrite is the cleanup's own plan.
import * as assert from 'node:assert/strict';
import { codeOf } from '../../../server/src/lsp/diagnostics';
import { planNativeRewrite } from '../../../server/src/rewrite/nativeRewrite';
import { applyTextChanges } from '../../../server/src/rewrite/textChange';
import { withWorkspace } from '../../support/tempWorkspace';

const legacy = [
  'export class InMemoryCache { constructor(options: { maxSize?: number; ttl?: number } = {}) { void options; } async get(k: string): Promise<string | undefined> { return k; } }',
  'export class AIResponseCache extends InMemoryCache {}',
  'export function getCacheInstance(): InMemoryCache { return new InMemoryCache(); }',
  '',
].join('\n');
const cache = 'export class Cache { async get(k: string): Promise<string | undefined> { return k; } }';
const options = '(options: { maxSize?: number; ttl?: number } = {})';

/** Target modules: one per form of factory. */
const targets: Record<string, string> = {
  static: `${cache}\nexport class CacheFactory { static forWebApp${options}: Cache { void options; return new Cache(); } static forTesting(options: { ttl?: number } = {}): Cache { void options; return new Cache(); } static forAiApp${options}: Cache { void options; return new Cache(); } }\n`,
  'static async': `${cache}\nexport class CacheFactory { static async forWebApp${options}: Promise<Cache> { void options; return new Cache(); } static async forTesting(options: { ttl?: number } = {}): Promise<Cache> { void options; return new Cache(); } static async forAiApp${options}: Promise<Cache> { void options; return new Cache(); } }\n`,
  instance: `${cache}\nexport class CacheFactory { forWebApp${options}: Cache { void options; return new Cache(); } forTesting(options: { ttl?: number } = {}): Cache { void options; return new Cache(); } forAiApp${options}: Cache { void options; return new Cache(); } }\n`,
  'instance async': `${cache}\nexport class CacheFactory { async forWebApp${options}: Promise<Cache> { void options; return new Cache(); } async forTesting(options: { ttl?: number } = {}): Promise<Cache> { void options; return new Cache(); } async forAiApp${options}: Promise<Cache> { void options; return new Cache(); } }\n`,
  shared: `${cache}\nexport class CacheFactory { async forWebApp${options}: Promise<Cache> { void options; return new Cache(); } async forTesting(options: { ttl?: number } = {}): Promise<Cache> { void options; return new Cache(); } async forAiApp${options}: Promise<Cache> { void options; return new Cache(); } }\nexport const cacheFactory = new CacheFactory();\n`,
  object: `${cache}\nexport const CacheFactory = { forWebApp${options}: Cache { void options; return new Cache(); }, forTesting(options: { ttl?: number } = {}): Cache { void options; return new Cache(); }, forAiApp${options}: Cache { void options; return new Cache(); } };\n`,
};

const spec = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'factory',
  preset: 'cache-factory',
  legacy: { modules: ['src/legacy.ts'] },
  target: { module: 'src/factory.ts' },
  adapter: { module: 'src/adapter.ts' },
  ...extra,
});

interface Outcome {
  /** The line as the cleanup leaves it, or the manual reason it gives. */
  line: string;
  /** Why this replacement (`because` of the applied rule). */
  because?: string;
  message: string;
  code: string;
}

/** Analyses `file` (its last construction is the one under test) and plans its cleanup. */
async function outcome(
  files: Record<string, string>,
  file: string,
  options: { spec?: Record<string, unknown>; tsconfig?: Record<string, unknown> } = {},
): Promise<Outcome> {
  return withWorkspace(
    { 'src/legacy.ts': legacy, 'src/factory.ts': targets.static, ...files },
    (index) => {
      const analysis = index.analysisOf(file);
      assert.ok(index.currentSpec(), JSON.stringify(index.specProblems()));
      assert.ok(analysis, `${file} is analysed`);
      const text = files[file];
      const usage = analysis.usages.filter((u) => u.kind === 'new' || u.kind === 'call').at(-1);
      assert.ok(usage, `a construction: ${JSON.stringify(analysis.usages.map((u) => [u.line, u.kind]))}`);
      const plan = planNativeRewrite({
        analysis,
        text,
        typeMap: {},
        targetExports: ['CacheFactory', 'cacheFactory', 'Cache'],
        targetSpecifier: './factory',
      });
      const line =
        plan.manual.length > 0
          ? plan.manual.map((m) => m.message).join('; ')
          : applyTextChanges(text, plan.changes).split('\n')[usage.line - 1].trim();
      return { line, because: usage.rule?.because, message: usage.message, code: codeOf(usage) };
    },
    {
      spec: options.spec ?? spec(),
      tsconfig: JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'es2022',
          moduleResolution: 'bundler',
          strict: true,
          skipLibCheck: true,
          types: [],
          allowJs: true,
          ...options.tsconfig,
        },
      }),
    },
  );
}

describe('factory migrations by context', function () {
  this.timeout(120_000);

  describe('the form of the target factory', () => {
    const cases: { target: string; line: string; after: string }[] = [
      { target: 'static', line: 'const c = getCacheInstance();', after: 'const c = CacheFactory.forWebApp();' },
      { target: 'static async', line: 'const c = getCacheInstance();', after: 'const c = await CacheFactory.forWebApp();' },
      { target: 'instance', line: 'const c = getCacheInstance();', after: 'const c = new CacheFactory().forWebApp();' },
      { target: 'instance async', line: 'const c = getCacheInstance();', after: 'const c = await new CacheFactory().forWebApp();' },
      { target: 'shared', line: 'const c = getCacheInstance();', after: 'const c = await cacheFactory.forWebApp();' },
      { target: 'object', line: 'const c = getCacheInstance();', after: 'const c = CacheFactory.forWebApp();' },
      {
        target: 'instance async',
        line: 'const m = new InMemoryCache({ maxSize: 5, ttl: 60 });',
        after: 'const m = await new CacheFactory().forWebApp({ maxSize: 5, ttl: 60 });',
      },
      { target: 'shared', line: 'const ai = new AIResponseCache();', after: 'const ai = await cacheFactory.forAiApp();' },
    ];
    for (const c of cases) {
      it(`${c.target}: ${c.line} → ${c.after}`, async () => {
        const text = `import { AIResponseCache, InMemoryCache, getCacheInstance } from './legacy';\n${c.line}\n`;
        const result = await outcome({ 'src/factory.ts': targets[c.target], 'src/app.ts': text }, 'src/app.ts');
        assert.equal(result.line, c.after);
      });
    }

    it('an option the factory method does not take is a manual change, by name, not a type error', async () => {
      const text = "import { InMemoryCache } from '../src/legacy';\nexport const m = new InMemoryCache({ maxSize: 5, ttl: 60 });\n";
      const result = await outcome({ 'src/factory.ts': targets['instance async'], 'test/fixture.ts': text }, 'test/fixture.ts');
      assert.equal(result.line, "line 2: CacheFactory's forTesting() takes no option `maxSize`; carry it over by hand or leave it out");
      assert.match(result.message, /Needs a manual change: CacheFactory's forTesting\(\) takes no option `maxSize`/);
      assert.equal(result.code, 'manual-construction');
    });

    it('options spread from elsewhere are not guessed at', async () => {
      const text =
        "import { InMemoryCache } from '../src/legacy';\nconst base = { ttl: 1 };\nexport const m = new InMemoryCache({ ...base });\n";
      const result = await outcome({ 'test/fixture.ts': text }, 'test/fixture.ts');
      assert.equal(result.line, 'export const m = CacheFactory.forTesting({ ...base });');
    });
  });

  describe('the factory method by context', () => {
    const when = {
      contexts: { ai: ['src/ai/**'] },
      constructors: {
        InMemoryCache: {
          replace: 'CacheFactory.forWebApp({args})',
          when: [
            { context: 'tests', replace: 'CacheFactory.forTesting({args})' },
            { files: ['src/llm/**', 'src/nlp/**'], replace: 'CacheFactory.forAiApp({args})' },
            { context: 'ai', replace: 'CacheFactory.forAiApp({args})' },
          ],
        },
      },
    };
    const cases: { file: string; after: string; because?: string; mocharc?: string }[] = [
      { file: 'src/web/app.ts', after: 'CacheFactory.forWebApp()' },
      { file: 'src/llm/app.ts', after: 'CacheFactory.forAiApp()', because: 'it matches src/llm/**' },
      { file: 'src/nlp/app.ts', after: 'CacheFactory.forAiApp()', because: 'it matches src/nlp/**' },
      {
        file: 'src/ai/app.ts',
        after: 'CacheFactory.forAiApp()',
        because: "it is in the ai context (src/ai/**, from the spec's contexts.ai)",
      },
      {
        file: 'test/app.ts',
        after: 'CacheFactory.forTesting()',
        because: 'it is a test file (**/test/**, from the usual test folders and names)',
      },
      {
        file: 'src/__tests__/app.ts',
        after: 'CacheFactory.forTesting()',
        because: 'it is a test file (**/__tests__/**, from the usual test folders and names)',
      },
      {
        file: 'src/web/app.spec.ts',
        after: 'CacheFactory.forTesting()',
        because: 'it is a test file (**/*.spec.*, from the usual test folders and names)',
      },
      // The first case that matches wins: a test of the LLM code is a test.
      {
        file: 'src/llm/app.test.ts',
        after: 'CacheFactory.forTesting()',
        because: 'it is a test file (**/*.test.*, from the usual test folders and names)',
      },
      // The runner's own globs replace the usual names.
      {
        file: 'checks/app.check.ts',
        after: 'CacheFactory.forTesting()',
        because: "it is a test file (checks/**/*.check.ts, from the test runner's spec in .mocharc.json)",
        mocharc: JSON.stringify({ spec: './checks/**/*.check.ts' }),
      },
      { file: 'test/app.ts', after: 'CacheFactory.forWebApp()', mocharc: JSON.stringify({ spec: ['checks/**/*.check.ts'] }) },
    ];
    for (const c of cases) {
      it(`${c.file}${c.mocharc ? ' (with .mocharc.json)' : ''} → ${c.after}`, async () => {
        const depth = c.file.split('/').length - 1;
        const text = `import { InMemoryCache } from '${depth === 1 ? '../src' : '../'.repeat(depth - 1).slice(0, -1)}/legacy';\nexport const m = new InMemoryCache();\n`;
        const files: Record<string, string> = { [c.file]: text };
        if (c.mocharc) files['.mocharc.json'] = c.mocharc;
        const result = await outcome(files, c.file, { spec: spec(when) });
        assert.equal(result.line, `export const m = ${c.after};`);
        assert.equal(result.because, c.because);
        if (c.because) assert.match(result.message, new RegExp(`, because ${c.because.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.`));
      });
    }

    it('a member rule takes its when cases too', async () => {
      const text = "import { InMemoryCache } from '../legacy';\nexport async function f(m: InMemoryCache) {\n  return m.get('k');\n}\n";
      const memberSpec = spec({
        members: { InMemoryCache: { get: { rename: 'read', when: [{ files: ['src/llm/**'], replace: '{receiver}.lookup({args})' }] } } },
      });
      await withWorkspace(
        { 'src/legacy.ts': legacy, 'src/factory.ts': targets.static, 'src/llm/app.ts': text, 'src/web/app.ts': text },
        (index) => {
          const llm = index.analysisOf('src/llm/app.ts')?.usages.find((u) => u.member === 'get');
          const web = index.analysisOf('src/web/app.ts')?.usages.find((u) => u.member === 'get');
          assert.deepEqual(llm?.rule, {
            kind: 'replace',
            template: '{receiver}.lookup({args})',
            note: undefined,
            because: 'it matches src/llm/**',
          });
          assert.equal(web?.rule?.kind, 'rename');
        },
        { spec: memberSpec },
      );
    });
  });

  describe('where await cannot go: a manual change, and the file refused with that reason', () => {
    const head = "import { InMemoryCache } from './legacy';";
    const cases: { name: string; file?: string; text: string; reason?: string; tsconfig?: Record<string, unknown> }[] = [
      { name: 'an async function', text: `${head}\nexport async function make() {\n  return new InMemoryCache();\n}\n` },
      { name: "an ES module's top level", text: `${head}\nexport const m = new InMemoryCache();\n` },
      {
        name: 'a function that is not async',
        text: `${head}\nexport function make() {\n  return new InMemoryCache();\n}\n`,
        reason: 'make is not async',
      },
      {
        name: 'a constructor',
        text: `${head}\nexport class Store {\n  readonly cache: unknown;\n  constructor() {\n    this.cache = new InMemoryCache();\n  }\n}\n`,
        reason: 'Store.constructor is a constructor, which cannot be async',
      },
      {
        name: 'an accessor',
        text: `${head}\nexport class Store {\n  get cache() {\n    return new InMemoryCache();\n  }\n}\n`,
        reason: 'Store.cache is an accessor, which cannot be async',
      },
      {
        name: 'an arrow function that is not async',
        text: `${head}\nexport const make = () =>\n  new InMemoryCache();\n`,
        reason: 'make is not async',
      },
      {
        name: 'the top level of a CommonJS module',
        file: 'src/app.js',
        text: "const { InMemoryCache } = require('./legacy');\nmodule.exports = new InMemoryCache();\n",
        reason: 'it is at the top level of a CommonJS module, which cannot await',
        tsconfig: { module: 'commonjs', moduleResolution: 'node10' },
      },
      {
        name: 'the top level of a module compiled to CommonJS',
        text: `${head}\nexport const m = new InMemoryCache();\n`,
        reason: "it is at the top level of a module whose settings do not allow top-level await (tsconfig's module)",
        tsconfig: { module: 'commonjs', moduleResolution: 'node10' },
      },
    ];
    for (const c of cases) {
      it(`${c.name}: ${c.reason ? 'refused' : 'rewritten'}`, async () => {
        const file = c.file ?? 'src/app.ts';
        const result = await outcome({ 'src/factory.ts': targets['instance async'], [file]: c.text }, file, { tsconfig: c.tsconfig });
        if (!c.reason) {
          assert.match(result.line, /await new CacheFactory\(\)\.forWebApp\(\)/);
          assert.equal(result.code, 'legacy-new');
          return;
        }
        assert.match(
          result.line,
          new RegExp(`^line \\d+: await new CacheFactory\\(\\)\\.forWebApp\\(\\) needs await, but ${escape(c.reason)}$`),
        );
        assert.match(
          result.message,
          new RegExp(`Needs a manual change: await new CacheFactory\\(\\)\\.forWebApp\\(\\) needs await, but ${escape(c.reason)}\\.`),
        );
        assert.equal(result.code, 'manual-construction');
      });
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
