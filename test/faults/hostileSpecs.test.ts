// The hostile spec corpus (test/fixtures/hostile/specs: each file says on its first line which
// problem it must get, at which JSON path) and structure-aware fuzzing of a valid spec: whatever
// the text, validation never throws, and a refused spec always gets a positioned message.
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseSpec } from '../../server/src/spec/validate';
import type { SpecEnvironment } from '../../server/src/spec/validate';
import { WorkspacePaths } from '../../server/src/workspace/paths';
import { getFixtureDir } from '../support/workspace';
import { seededRandom } from '../support/random';

const corpus = join(getFixtureDir('hostile'), 'specs');
const demoSpec = readFileSync(join(getFixtureDir('demo'), '.stepwise', 'migration.json'), 'utf8');
/** Every file exists: only the shape and the paths' confinement are judged. */
const anything: SpecEnvironment = { fileExists: () => true, packageExists: () => true };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const strange: Json[] = [
  null,
  true,
  0,
  -1,
  1e308,
  -0,
  '',
  '*/ globalThis.pwned = 1; /*',
  '../../../etc/passwd',
  '/etc/passwd',
  '\u0000\u2028',
  'x'.repeat(100_000),
  '(a+)+$',
  [],
  [[[[[[[[]]]]]]]],
  {},
  { __proto__: { polluted: true } },
  { constructor: { prototype: { polluted: true } } },
];

/** One structural change somewhere in the tree: delete, replace with something strange, duplicate, nest. */
function mutate(value: Json, next: () => number, depth = 0): Json {
  const pick = <T>(list: T[]): T => list[Math.floor(next() * list.length)];
  if (value === null || typeof value !== 'object' || (depth > 0 && next() < 0.3)) return pick(strange);
  if (Array.isArray(value)) {
    const copy = [...value];
    if (copy.length === 0 || next() < 0.2) copy.push(pick(strange));
    else {
      const i = Math.floor(next() * copy.length);
      copy[i] = mutate(copy[i], next, depth + 1);
    }
    return copy;
  }
  const copy: Record<string, Json> = { ...value };
  const keys = Object.keys(copy);
  const roll = next();
  if (keys.length === 0 || roll < 0.1) copy[pick(['unknown', '__proto__', 'constructor', 'preset', 'id'])] = pick(strange);
  else if (roll < 0.25) delete copy[pick(keys)];
  else {
    const key = pick(keys);
    copy[key] = mutate(copy[key], next, depth + 1);
  }
  return copy;
}

function assertPositioned(text: string, label: string): void {
  let result: ReturnType<typeof parseSpec>;
  try {
    result = parseSpec(text, anything);
  } catch (error) {
    assert.fail(`${label}: validation threw ${(error as Error).stack}`);
  }
  if (result.spec) return;
  const errors = result.problems.filter((p) => p.severity === 'error');
  assert.ok(errors.length > 0, `${label}: refused without a message`);
  const lines = text.split('\n').length;
  for (const p of errors) {
    assert.ok(p.message.trim().length > 0, `${label}: an empty message`);
    assert.ok(
      p.line >= 1 && p.line <= lines && p.column >= 1,
      `${label}: ${p.message} is not positioned in the text (${p.line}:${p.column})`,
    );
    assert.ok(p.offset >= 0 && p.offset <= text.length, `${label}: offset ${p.offset} outside the text`);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined, `${label}: the prototype was polluted`);
}

describe('hostile specs (test/fixtures/hostile/specs)', () => {
  const files = readdirSync(corpus).filter((f) => f.endsWith('.jsonc'));

  it('has cases', () => assert.ok(files.length >= 10, files.join(', ')));

  for (const file of files) {
    it(`${file}: refused with the problem it names, at its JSON path`, () => {
      const text = readFileSync(join(corpus, file), 'utf8');
      const expect = /^\/\/ expect ([^:]*): ?(.*)$/m.exec(text);
      assert.ok(expect, `${file} has no "// expect path: message" line`);
      const result = parseSpec(text, anything);
      assert.equal(result.spec, undefined, `${file} was accepted`);
      const [, path, message] = expect;
      const found = result.problems.find((p) => p.severity === 'error' && p.path === path && new RegExp(message).test(p.message));
      assert.ok(
        found,
        `${file}: no error at "${path}" matching /${message}/ among ${JSON.stringify(result.problems.map((p) => [p.path, p.message]))}`,
      );
      assertPositioned(text, file);
    });
  }

  it('a file named ..foo.ts at the root is inside the workspace; ../foo.ts is not', () => {
    const paths = new WorkspacePaths('/work/ws');
    assert.equal(paths.contains('/work/ws/..foo.ts'), true);
    assert.equal(paths.contains('/work/ws/src/..hidden/x.ts'), true);
    assert.equal(paths.contains('/work/foo.ts'), false);
    assert.equal(paths.contains('/work/ws'), false);
  });
});

describe('spec fuzzing: structure-aware mutations of the demo spec', () => {
  const valid = JSON.parse(demoSpec) as Json;

  it('500 mutated specs: never a throw, always a positioned message when refused', function () {
    this.timeout(120_000);
    let refused = 0;
    for (let seed = 1; seed <= 500; seed++) {
      const next = seededRandom(seed);
      let spec = valid;
      const changes = 1 + Math.floor(next() * 3);
      for (let i = 0; i < changes; i++) spec = mutate(spec, next);
      const text = JSON.stringify(spec, null, 2);
      assertPositioned(text, `seed ${seed}`);
      if (!parseSpec(text, anything).spec) refused++;
    }
    assert.ok(refused > 100, `only ${refused} of 500 mutations were refused: the mutations are too gentle to test anything`);
  });

  it('200 texts cut short or with bytes flipped: never a throw, always a positioned message when refused', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = seededRandom(seed * 7919);
      let text = demoSpec;
      if (next() < 0.5) text = text.slice(0, Math.floor(next() * text.length));
      else {
        const at = Math.floor(next() * text.length);
        text = text.slice(0, at) + pickChar(next) + text.slice(at + 1);
      }
      assertPositioned(text, `seed ${seed}`);
    }
  });
});

function pickChar(next: () => number): string {
  const chars = ['{', '}', '[', ']', '"', ',', ':', '\\', '\u0000', '\n', '/*', '//', 'ÿ'];
  return chars[Math.floor(next() * chars.length)];
}
