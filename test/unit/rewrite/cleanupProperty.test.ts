// Property: whatever mix of legacy calls a file holds — constructions, factory calls, renamed and
// replaced members, nested in each other's arguments and receivers, in types — the cleanup rewrite
// never produces overlapping edits, its result parses and type-checks (the edit check refuses
// anything else), and a second cleanup of the result finds nothing left to rewrite.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeCleanupEdit } from '../../../server/src/operations/cleanupEdit';
import { applyTextChanges } from '../../../server/src/rewrite/textChange';
import { seededRandom } from '../../support/random';
import { openIndex, writeWorkspace } from '../../support/tempWorkspace';
import { rmSync } from 'node:fs';

/** A random expression that evaluates to a LegacyCache, up to `depth` levels of nesting. */
function cacheExpression(random: () => number, depth: number, names: string[]): string {
  const pick = Math.floor(random() * (depth > 0 ? 5 : 3));
  switch (pick) {
    case 0:
      return names.length > 0 ? names[Math.floor(random() * names.length)] : `new LegacyCache('n')`;
    case 1:
      return `new LegacyCache('${String.fromCharCode(97 + Math.floor(random() * 26))}')`;
    case 2:
      return 'createCache()';
    case 3:
      return `new LegacyCache(${cacheExpression(random, depth - 1, names)}.name)`;
    default:
      return `createCache(${cacheExpression(random, depth - 1, names)}.name)`;
  }
}

/** A random statement using the legacy API (inside an async function). */
function statement(random: () => number, names: string[], i: number): string {
  const target = cacheExpression(random, 2, names);
  switch (Math.floor(random() * 7)) {
    case 0: {
      const name = `c${i}`;
      names.push(name);
      return `const ${name}: LegacyCache = ${target};`;
    }
    case 1:
      return `${target}.stop();`;
    case 2:
      return `total += await ${target}.size();`;
    case 3:
      return `total += (await ${target}.size()) + (await ${cacheExpression(random, 1, names)}.size());`;
    case 4:
      return `${target}.set('k${i}', ${cacheExpression(random, 1, names)}.get('k'));`;
    case 5:
      return `list.push(${target});`;
    default:
      return `void [${target}, ${cacheExpression(random, 1, names)}].map((c: LegacyCache) => c.get('x'));`;
  }
}

function randomFile(seed: number): string {
  const random = seededRandom(seed);
  const names: string[] = [];
  const body = Array.from({ length: 3 + Math.floor(random() * 6) }, (_, i) => `  ${statement(random, names, i)}`);
  return [
    "import { LegacyCache, createCache } from './legacy/cache';",
    '',
    `export async function run${seed}(): Promise<number> {`,
    '  let total = 0;',
    '  const list: LegacyCache[] = [];',
    ...body,
    '  return total + list.length;',
    '}',
    '',
  ].join('\n');
}

describe('the cleanup rewrite on random mixes of legacy calls (property)', function () {
  this.timeout(180_000);
  const seeds = Array.from({ length: 40 }, (_, i) => 1000 + i * 7919);

  it('never overlaps, type-checks, and is idempotent', async () => {
    const files = Object.fromEntries(seeds.map((seed) => [`src/app${seed}.ts`, randomFile(seed)]));
    const root = writeWorkspace(files);
    try {
      let index = await openIndex(root);
      const after = new Map<string, string>();
      for (const seed of seeds) {
        const rel = `src/app${seed}.ts`;
        const edit = computeCleanupEdit(index, rel);
        assert.equal(edit.error, undefined, `seed ${seed}:\n${files[rel]}\n${edit.error ?? ''}`);
        const change = edit.files.find((f) => f.path === rel);
        assert.ok(change, `seed ${seed}: the file is changed`);
        // Throws on overlapping changes.
        after.set(rel, applyTextChanges(files[rel], change.changes));
      }
      for (const [rel, text] of after) {
        assert.doesNotMatch(text, /LegacyCache|createCache|\.stop\(\)|\.size\(\)/, `${rel} keeps no old name:\n${text}`);
        writeFileSync(join(root, ...rel.split('/')), text);
      }
      index.dispose();
      index = await openIndex(root);
      for (const rel of after.keys()) {
        const again = computeCleanupEdit(index, rel);
        assert.match(
          again.error ?? '',
          /no longer uses the old API; there is nothing to rewrite\.$/,
          `${rel}: ${again.error ?? 'changed again'}`,
        );
        assert.equal(index.errorCountOf(rel), 0, `${rel} type-checks:\n${after.get(rel) ?? ''}`);
      }
      index.dispose();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
