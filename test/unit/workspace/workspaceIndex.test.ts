// Incremental behaviour of the workspace index: editor edits, files created, deleted and renamed on
// disk, spec edits (good and bad), closing documents, and what is never indexed. Every change is
// followed by `whenIdle()` (resolved by the index when its queue is empty), never by a timer.
import * as assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import type { WorkspaceIndex } from '../../../server/src/workspace/workspaceIndex';
import { WorkspaceIndex as Index } from '../../../server/src/workspace/workspaceIndex';
import { edgeSpec, writeWorkspace } from '../../support/tempWorkspace';

const importCreate = "import { createCache } from './legacy/cache';";
const appText = [importCreate, 'export const cache = createCache();', ''].join('\n');
const sharedText = [importCreate, 'export const shared = createCache();', ''].join('\n');
const consumerText = ["import { shared } from './shared';", 'export function close(): void { shared.stop(); }', ''].join('\n');

/** `line kind symbol[.member]` per usage; undefined when the file has no analysis. */
function usagesOf(index: WorkspaceIndex, rel: string): string[] | undefined {
  return index.analysisOf(rel)?.usages.map((u) => `${u.line} ${u.kind} ${u.member ? `${u.symbol}.${u.member}` : u.symbol}`);
}

/** Records onDidChangeAnalyses; `take()` returns the files reported since the last take. */
function recorder(index: WorkspaceIndex): { take: () => string[]; specChanges: () => number } {
  let changed: string[] = [];
  let specChanges = 0;
  index.onDidChangeAnalyses.on((files) => changed.push(...files));
  index.onDidChangeSpec.on(() => specChanges++);
  return {
    take: () => {
      const result = [...new Set(changed)].sort();
      changed = [];
      return result;
    },
    specChanges: () => specChanges,
  };
}

interface Fixture {
  root: string;
  index: WorkspaceIndex;
  events: ReturnType<typeof recorder>;
  write: (rel: string, text: string) => void;
}

