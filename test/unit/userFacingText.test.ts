// Every sentence the demo shows a person, gathered from what the CLI prints (the same core feeds
// the diagnostics, the checklist and the report): analyze, plan, each file's dossier, the adapter
// that scaffold-adapter writes (its header comment), a real migration and the report after it.
// None may carry a template placeholder (`{args}`, `{receiver}`) or an empty enumeration
// ("Re-exports ; every file…"), and no raw ISO time may reach the sentences people read.
import * as assert from 'node:assert/strict';
import { cli, jsonOf } from '../support/cliRun';
import { prepareWorkspace, removeWorkspace } from '../support/workspace';

/** Problems in one sentence, or [] when it reads right. */
function textProblems(text: string): string[] {
  const problems: string[] = [];
  const placeholder = /\{[A-Za-z_][A-Za-z0-9_]*\}/.exec(text);
  if (placeholder) problems.push(`placeholder ${placeholder[0]}`);
  // Something empty was interpolated: a space before punctuation, "()" that is no call, ": ." …
  if (/[^\s|] +[;,.:](\s|$)/.test(text)) problems.push('empty enumeration (space before punctuation)');
  if (/(^|[^\w$.\])])\(\s*\)/.test(text)) problems.push('empty parentheses');
  if (/:\s*[.;,]/.test(text)) problems.push('nothing after a colon');
  if (/\b(undefined|NaN|null)\b(?![`'(])/.test(text) && !/`[^`]*\b(undefined|null)\b[^`]*`/.test(text))
    problems.push('undefined, null or NaN in a sentence');
  if (/\[object Object\]/.test(text)) problems.push('[object Object]');
  if (/\d{4}-\d\d-\d\dT\d\d:\d\d/.test(text)) problems.push('a raw ISO time');
  return problems;
}

/** Every string in a JSON value that reads as a sentence (code snippets and ids excluded). */
function sentencesIn(value: unknown, key = ''): string[] {
  if (typeof value === 'string') return /\s/.test(value) && !['text', 'command', 'tail'].includes(key) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((v) => sentencesIn(v, key));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => sentencesIn(v, k));
  return [];
}

describe('text a person reads', () => {
  describe('the checker', () => {
    const cases: [string, string[]][] = [
      ['Calls the legacy getCacheInstance(). The new API: CacheFactory.forWebApp().', []],
      ['The new API: CacheFactory.forWebApp({args}).', ['placeholder {args}']],
      ['(await {receiver}.getKeys()).length', ['placeholder {receiver}']],
      ['Re-exports ; every file importing it through here changes.', ['empty enumeration (space before punctuation)']],
      ['Imports legacy  from src/core.', []],
      ['Observing until 2026-12-02T11:10:11.237Z.', ['a raw ISO time']],
      ['Observing until 2026-12-02 11:10 (UTC).', []],
      ['1 incompatible member use: size().', []],
    ];
    for (const [text, expected] of cases) it(JSON.stringify(text), () => assert.deepEqual(textProblems(text), expected));
  });

  describe('on the demo workspace', function () {
    this.timeout(120_000);
    let ws: string;
    const sentences: { where: string; text: string }[] = [];
    const collect = (where: string, texts: string[]): void => {
      for (const text of texts) sentences.push({ where, text });
    };

    before(async () => {
      ws = await prepareWorkspace('demo');
      const analyze = await cli('analyze', '--json', '--root', ws);
      assert.equal(analyze.code, 0, analyze.stderr);
      const report = jsonOf<{ files: { path: string }[]; plan: string[] }>(analyze);
      collect('analyze', sentencesIn(report));
      const plan = await cli('plan', '--json', '--root', ws);
      collect('plan', sentencesIn(jsonOf(plan)));
      for (const file of report.files) {
        const dossier = await cli('dossier', file.path, '--json', '--root', ws);
        collect(`dossier ${file.path}`, sentencesIn(jsonOf(dossier)));
      }
      const adapter = await cli('scaffold-adapter', '--dry-run', '--root', ws);
      assert.equal(adapter.code, 0, adapter.stderr);
      // The header comment and the notes printed with it.
      collect(
        'adapter header',
        adapter.stdout
          .split('\n')
          .filter((line) => /^\+?\s*\*\s/.test(line) || /^[A-Z]/.test(line))
          .map((line) => line.replace(/^\+?\s*\*\s?/, '')),
      );
      // A real migration (no verification: its commands are not what this test is about), then
      // what the workflow says about it.
      const migrate = await cli('migrate', report.plan[0], '--no-verify', '--root', ws);
      assert.equal(migrate.code, 0, migrate.stderr);
      collect('migrate', migrate.stdout.split('\n'));
      const status = await cli('status', '--root', ws);
      collect('status', status.stdout.split('\n'));
      const markdown = await cli('report', '--root', ws);
      collect(
        'report',
        markdown.stdout.split('\n').filter((line) => !line.startsWith('|')),
      );
    });
    after(async () => {
      if (ws) await removeWorkspace(ws);
    });

    it('gathers what the demo shows', () => {
      assert.ok(sentences.length > 200, `${sentences.length} sentences`);
      assert.ok(sentences.some((s) => s.where === 'adapter header' && /stays on the legacy implementation|→/.test(s.text)));
    });

    it('has no placeholder, empty enumeration or raw ISO time in any of it', () => {
      const bad = sentences
        .map((s) => ({ ...s, problems: textProblems(s.text) }))
        .filter((s) => s.problems.length > 0)
        .map((s) => `${s.where}: ${s.problems.join(', ')}: ${s.text}`);
      assert.deepEqual(bad, []);
    });
  });
});
