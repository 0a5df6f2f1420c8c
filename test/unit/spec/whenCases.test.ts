// The spec's `when` cases and `contexts`: what validation says, at which JSON path, and what a
// valid spec keeps.
import * as assert from 'node:assert/strict';
import { parseSpec } from '../../../server/src/spec/validate';

const base = {
  id: 'factory',
  preset: 'cache-factory',
  legacy: { modules: ['src/legacy.ts'] },
  target: { module: 'src/factory.ts' },
  adapter: { module: 'src/adapter.ts' },
};

const problemsOf = (extra: Record<string, unknown>): string[] =>
  parseSpec(JSON.stringify({ ...base, ...extra }, null, 2)).problems.map((p) => `${p.path}: ${p.message}`);

describe('spec: when cases and contexts', () => {
  const cases: { name: string; extra: Record<string, unknown>; problems: string[] }[] = [
    {
      name: 'a case with files',
      extra: {
        constructors: {
          InMemoryCache: {
            replace: 'CacheFactory.forWebApp({args})',
            when: [{ files: ['src/llm/**'], replace: 'CacheFactory.forAiApp({args})' }],
          },
        },
      },
      problems: [],
    },
    {
      name: 'a case naming a context the spec defines',
      extra: {
        contexts: { ai: ['src/llm/**'] },
        members: { InMemoryCache: { get: { rename: 'read', when: [{ context: 'ai', replace: '{receiver}.lookup({args})' }] } } },
      },
      problems: [],
    },
    {
      name: 'a case with both files and a context',
      extra: { constructors: { InMemoryCache: { replace: 'X()', when: [{ files: ['a/**'], context: 'tests', replace: 'Y()' }] } } },
      problems: [
        'constructors.InMemoryCache.when.0: constructors.InMemoryCache.when.0 needs exactly one of "files" (glob patterns) or "context" (a name under "contexts", or "tests").',
      ],
    },
    {
      name: 'a case with neither',
      extra: { constructors: { InMemoryCache: { replace: 'X()', when: [{ replace: 'Y()' }] } } },
      problems: [
        'constructors.InMemoryCache.when.0: constructors.InMemoryCache.when.0 needs exactly one of "files" (glob patterns) or "context" (a name under "contexts", or "tests").',
      ],
    },
    {
      name: 'a context the spec does not define',
      extra: {
        contexts: { ai: ['src/llm/**'] },
        constructors: { InMemoryCache: { replace: 'X()', when: [{ context: 'jobs', replace: 'Y()' }] } },
      },
      problems: [
        'constructors.InMemoryCache.when.0.context: constructors.InMemoryCache.when.0.context "jobs" is not defined; name its files under "contexts" (known: tests, ai).',
      ],
    },
    {
      name: 'an unknown placeholder in a case',
      extra: { constructors: { InMemoryCache: { replace: 'X({args})', when: [{ context: 'tests', replace: 'Y({receiver})' }] } } },
      problems: [
        'constructors.InMemoryCache.when.0.replace: Unknown placeholder {receiver} in constructors.InMemoryCache.when.0.replace; known placeholders are {args}, {arg0}, {arg1}….',
      ],
    },
    {
      name: 'a case without a replacement',
      extra: { constructors: { InMemoryCache: { replace: 'X()', when: [{ context: 'tests' }] } } },
      problems: ['constructors.InMemoryCache.when.0: "constructors.InMemoryCache.when.0" needs "replace".'],
    },
    {
      name: 'an empty list of globs in a context',
      extra: { contexts: { ai: [] } },
      problems: ['contexts.ai: "contexts.ai" must NOT have fewer than 1 items.'],
    },
    {
      name: 'an environment variable that is not a name',
      extra: { legacy: { modules: ['src/legacy.ts'], environment: ['CACHE TYPE'] } },
      problems: ['legacy.environment.0: "legacy.environment.0" does not have the expected form (^[A-Za-z_][A-Za-z0-9_]*$).'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const problems = problemsOf(c.extra);
      if (c.problems.length === 0) assert.deepEqual(problems, []);
      else for (const expected of c.problems) assert.ok(problems.includes(expected), `${expected}\nin\n${problems.join('\n')}`);
    });
  }

  it('keeps the cases, the contexts (with tests built in) and the environment list', () => {
    const result = parseSpec(
      JSON.stringify({
        ...base,
        legacy: { modules: ['src/legacy.ts'], environment: ['APP_CACHE_MODE'] },
        contexts: { ai: ['src/llm/**'] },
      }),
    );
    assert.deepEqual(result.problems, []);
    const spec = result.spec;
    assert.ok(spec);
    assert.deepEqual(JSON.parse(JSON.stringify(spec.contexts)), {
      tests: {
        globs: ['**/test/**', '**/tests/**', '**/__tests__/**', '**/*.test.*', '**/*.spec.*'],
        from: 'the usual test folders and names',
      },
      ai: { globs: ['src/llm/**'], from: "the spec's contexts.ai" },
    });
    assert.deepEqual(spec.legacy.environment, ['APP_CACHE_MODE']);
    // The preset's cases, `ai` among them (it matches nothing until the spec names its files).
    assert.deepEqual(
      spec.constructors.getCacheInstance.when?.map((c) => `${c.context}: ${c.template}`),
      ['tests: CacheFactory.forTesting()', 'ai: CacheFactory.forAiApp()'],
    );
  });

  it("a preset's case naming a context the spec leaves out is no problem", () => {
    assert.deepEqual(problemsOf({}), []);
  });
});