async function withIndex(
  files: Record<string, string>,
  fn: (f: Fixture) => Promise<void> | void,
  options: { exclude?: string[] } = {},
): Promise<void> {
  const root = writeWorkspace(files);
  try {
    const index = new Index(root, { exclude: options.exclude });
    await index.start();
    await index.whenIdle();
    const write = (rel: string, text: string): void => {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    };
    await fn({ root, index, events: recorder(index), write });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('workspace index, incrementally', () => {
  describe('editor documents', () => {
    it('setDocument re-analyses the file: a usage appears, then disappears', async () => {
      await withIndex({ 'src/app.ts': appText }, async ({ index, events }) => {
        assert.deepEqual(usagesOf(index, 'src/app.ts'), ['1 import createCache', '2 call createCache']);

        index.setDocument('src/app.ts', `${appText}cache.stop();\n`, 1);
        await index.whenIdle();
        assert.deepEqual(usagesOf(index, 'src/app.ts'), ['1 import createCache', '2 call createCache', '3 member LegacyCache.stop']);
        assert.deepEqual(events.take(), ['src/app.ts']);
        assert.equal(index.versionOf('src/app.ts'), 1);

        index.setDocument('src/app.ts', appText, 2);
        await index.whenIdle();
        assert.deepEqual(usagesOf(index, 'src/app.ts'), ['1 import createCache', '2 call createCache']);
        assert.deepEqual(events.take(), ['src/app.ts']);
      });
    });

    it('a file that starts or stops importing the legacy API gains or loses its analysis', async () => {
      await withIndex({ 'src/plain.ts': 'export const n = 1;\n' }, async ({ index, events }) => {
        assert.equal(index.analysisOf('src/plain.ts'), undefined);
        index.setDocument('src/plain.ts', appText, 1);
        await index.whenIdle();
        assert.deepEqual(usagesOf(index, 'src/plain.ts'), ['1 import createCache', '2 call createCache']);
        assert.deepEqual(events.take(), ['src/plain.ts']);

        index.setDocument('src/plain.ts', 'export const n = 2;\n', 2);
        await index.whenIdle();
        assert.equal(index.analysisOf('src/plain.ts'), undefined);
        assert.deepEqual(events.take(), ['src/plain.ts']);
      });
    });

    it('the same text again only records the version, without an event', async () => {
      await withIndex({ 'src/app.ts': appText }, async ({ index, events }) => {
        const before = index.analysisOf('src/app.ts');
        index.setDocument('src/app.ts', appText, 7);
        await index.whenIdle();
        assert.equal(index.versionOf('src/app.ts'), 7);
        assert.deepEqual(events.take(), []);
        assert.equal(index.analysisOf('src/app.ts'), before);
      });
    });

    it('editing a file that exports a legacy instance re-analyses the files importing it', async () => {
      await withIndex({ 'src/shared.ts': sharedText, 'src/consumer.ts': consumerText }, async ({ index, events }) => {
        assert.deepEqual(usagesOf(index, 'src/consumer.ts'), ['2 member LegacyCache.stop']);
        assert.equal(index.analysisOf('src/consumer.ts')?.usages[0].from, 'src/shared.ts');

        // The instance now comes from the new API: nothing legacy reaches consumer.ts any more.
        index.setDocument('src/shared.ts', "import { makeCache } from './next/cache';\nexport const shared = makeCache();\n", 1);
        await index.whenIdle();
        assert.deepEqual(usagesOf(index, 'src/consumer.ts') ?? [], []);
        assert.deepEqual(events.take(), ['src/consumer.ts', 'src/shared.ts']);

        index.setDocument('src/shared.ts', sharedText, 2);
        await index.whenIdle();
        assert.deepEqual(usagesOf(index, 'src/consumer.ts'), ['2 member LegacyCache.stop']);
        assert.deepEqual(events.take(), ['src/consumer.ts', 'src/shared.ts']);
      });
    });

    it('closeDocument goes back to the text on disk', async () => {
      await withIndex({ 'src/app.ts': appText }, async ({ index, events }) => {
        index.setDocument('src/app.ts', 'export const cache = 1;\n', 3);
        await index.whenIdle();
        assert.equal(index.analysisOf('src/app.ts'), undefined);
        events.take();

        await index.closeDocument('src/app.ts');
        await index.whenIdle();
        assert.equal(index.versionOf('src/app.ts'), null);
        assert.equal(index.textOf('src/app.ts'), appText);
        assert.deepEqual(usagesOf(index, 'src/app.ts'), ['1 import createCache', '2 call createCache']);
        assert.deepEqual(events.take(), ['src/app.ts']);
      });
    });

    it('while a file is open, its editor text wins over changes on disk', async () => {
      await withIndex({ 'src/app.ts': appText }, async ({ index, write }) => {
        index.setDocument('src/app.ts', `${appText}cache.stop();\n`, 1);
        await index.whenIdle();
        write('src/app.ts', 'export const cache = 1;\n');
        await index.fileChangedOnDisk('src/app.ts');
        await index.whenIdle();
        assert.deepEqual(usagesOf(index, 'src/app.ts'), ['1 import createCache', '2 call createCache', '3 member LegacyCache.stop']);
      });
    });
  });

  describe('files on disk', () => {
    it('a changed file is re-analysed', async () => {
      await withIndex({ 'src/app.ts': appText }, async ({ index, events, write }) => {
        write('src/app.ts', `${appText}export const n = cache.size();\n`);
        await index.fileChangedOnDisk('src/app.ts');
        await index.whenIdle();
        assert.deepEqual(usagesOf(index, 'src/app.ts'), ['1 import createCache', '2 call createCache', '3 member LegacyCache.size']);
        assert.deepEqual(events.take(), ['src/app.ts']);
      });
    });

    it('a created file is indexed and analysed', async () => {
      await withIndex({ 'src/app.ts': appText }, async ({ index, events, write }) => {
        write('src/jobs/extra.ts', "import { LegacyCache } from '../legacy/cache';\nexport const extra = new LegacyCache();\n");
        await index.fileChangedOnDisk('src/jobs/extra.ts');
        await index.whenIdle();
        assert.ok(index.hasFile('src/jobs/extra.ts'));
        assert.deepEqual(usagesOf(index, 'src/jobs/extra.ts'), ['1 import LegacyCache', '2 new LegacyCache']);
        assert.deepEqual(events.take(), ['src/jobs/extra.ts']);
      });
    });

    it('a deleted file leaves the index and its importers are re-analysed', async () => {
      await withIndex({ 'src/shared.ts': sharedText, 'src/consumer.ts': consumerText }, async ({ root, index, events }) => {
        unlinkSync(join(root, 'src', 'shared.ts'));
        await index.fileChangedOnDisk('src/shared.ts');
        await index.whenIdle();
        assert.equal(index.hasFile('src/shared.ts'), false);
        assert.equal(index.analysisOf('src/shared.ts'), undefined);
        assert.deepEqual(usagesOf(index, 'src/consumer.ts') ?? [], []);
        assert.deepEqual(events.take(), ['src/consumer.ts', 'src/shared.ts']);
        assert.deepEqual(index.graph.dependents('src/shared.ts'), []);
      });
    });

    it('a renamed file (delete + create) moves its analysis, and imports follow the file', async () => {
      await withIndex({ 'src/shared.ts': sharedText, 'src/consumer.ts': consumerText }, async ({ root, index, events }) => {
        const move = async (from: string, to: string): Promise<void> => {
          renameSync(join(root, from), join(root, to));
          await index.fileChangedOnDisk(from);
          await index.fileChangedOnDisk(to);
          await index.whenIdle();
        };
        await move('src/shared.ts', 'src/shared-cache.ts');
        assert.equal(index.hasFile('src/shared.ts'), false);
        assert.equal(index.analysisOf('src/shared.ts'), undefined);
        assert.deepEqual(usagesOf(index, 'src/shared-cache.ts'), ['1 import createCache', '2 call createCache']);
        // consumer.ts still imports './shared', which no longer exists.
        assert.deepEqual(usagesOf(index, 'src/consumer.ts') ?? [], []);
        assert.deepEqual(events.take(), ['src/consumer.ts', 'src/shared-cache.ts', 'src/shared.ts']);

        await move('src/shared-cache.ts', 'src/shared.ts');
        assert.deepEqual(usagesOf(index, 'src/shared.ts'), ['1 import createCache', '2 call createCache']);
        assert.deepEqual(usagesOf(index, 'src/consumer.ts'), ['2 member LegacyCache.stop']);
        assert.deepEqual(index.graph.dependencies('src/consumer.ts'), ['src/shared.ts']);
      });
    });
  });

  describe('spec changes', () => {
    const files = {
      'src/a.ts': [importCreate, 'createCache().stop();', ''].join('\n'),
      'src/b.ts': ["import { LegacyCache } from './legacy/cache';", 'new LegacyCache().stop();', ''].join('\n'),
    };
    const stopRules = (index: WorkspaceIndex): string[] =>
      ['src/a.ts', 'src/b.ts'].map((f) => `${f} ${index.analysisOf(f)?.usages.find((u) => u.member === 'stop')?.rule?.kind}`);

    it('an invalid spec keeps the last good one in use and reports its problems', async () => {
      await withIndex(files, async ({ index, events }) => {
        const before = { a: usagesOf(index, 'src/a.ts'), b: usagesOf(index, 'src/b.ts') };
        await index.specChanged(JSON.stringify(edgeSpec).slice(0, -1));
        await index.whenIdle();
        assert.equal(index.currentSpec()?.id, 'edge');
        assert.deepEqual(
          index.specProblems().map((p) => `${p.severity} ${p.message}`),
          ['error Invalid JSON: close brace expected.'],
        );
        assert.equal(index.status().specErrors, 1);
        assert.equal(events.specChanges(), 1);
        assert.deepEqual({ a: usagesOf(index, 'src/a.ts'), b: usagesOf(index, 'src/b.ts') }, before);

        // A spec that parses but does not validate is kept out the same way.
        await index.specChanged(JSON.stringify({ ...edgeSpec, legacy: undefined }));
        await index.whenIdle();
        assert.equal(index.currentSpec()?.legacy.modules[0], 'src/legacy/cache.ts');
        assert.deepEqual(
          index.specProblems().map((p) => p.path),
          ['legacy'],
        );
        assert.deepEqual({ a: usagesOf(index, 'src/a.ts'), b: usagesOf(index, 'src/b.ts') }, before);
      });
    });

    it('a valid spec change re-analyses every file', async () => {
      await withIndex(files, async ({ index, events }) => {
        assert.deepEqual(stopRules(index), ['src/a.ts rename', 'src/b.ts rename']);
        const spec = JSON.parse(JSON.stringify(edgeSpec)) as { members: { LegacyCache: Record<string, unknown> } };
        spec.members.LegacyCache.stop = { manual: 'Call shutdown() and await it.' };
        await index.specChanged(JSON.stringify(spec));
        await index.whenIdle();
        assert.deepEqual(index.specProblems(), []);
        assert.deepEqual(stopRules(index), ['src/a.ts manual', 'src/b.ts manual']);
        assert.deepEqual(events.take(), ['src/a.ts', 'src/b.ts']);
      });
    });

    it('a spec naming another legacy module brings its importers in', async () => {
      const old =
        'export class LegacyCache { stop(): void {} }\nexport function createCache(): LegacyCache { return new LegacyCache(); }\n';
      await withIndex(
        { 'src/old.ts': old, 'src/uses-old.ts': "import { createCache } from './old';\ncreateCache().stop();\n" },
        async ({ index, events }) => {
          assert.equal(index.analysisOf('src/uses-old.ts'), undefined);
          await index.specChanged(
            JSON.stringify({ ...edgeSpec, legacy: { ...edgeSpec.legacy, modules: ['src/legacy/cache.ts', 'src/old.ts'] } }),
          );
          await index.whenIdle();
          assert.deepEqual(usagesOf(index, 'src/uses-old.ts'), ['1 import createCache', '2 call createCache', '2 member LegacyCache.stop']);
          assert.deepEqual(events.take(), ['src/uses-old.ts']);
        },
      );
    });

    it('the spec file changing on disk is read again', async () => {
      await withIndex(files, async ({ index, write }) => {
        write('.stepwise/migration.json', JSON.stringify({ ...edgeSpec, legacy: { ...edgeSpec.legacy, exports: ['LegacyCache'] } }));
        await index.fileChangedOnDisk('.stepwise/migration.json');
        await index.whenIdle();
        assert.deepEqual(index.currentSpec()?.legacy.exports, ['LegacyCache']);
        assert.deepEqual(
          (usagesOf(index, 'src/a.ts') ?? []).filter((u) => u.includes('createCache')),
          [],
        );
        assert.deepEqual(usagesOf(index, 'src/b.ts'), ['1 import LegacyCache', '2 new LegacyCache', '2 member LegacyCache.stop']);
      });
    });
  });

  describe('what is never indexed', () => {
    /** A file using the legacy API, importing it relatively from wherever it is. */
    const usageIn = (rel: string): string => {
      const specifier = posix.relative(posix.dirname(rel), 'src/legacy/cache');
      return `import { createCache } from '${specifier.startsWith('.') ? specifier : `./${specifier}`}';\nexport const c = createCache();\n`;
    };
    const files = Object.fromEntries([
      ['.gitignore', 'generated/\n*.gen.ts\n'],
      ['src/lib/.gitignore', 'out/\n'],
      ...[
        'src/ok.ts',
        'src/generated/a.ts',
        'src/b.gen.ts',
        'src/lib/out/c.ts',
        'src/skip/d.ts',
        'node_modules/pkg/index.ts',
        'src/vendor/node_modules/dep/index.ts',
      ].map((rel) => [rel, usageIn(rel)]),
    ]) as Record<string, string>;
    const indexed = ['src/legacy/cache.ts', 'src/next/cache.ts', 'src/ok.ts'];

    it('.gitignore (at any level), exclude globs and node_modules stay out of the first scan', async () => {
      await withIndex(
        files,
        ({ index }) => {
          assert.deepEqual(index.sourceFiles(), indexed);
          assert.deepEqual(
            index.allAnalyses().map((a) => a.path),
            ['src/ok.ts'],
          );
        },
        { exclude: ['src/skip/**'] },
      );
    });

    it('files appearing later in those places stay out too (watcher events and opened documents)', async () => {
      await withIndex(
        files,
        async ({ index, events, write }) => {
          const later = [
            'src/generated/new.ts',
            'src/new.gen.ts',
            'src/lib/out/new.ts',
            'src/skip/new.ts',
            'node_modules/pkg/new.ts',
            'src/vendor/node_modules/dep/new.ts',
          ];
          for (const rel of later) {
            write(rel, usageIn(rel));
            await index.fileChangedOnDisk(rel);
          }
          for (const rel of Object.keys(files).filter((f) => !f.endsWith('.gitignore') && f !== 'src/ok.ts')) {
            index.setDocument(rel, `${usageIn(rel)}// edited\n`, 1);
          }
          await index.whenIdle();
          assert.deepEqual(index.sourceFiles(), indexed);
          assert.deepEqual(
            index.allAnalyses().map((a) => a.path),
            ['src/ok.ts'],
          );
          assert.deepEqual(events.take(), []);
        },
        { exclude: ['src/skip/**'] },
      );
    });

    it('changing the exclude globs or a .gitignore rescans', async () => {
      await withIndex(
        { 'src/ok.ts': usageIn('src/ok.ts'), 'src/skip/d.ts': usageIn('src/skip/d.ts') },
        async ({ index, events, write }) => {
          assert.deepEqual(
            index.allAnalyses().map((a) => a.path),
            ['src/ok.ts'],
          );
          await index.setExclude([]);
          await index.whenIdle();
          assert.deepEqual(
            index.allAnalyses().map((a) => a.path),
            ['src/ok.ts', 'src/skip/d.ts'],
          );
          assert.deepEqual(events.take(), ['src/skip/d.ts']);

          write('.gitignore', 'ok.ts\n');
          await index.fileChangedOnDisk('.gitignore');
          await index.whenIdle();
          assert.equal(index.hasFile('src/ok.ts'), false);
          assert.deepEqual(
            index.allAnalyses().map((a) => a.path),
            ['src/skip/d.ts'],
          );
          assert.deepEqual(events.take(), ['src/ok.ts']);
        },
        { exclude: ['src/skip/**'] },
      );
    });
  });
});
