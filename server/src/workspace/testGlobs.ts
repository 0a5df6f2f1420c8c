import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FileContext } from '../spec/types';

/**
 * The test files as the project's own test runner names them: mocha's `spec` (in `.mocharc.json`,
 * `.mocharc.jsonc`, `.mocharc.yml`/`.yaml` or package.json's `mocha`), jest's `testMatch` (in
 * package.json's `jest` or `jest.config.json`). Undefined when no runner config names them, or
 * when the config cannot be read (the usual names apply then).
 */
export function runnerTestGlobs(root: string): FileContext | undefined {
  const read = (name: string): string | undefined => {
    const file = path.join(root, name);
    try {
      return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    } catch {
      return undefined;
    }
  };
  const json = (name: string): Record<string, unknown> | undefined => {
    const text = read(name);
    if (text === undefined) return undefined;
    try {
      // .mocharc.jsonc may carry comments; whole-line ones are the usual kind.
      const parsed: unknown = JSON.parse(text.replace(/^\s*\/\/.*$/gm, ''));
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  const globsOf = (value: unknown): string[] =>
    (Array.isArray(value) ? value : [value])
      .filter((v): v is string => typeof v === 'string' && v.trim() !== '')
      .map((g) => g.replace(/^\.\//, '').replace(/^<rootDir>\//, ''));
  const found = (globs: string[], from: string): FileContext | undefined => (globs.length > 0 ? { globs, from } : undefined);

  for (const name of ['.mocharc.json', '.mocharc.jsonc']) {
    const config = json(name);
    if (config && 'spec' in config) return found(globsOf(config.spec), `the test runner's spec in ${name}`);
  }
  for (const name of ['.mocharc.yml', '.mocharc.yaml']) {
    const text = read(name);
    if (text === undefined) continue;
    const inline = /^spec:\s*['"]?([^'"\n#[]+?)['"]?\s*$/m.exec(text);
    if (inline) return found([inline[1].trim()].flatMap(globsOf), `the test runner's spec in ${name}`);
    const listed = /^spec:\s*\n((?:\s+-\s*.+\n?)+)/m.exec(text);
    if (listed)
      return found(
        listed[1]
          .split('\n')
          .map((line) =>
            line
              .replace(/^\s+-\s*/, '')
              .replace(/^['"]|['"]$/g, '')
              .trim(),
          )
          .filter(Boolean),
        `the test runner's spec in ${name}`,
      );
  }
  const pkg = json('package.json');
  const mocha = pkg?.mocha as Record<string, unknown> | undefined;
  if (mocha && 'spec' in mocha) return found(globsOf(mocha.spec), "the test runner's spec in package.json");
  const jest = (pkg?.jest as Record<string, unknown> | undefined) ?? json('jest.config.json');
  if (jest && 'testMatch' in jest) return found(globsOf(jest.testMatch), "jest's testMatch");
  return undefined;
}
