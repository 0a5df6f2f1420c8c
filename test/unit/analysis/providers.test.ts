// Dependency-injection providers that hand one legacy instance to many files: a NestJS useFactory
// or useValue provider, CacheModule.register over cache-manager, Express's app.locals. Each is a
// routing issue naming its consumers (found by how they ask for it, not by imports), and they
// count in the provider's blast radius.
import * as assert from 'node:assert/strict';
import { analyzeReport } from '../../../server/src/operations/overview';
import { withWorkspace } from '../../support/tempWorkspace';

const inject = 'declare function Inject(token: unknown): ParameterDecorator;\n';

describe('dependency-injection providers', () => {
  const cases: { name: string; files: Record<string, string>; provider: string; message: RegExp; consumers: string[]; spec?: unknown }[] = [
    {
      name: 'a NestJS useFactory provider',
      files: {
        'src/cache.module.ts':
          "import { createCache } from './legacy/cache';\nexport const cacheProvider = { provide: 'CACHE', useFactory: () => createCache('shared') };\n",
        'src/users.service.ts': `${inject}export class UsersService { constructor(@Inject('CACHE') readonly cache: unknown) {} }\n`,
        'src/orders.service.ts': `${inject}export class OrdersService { constructor(@Inject("CACHE") readonly cache: unknown) {} }\n`,
        'src/other.service.ts': `${inject}export class OtherService { constructor(@Inject('CACHE_OTHER') readonly cache: unknown) {} }\n`,
      },
      provider: 'src/cache.module.ts',
      message:
        /^Provides a legacy LegacyCache to NestJS injection as `CACHE` \(useFactory\): every class that injects it gets the legacy cache, so migrating this file migrates them all\. Its consumers: src\/orders\.service\.ts, src\/users\.service\.ts\.$/,
      consumers: ['src/orders.service.ts', 'src/users.service.ts'],
    },
    {
      name: 'a NestJS useValue provider under a token constant, with a block-bodied factory elsewhere',
      files: {
        'src/tokens.ts': "export const CACHE = Symbol('cache');\n",
        'src/cache.module.ts':
          "import { LegacyCache } from './legacy/cache';\nimport { CACHE } from './tokens';\nexport const providers = [{ provide: CACHE, useValue: new LegacyCache('x') }];\n",
        'src/users.service.ts': `${inject}import { CACHE } from './tokens';\nexport class UsersService { constructor(@Inject(CACHE) readonly cache: unknown) {} }\n`,
      },
      provider: 'src/cache.module.ts',
      message: /as `CACHE` \(useValue\).* Its consumers: src\/users\.service\.ts\.$/,
      consumers: ['src/users.service.ts'],
    },
    {
      name: "Express's app.locals",
      files: {
        'src/app.ts':
          "import { createCache } from './legacy/cache';\nexport const app = { locals: {} as Record<string, unknown> };\napp.locals.cache = createCache();\n",
        'src/routes/users.ts': "export function handler(req: { app: { locals: any } }) { return req.app.locals.cache.get('u'); }\n",
        'src/routes/health.ts':
          "export function handler(req: { app: { locals: any } }) { return req.app.locals['cache'] !== undefined; }\n",
      },
      provider: 'src/app.ts',
      message:
        /^Hands a legacy LegacyCache to every request handler through `app\.locals\.cache`: .* Its consumers: src\/routes\/health\.ts, src\/routes\/users\.ts\.$/,
      consumers: ['src/routes/health.ts', 'src/routes/users.ts'],
    },
    {
      name: 'CacheModule.register over cache-manager',
      files: {
        'src/app.module.js':
          "const { CacheModule } = require('@nestjs/cache-manager');\nmodule.exports = { imports: [CacheModule.register({ ttl: 5 })] };\n",
        'src/users.service.ts': `${inject}declare const CACHE_MANAGER: string;\nexport class UsersService { constructor(@Inject(CACHE_MANAGER) readonly cache: unknown) {} }\n`,
        'src/uses.js': "const cacheManager = require('cache-manager');\nmodule.exports = cacheManager.caching({ store: 'memory' });\n",
      },
      provider: 'src/app.module.js',
      message:
        /^CacheModule\.register\(\) provides a legacy cache-manager cache as CACHE_MANAGER: .* Its consumers: src\/users\.service\.ts\.$/,
      consumers: ['src/users.service.ts'],
      spec: { preset: 'cache-manager-4-to-5' },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      await withWorkspace(
        c.files,
        (index) => {
          const report = analyzeReport(index);
          const file = report.files.find((f) => f.path === c.provider);
          const issue = file?.routingIssues.find((r) => r.kind === 'provider');
          assert.ok(issue, `a provider issue in ${c.provider}: ${JSON.stringify(report.files.map((f) => [f.path, f.routingIssues]))}`);
          assert.match(issue.message, c.message);
          const risk = file?.risk.reasons.join(' ') ?? '';
          if (c.consumers.length > 0) assert.match(risk, new RegExp(`${c.consumers.length} files? depends? on it`));
        },
        c.spec
          ? {
              spec: c.spec,
              tsconfig: JSON.stringify({
                compilerOptions: { allowJs: true, checkJs: false, strict: true, types: [], experimentalDecorators: true },
              }),
            }
          : {
              tsconfig: JSON.stringify({
                compilerOptions: { strict: true, types: [], experimentalDecorators: true, target: 'ES2022', module: 'commonjs' },
              }),
            },
      );
    });
  }

  it('a provider of something else is not one', async () => {
    await withWorkspace(
      {
        'src/a.ts':
          "import { createCache } from './legacy/cache';\nexport const c = createCache();\nexport const p = { provide: 'X', useFactory: () => 42 };\n",
      },
      (index) => {
        assert.deepEqual(
          index.analysisOf('src/a.ts')?.routingIssues.filter((r) => r.kind === 'provider'),
          [],
        );
      },
    );
  });
});
