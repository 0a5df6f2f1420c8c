// The configuration inventory: which reads and writes of environment variables a file has, which
// of them the legacy configuration depends on (what the legacy module reads, CACHE_*/REDIS_*, the
// spec's own list), and the test fixtures that set them.
import * as assert from 'node:assert/strict';
import { environmentAccesses } from '../../../server/src/analysis/configuration';
import { configurationInventory } from '../../../server/src/operations/configuration';
import { withWorkspace } from '../../support/tempWorkspace';

describe('configuration inventory', () => {
  describe('environment accesses', () => {
    const cases: { code: string; found: string[] }[] = [
      { code: 'const a = process.env.CACHE_TYPE;', found: ['read CACHE_TYPE'] },
      { code: "const a = process.env['REDIS_URL'];", found: ['read REDIS_URL'] },
      { code: 'const a = process.env["CACHE_TTL"] ?? "60";', found: ['read CACHE_TTL'] },
      { code: 'const { REDIS_URL, CACHE_TYPE: kind } = process.env;', found: ['read REDIS_URL', 'read CACHE_TYPE'] },
      { code: "process.env.CACHE_TYPE = 'memory';", found: ['write CACHE_TYPE'] },
      { code: "process.env.CACHE_TYPE ??= 'memory';", found: ['write CACHE_TYPE'] },
      { code: 'delete process.env.REDIS_URL;', found: ['write REDIS_URL'] },
      { code: 'const key = "X"; const a = process.env[key];', found: [] },
      { code: 'const a = env.CACHE_TYPE; // process.env elsewhere', found: [] },
      { code: 'const text = "process.env.CACHE_TYPE";', found: [] },
    ];
    for (const c of cases) {
      it(c.code, () => {
        assert.deepEqual(
          environmentAccesses('a.ts', c.code).map((a) => `${a.access} ${a.name}`),
          c.found,
        );
      });
    }
  });

  it('reports what the legacy configuration depends on, file by file, and leaves unrelated variables out', async () => {
    const legacy = [
      'export class Cache {}',
      'export function getCacheInstance(): Cache { void process.env.CACHE_BACKEND; void process.env.NODE_ENV; return new Cache(); }',
      '',
    ].join('\n');
    await withWorkspace(
      {
        'src/legacy/cache.ts': legacy,
        'src/env.d.ts': 'declare const process: { env: Record<string, string | undefined> };\n',
        'src/settings.ts':
          'export const port = process.env.PORT;\nexport const backend = process.env.CACHE_BACKEND;\nexport const mode = process.env.NODE_ENV;\nexport const app = process.env.APP_CACHE_MODE;\nexport const db = process.env.REDIS_DB;\nexport const user = process.env.DB_USER;\n',
        'test/setup.ts': "process.env.CACHE_BACKEND = 'memory';\nprocess.env.PORT = '0';\n",
        'src/seed.ts': "process.env.REDIS_DB = '2';\n",
      },
      (index) => {
        const inventory = configurationInventory(index).map(
          (f) => `${f.path}: ${f.uses.map((u) => `${u.line} ${u.access} ${u.name}${u.fixture ? ' (fixture)' : ''}`).join(', ')}`,
        );
        assert.deepEqual(inventory, [
          'src/legacy/cache.ts: 2 read CACHE_BACKEND, 2 read NODE_ENV',
          'src/seed.ts: 1 write REDIS_DB',
          'src/settings.ts: 2 read CACHE_BACKEND, 3 read NODE_ENV, 4 read APP_CACHE_MODE, 5 read REDIS_DB',
          'test/setup.ts: 1 write CACHE_BACKEND (fixture)',
        ]);
        const messages = configurationInventory(index).flatMap((f) => f.uses.map((u) => u.message));
        assert.ok(
          messages.includes(
            'Reads CACHE_BACKEND, configuration the legacy cache depends on (the legacy cache reads it at src/legacy/cache.ts line 2): document it before the move, and pass it to the factory method explicitly.',
          ),
          messages.join('\n'),
        );
        assert.ok(messages.includes("Sets REDIS_DB, which changes what the legacy cache's auto-detection returns."), messages.join('\n'));
      },
      {
        spec: {
          id: 'cfg',
          legacy: { modules: ['src/legacy/cache.ts'], environment: ['APP_CACHE_MODE'] },
          target: { module: 'src/next/cache.ts' },
          adapter: { module: 'src/adapter/cache.ts' },
        },
      },
    );
  });
});
