import { rolloutModeLines } from './adapterScaffold';
import { commentSafe, stringLiteral } from './literal';

/**
 * Adapters for legacy *packages*, one per preset that migrates one. A package's API is not in the
 * workspace to model, and its changes are not renames a type check can prove (lru-cache 6's
 * `set(k, v, maxAge)` is lru-cache 10's `set(k, v, { ttl })`), so each such preset carries its
 * routes as reviewed code: the legacy package's own export, adapted by the runtime, with every
 * member that reaches the new API translating its arguments at run time.
 *
 * The adapter is written in TypeScript; a JavaScript workspace gets it transpiled (workspace/).
 */
export interface PackageAdapterInput {
  migrationId: string;
  title: string;
  /** The legacy package, as imported (`lru-cache`). */
  legacyModule: string;
  /** The target module as the adapter imports it (a package, or a relative specifier). */
  targetSpecifier: string;
  /** The runtime module beside the adapter, as the adapter imports it. */
  runtimeSpecifier: string;
  runtimeFileName: string;
  flag: string;
  /** How the adapter's module is loaded: `require` (CommonJS) or `import` (ES modules). */
  moduleKind: 'commonjs' | 'esm';
}

export interface PackageAdapterSource {
  /** The adapter, in TypeScript. */
  text: string;
  /** What a person should look at, in sentences. */
  notes: string[];
}

interface PackageAdapterDefinition {
  /** One line per member: how it reaches the new API. */
  members: string[];
  notes: string[];
  /** The adapter's code after its header: imports, translation helpers, routes and the export. */
  body(input: PackageAdapterInput): string[];
}

const lruCache6To10: PackageAdapterDefinition = {
  members: [
    'get(key) → get(key), read through from lru-cache 6 while the new cache is cold',
    'peek(key), has(key) → peek(key), has(key), read through the same way',
    'set(key, value, maxAge) → set(key, value, { ttl: maxAge }) (runs on both)',
    'del(key) → delete(key), reset() → clear(), prune() → purgeStale() (run on both)',
    'keys(), values() → [...keys()], [...values()] (lru-cache 10 returns iterators)',
    'forEach, rforEach, dump, load and the properties (length, itemCount, max, maxAge) answer from lru-cache 6, which has every write',
  ],
  notes: [
    'The constructor options are translated for lru-cache 10: a number is { max }, maxAge is ttl, stale is allowStale, and length with max is sizeCalculation with maxSize.',
    "dispose runs on the lru-cache 6 side only while the adapter exists (it has every write, so every value is disposed once); after the cleanup it is lru-cache 10's dispose(value, key, reason).",
    'A cache with no max, maxSize or maxAge was unbounded in lru-cache 6; lru-cache 10 refuses one, so its calls stay on lru-cache 6 (counted as fallbacks) until it is given a max.',
  ],
  body(input) {
    const importLegacy =
      input.moduleKind === 'esm'
        ? `import Legacy from ${stringLiteral(input.legacyModule)};`
        : `import Legacy = require(${stringLiteral(input.legacyModule)});`;
    return [
      importLegacy,
      `import { LRUCache as NextLRUCache } from ${stringLiteral(input.targetSpecifier)};`,
      `import { stepwiseAdaptClass } from ${stringLiteral(input.runtimeSpecifier)};`,
      `import type { StepwiseRoutes } from ${stringLiteral(input.runtimeSpecifier)};`,
      '',
      '/** lru-cache 6 constructor options as lru-cache 10 reads them (options lru-cache 10 already knows pass through). */',
      'function nextOptions(options: any): any {',
      "  const given: any = typeof options === 'number' ? { max: options } : { ...(options ?? {}) };",
      '  const next: any = {};',
      "  for (const known of ['ttl', 'allowStale', 'updateAgeOnGet', 'updateAgeOnHas', 'ttlAutopurge', 'maxSize', 'sizeCalculation', 'noUpdateTTL']) {",
      '    if (given[known] !== undefined) next[known] = given[known];',
      '  }',
      '  const max = Number(given.max);',
      "  if (typeof given.length === 'function' && max > 0 && Number.isFinite(max)) {",
      '    const length = given.length;',
      '    next.maxSize = max;',
      '    next.sizeCalculation = (value: unknown, key: unknown) => Math.max(1, Math.ceil(Number(length(value, key)) || 1));',
      '  } else if (max > 0 && Number.isFinite(max)) {',
      '    next.max = max;',
      '  }',
      "  if (typeof given.maxAge === 'number' && given.maxAge > 0) next.ttl = given.maxAge;",
      '  if (given.stale) next.allowStale = true;',
      '  if (next.max === undefined && next.maxSize === undefined && next.ttl === undefined) {',
      "    throw new Error('lru-cache 10 needs max, maxSize or ttl; this cache is unbounded in lru-cache 6, so it stays there until it is given a max.');",
      '  }',
      '  return next;',
      '}',
      '',
      'const routes: StepwiseRoutes<NextLRUCache<any, any>> = {',
      "  get: { read: true, fill: 'set', call: (next, args) => next.get(args[0]) },",
      '  peek: { read: true, call: (next, args) => next.peek(args[0]) },',
      '  // A miss (undefined) lets lru-cache 6 answer while the new cache is cold.',
      '  has: { read: true, call: (next, args) => (next.has(args[0]) ? true : undefined) },',
      '  set: {',
      '    both: true,',
      "    call: (next, args) => (next.set(args[0], args[1], typeof args[2] === 'number' && args[2] > 0 ? { ttl: args[2] } : undefined), true),",
      '  },',
      '  del: { both: true, call: (next, args) => void next.delete(args[0]) },',
      '  reset: { both: true, call: (next) => next.clear() },',
      '  prune: { both: true, call: (next) => void next.purgeStale() },',
      '  keys: { call: (next) => [...next.keys()] },',
      '  values: { call: (next) => [...next.values()] },',
      '};',
      '',
      '/**',
      ' * lru-cache 6, adapted: the same class and contract, the implementation chosen by the rollout flag.',
      " * It keeps lru-cache 6's name, which the preset's rules (and the cleanup) know it by.",
      ' * @type {typeof Legacy}',
      ' */',
      'const LRUCache: typeof Legacy = stepwiseAdaptClass(Legacy, (args: any[]) => new NextLRUCache<any, any>(nextOptions(args[0])), routes);',
      input.moduleKind === 'esm' ? 'export default LRUCache;' : 'export = LRUCache;',
    ];
  },
};

