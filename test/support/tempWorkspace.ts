// Small real workspaces written to temp folders for table-driven tests: each case states its
// files as text, the index reads them from disk exactly as it reads a user's project.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { WorkspaceIndex } from '../../server/src/workspace/workspaceIndex';

export const defaultTsconfig = JSON.stringify({
  compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, esModuleInterop: true, skipLibCheck: true, types: [] },
});

/** The spec the edge-case tables use: LegacyCache/createCache → NextCache/makeCache. */
export const edgeSpec = {
  id: 'edge',
  legacy: { modules: ['src/legacy/cache.ts'], exports: ['LegacyCache', 'createCache'] },
  target: { module: 'src/next/cache.ts', exports: ['NextCache', 'makeCache'] },
  adapter: { module: 'src/adapter/cache.ts' },
  members: {
    LegacyCache: {
      stop: { rename: 'shutdown' },
      size: { replace: '(await {receiver}.count())' },
      dump: { manual: 'Use NextCache.getStats() and format it yourself' },
    },
  },
  constructors: { LegacyCache: { replace: 'new NextCache({args})' }, createCache: { replace: 'makeCache({args})' } },
};

export const legacyModule = `export class LegacyCache {
  private readonly entries = new Map<string, unknown>();
  constructor(readonly name = 'default') {}
  get(key: string): unknown { return this.entries.get(key); }
  set(key: string, value: unknown): void { this.entries.set(key, value); }
  stop(): void { this.entries.clear(); }
  size(): number { return this.entries.size; }
  dump(): string { return JSON.stringify([...this.entries]); }
}
export function createCache(name?: string): LegacyCache { return new LegacyCache(name); }
export const legacyVersion = 1;
`;

export const nextModule = `export class NextCache {
  private readonly entries = new Map<string, unknown>();
  constructor(readonly name = 'default') {}
  get(key: string): unknown { return this.entries.get(key); }
  set(key: string, value: unknown): void { this.entries.set(key, value); }
  async shutdown(): Promise<void> { this.entries.clear(); }
  async count(): Promise<number> { return this.entries.size; }
}
export function makeCache(name?: string): NextCache { return new NextCache(name); }
`;

/** Writes files (relative path → text) into a new temp folder, with defaults for the usual ones. */
export function writeWorkspace(files: Record<string, string>, options: { spec?: unknown; tsconfig?: string } = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'stepwise-unit-'));
  const all: Record<string, string> = {
    'tsconfig.json': options.tsconfig ?? defaultTsconfig,
    'src/legacy/cache.ts': legacyModule,
    'src/next/cache.ts': nextModule,
    ...files,
  };
  if (options.spec !== null) all['.stepwise/migration.json'] ??= JSON.stringify(options.spec ?? edgeSpec, null, 2);
  for (const [rel, text] of Object.entries(all)) {
    const file = join(root, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return root;
}

export async function openIndex(root: string): Promise<WorkspaceIndex> {
  const index = new WorkspaceIndex(root);
  await index.start();
  await index.whenIdle();
  return index;
}

/** Creates a workspace, indexes it, runs `fn`, and removes the folder afterwards. */
export async function withWorkspace<T>(
  files: Record<string, string>,
  fn: (index: WorkspaceIndex, root: string) => Promise<T> | T,
  options: { spec?: unknown; tsconfig?: string } = {},
): Promise<T> {
  const root = writeWorkspace(files, options);
  try {
    return await fn(await openIndex(root), root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