/** Preset id → its package adapter. */
const definitions: Readonly<Record<string, PackageAdapterDefinition>> = {
  'lru-cache-6-to-10': lruCache6To10,
};

/** Whether a preset carries a package adapter. */
export function hasPackageAdapter(presetId: string | undefined): boolean {
  return presetId !== undefined && Object.prototype.hasOwnProperty.call(definitions, presetId);
}

export function packageAdapterSource(presetId: string, input: PackageAdapterInput): PackageAdapterSource {
  const definition = definitions[presetId];
  const lines = [
    '/**',
    ` * Stepwise adapter for "${commentSafe(input.title)}" (migration ${commentSafe(input.migrationId)}).`,
    ' *',
    ` * Files migrated by Stepwise load ${commentSafe(input.legacyModule)} from here. Its instances keep the legacy contract;`,
    ' * the rollout mode chooses which implementation answers:',
    ...rolloutModeLines,
    ' * Writes also run on the legacy side, so rolling back is instant; a read the new side misses is',
    ` * answered by legacy and back-filled. The mode comes from stepwiseAdapter.setFlag() (in`,
    ` * ${commentSafe(input.runtimeFileName)}), else ${input.flag}, else the control store Stepwise steers (.stepwise/control/).`,
    ' *',
    ' * Members:',
    ...definition.members.map((m) => ` *   ${commentSafe(m)}`),
    ' *',
    ...definition.notes.map((n) => ` * ${commentSafe(n)}`),
    ' *',
    ' * Generated by Stepwise; it is yours to edit. Removing it is the last step of the migration.',
    ' */',
    '/* eslint-disable @typescript-eslint/no-explicit-any */',
    ...definition.body(input),
  ];
  return { text: `${lines.join('\n')}\n`, notes: [...definition.notes] };
}
