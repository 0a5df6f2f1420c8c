// The `stepwise` command, in-process on copies of the fixtures: the `analyze --json` contract of
// DESIGN.md, plan and dossier, migrate (dry run and for real), the check ratchet, spec and usage
// errors with their exit codes, init; and once through the built dist/cli.js in a child process.
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPatch, parsePatch } from 'diff';
import { parseSpec } from '../../../server/src/spec/validate';
import { cli, fingerprint, jsonOf, withEnv } from '../../support/cliRun';
import { positionAtOffset, positionOf } from '../../support/textPosition';
import { prepareWorkspace, removeWorkspace, repoRoot } from '../../support/workspace';

interface AnalyzeJson {
  summary: { files: number; usages: number; fixable: number };
  files: {
    path: string;
    usages: { line: number; column: number; kind: string; symbol: string; member: string | null; fixable: boolean; message: string }[];
    routingIssues: { line: number; kind: string; message: string }[];
    dependencies: string[];
    dependents: string[];
    risk: { score: number; level: string; reasons: string[] };
  }[];
  plan: string[];
}

const usageKinds = ['import', 'require', 'reexport', 'dynamic-import', 'new', 'call', 'member', 'type'];
const routingKinds = ['reexport', 'dynamic-import', 'computed-member', 'escaping-instance', 'commonjs-interop', 'any-receiver'];
const adapterPath = 'src/core/cache-migration/legacy-adapter.ts';
/** The runtime module the adapter imports, generated beside it. */
const runtimePath = 'src/core/cache-migration/stepwise-runtime.ts';
const keys = (value: object): string[] => Object.keys(value).sort();
const read = (root: string, rel: string): string => readFileSync(join(root, ...rel.split('/')), 'utf8');

/** Runs git in a workspace and returns its output. */
const git = (root: string, ...args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8' });

/** The files whose fingerprint differs between two snapshots (added, removed or changed). */
function changedFiles(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((f) => before[f] !== after[f]).sort();
}

describe('stepwise CLI', () => {
  /** A demo copy the read-only tests share. */
  let demo: string;
  before(async () => {
    demo = await prepareWorkspace('demo', { git: false });
  });
  after(async () => {
    await removeWorkspace(demo);
  });

  describe('analyze --json', () => {
    let report: AnalyzeJson;
    before(async () => {
      const result = await cli('analyze', '--json', '--root', demo);
      assert.equal(result.code, 0, result.stderr);
      report = jsonOf<AnalyzeJson>(result);
    });

    it('has the DESIGN.md shape, plus shapes', () => {
      assert.deepEqual(keys(report), ['configuration', 'files', 'plan', 'summary']);
      assert.deepEqual(keys(report.summary), ['files', 'fixable', 'usages']);
      assert.ok(report.files.length > 0);
      for (const file of report.files) {
        // DESIGN.md's fields, and `shapes` (README): calls whose arguments changed meaning.
        assert.deepEqual(keys(file), ['dependencies', 'dependents', 'path', 'risk', 'routingIssues', 'shapes', 'usages'], file.path);
        assert.ok(Array.isArray((file as unknown as { shapes: unknown[] }).shapes));
        assert.deepEqual(keys(file.risk), ['level', 'reasons', 'score'], file.path);
        assert.ok(['low', 'medium', 'high', 'critical'].includes(file.risk.level));
        assert.ok(file.risk.score >= 0 && file.risk.score <= 1);
        assert.ok(file.risk.reasons.length > 0 && file.risk.reasons.every((r) => typeof r === 'string' && r.length > 0));
        for (const u of file.usages) {
          assert.deepEqual(keys(u), ['column', 'fixable', 'kind', 'line', 'member', 'message', 'symbol'], `${file.path}:${u.line}`);
          assert.ok(usageKinds.includes(u.kind), u.kind);
          assert.ok(u.member === null || typeof u.member === 'string');
          assert.equal(typeof u.fixable, 'boolean');
          assert.ok(u.message.length > 0);
        }
        for (const r of file.routingIssues) {
          assert.deepEqual(keys(r), ['kind', 'line', 'message'], `${file.path}:${r.line}`);
          assert.ok(routingKinds.includes(r.kind), r.kind);
        }
      }
    });

    it('paths are workspace-relative with /, and name real files', () => {
      const all = [...report.files.flatMap((f) => [f.path, ...f.dependencies, ...f.dependents]), ...report.plan];
      for (const p of all) {
        assert.ok(!p.startsWith('/') && !p.startsWith('.') && !p.includes('\\'), p);
        assert.ok(existsSync(join(demo, p)), `${p} exists`);
      }
    });

    it('summary numbers add up', () => {
      const usages = report.files.flatMap((f) => f.usages);
      assert.deepEqual(report.summary, {
        files: report.files.length,
        usages: usages.length,
        fixable: usages.filter((u) => u.fixable).length,
      });
      assert.ok(report.summary.fixable < report.summary.usages, 'values made in other files are not fixable here');
      assert.ok(report.files.every((f) => f.usages.length > 0));
    });

    it('never lists the legacy module, the target or files without usages', () => {
      const paths = report.files.map((f) => f.path);
      for (const p of [
        'src/core/async-cache.ts',
        'src/core/improved-cache/index.ts',
        'src/core/config.ts',
        'src/utils/registry.ts',
        'src/main.ts',
        'src/api/router.ts',
      ]) {
        assert.ok(!paths.includes(p), p);
      }
    });

    it('lines and columns are 1-based (the README usages by line, and each column starts a token)', () => {
      // The fixture README's columns are a hint; line, kind, symbol and member are the contract.
      const expected = [
        'src/api/sessions.ts 3 import getCacheInstance',
        'src/api/sessions.ts 13 call getCacheInstance',
        'src/llm/embedding-cache.ts 4 import AsyncTTLCache',
        'src/llm/embedding-cache.ts 9 new AsyncTTLCache',
        'src/llm/embedding-cache.ts 21 member AsyncTTLCache.size',
        'src/services/rate-limiter.ts 4 import *',
        'src/services/rate-limiter.ts 7 new AsyncTTLCache',
        'src/services/shutdown.ts 11 member AsyncTTLCache.stop',
        'src/jobs/warmup-job.ts 12 dynamic-import getCacheInstance',
        'src/jobs/cleanup-job.ts 12 type AsyncTTLCache',
        'src/core/index.ts 7 reexport AsyncTTLCache',
        'src/core/cache-hierarchy.ts 47 member AsyncTTLCache.size',
      ];
      const found = new Set(
        report.files.flatMap((f) =>
          f.usages.map((u) => `${f.path} ${u.line} ${u.kind} ${u.member ? `${u.symbol}.${u.member}` : u.symbol}`),
        ),
      );
      assert.deepEqual(
        expected.filter((e) => !found.has(e)),
        [],
      );

      for (const file of report.files) {
        const lines = read(demo, file.path).split(/\r?\n/);
        for (const u of file.usages) {
          const line = lines[u.line - 1];
          assert.ok(line !== undefined, `${file.path}:${u.line} is a line of the file`);
          const at = line.slice(u.column - 1);
          const where = `${file.path}:${u.line}:${u.column} ${u.kind} in "${line}"`;
          assert.match(at, /^[A-Za-z_$*]/, where);
          assert.doesNotMatch(line.slice(0, u.column - 1), /[A-Za-z0-9_$]$/, `${where}: starts mid-token`);
          if (u.kind === 'member' && u.member) assert.ok(at.startsWith(u.member), where);
        }
      }
    });

    it('routing issues carry their 1-based line', () => {
      const found = new Set(report.files.flatMap((f) => f.routingIssues.map((r) => `${f.path} ${r.line} ${r.kind}`)));
      const expected = [
        'src/core/index.ts 7 reexport',
        'src/services/shared-cache.ts 6 escaping-instance',
        'src/api/admin.ts 9 computed-member',
        'src/jobs/warmup-job.ts 12 dynamic-import',
        'test/health-service.test.ts 13 escaping-instance',
        'test/health-service.test.ts 23 escaping-instance',
      ];
      assert.deepEqual(
        expected.filter((e) => !found.has(e)),
        [],
      );
    });

    it('dependencies and dependents come from the import graph', () => {
      const sessions = report.files.find((f) => f.path === 'src/api/sessions.ts');
      assert.ok(sessions);
      assert.ok(sessions.dependencies.includes('src/core/index.ts'), JSON.stringify(sessions.dependencies));
      assert.ok(sessions.dependencies.includes('src/utils/strings.ts'));
      assert.deepEqual(sessions.dependents, ['src/api/router.ts', 'test/sessions.test.ts']);
      const embedding = report.files.find((f) => f.path === 'src/llm/embedding-cache.ts');
      assert.deepEqual(embedding?.dependents, []);
    });

    it('the plan holds files with their own legacy imports, lowest risk first', () => {
      const riskOf = new Map(report.files.map((f) => [f.path, f.risk.score]));
      assert.ok(
        report.plan.every((p) => riskOf.has(p)),
        'every plan entry is an analysed file',
      );
      const scores = report.plan.map((p) => riskOf.get(p) as number);
      assert.deepEqual(
        scores,
        [...scores].sort((a, b) => a - b),
      );
      for (const p of ['src/api/sessions.ts', 'src/llm/embedding-cache.ts', 'src/core/index.ts']) assert.ok(report.plan.includes(p), p);
      // Their legacy values come from src/services/shared-cache.ts: they change when it moves.
      for (const p of ['src/services/shutdown.ts', 'src/api/admin.ts']) assert.ok(!report.plan.includes(p), p);
      assert.equal(report.plan[report.plan.length - 1], 'src/core/cache-hierarchy.ts');
    });

    it('plan --json agrees with analyze', async () => {
      const result = await cli('plan', '--json', '--root', demo);
      assert.equal(result.code, 0, result.stderr);
      const plan = jsonOf<{ plan: string[]; entries: { path: string; risk: { score: number }; usages: number }[] }>(result);
      assert.deepEqual(plan.plan, report.plan);
      assert.deepEqual(
        plan.entries.map((e) => e.path),
        report.plan,
      );
      for (const entry of plan.entries) {
        const file = report.files.find((f) => f.path === entry.path);
        assert.deepEqual({ score: entry.risk.score, usages: entry.usages }, { score: file?.risk.score, usages: file?.usages.length });
      }
    });
  });

  describe('dossier', () => {
    it('FILE --json: graph, tests, use cases with their text and a rollback plan', async () => {
      const result = await cli('dossier', 'src/api/sessions.ts', '--json', '--root', demo);
      assert.equal(result.code, 0, result.stderr);
      const d = jsonOf<{
        path: string;
        dependents: string[];
        coveredBy: string[];
        useCases: { line: number; kind: string; text: string }[];
        rollback: { steps: string[]; recheck: string[] };
      }>(result);
      assert.equal(d.path, 'src/api/sessions.ts');
      assert.deepEqual(d.dependents, ['src/api/router.ts', 'test/sessions.test.ts']);
      assert.deepEqual(d.coveredBy, ['test/sessions.test.ts']);
      const lines = read(demo, 'src/api/sessions.ts').split('\n');
      assert.deepEqual(
        d.useCases.filter((u) => u.kind !== 'member').map((u) => `${u.line} ${u.kind} ${u.text}`),
        [`3 import ${lines[2].trim()}`, `13 call ${lines[12].trim()}`],
      );
      const steps = d.rollback.steps.join('\n');
      assert.match(steps, /src\/api\/sessions\.ts/);
      assert.match(steps, /STEPWISE_FLAG_ASYNC_TTL_CACHE_TO_IMPROVED=legacy/);
      assert.ok(steps.includes(adapterPath), 'the first migration creates the adapter');
      assert.deepEqual(d.rollback.recheck, ['src/api/router.ts', 'test/sessions.test.ts']);
    });

    it('FILE in text: the headings a person reads', async () => {
      const result = await cli('dossier', 'src/llm/embedding-cache.ts', '--root', demo);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^src\/llm\/embedding-cache\.ts: low risk \(0\.\d\d\)$/m);
      for (const heading of ['Use cases:', 'Routing issues:', 'Rollback plan:']) assert.ok(result.stdout.includes(heading), heading);
      assert.match(result.stdout, /Imported by: nothing/);
    });

    it('a file without legacy usages exits 2 and says so', async () => {
      const result = await cli('dossier', 'src/core/config.ts', '--root', demo);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /src\/core\/config\.ts does not use the legacy API\./);
    });
  });

  it('a switch written with a value means what the value says, for every switch (--json=false is no --json)', async () => {
    const off = await cli('plan', '--json=false', '--root', demo);
    assert.equal(off.code, 0, off.stderr);
    assert.throws(() => JSON.parse(off.stdout) as unknown, 'text, not JSON');
    const on = await cli('plan', '--json=true', '--root', demo);
    assert.equal(on.code, 0, on.stderr);
    assert.ok(Array.isArray((JSON.parse(on.stdout) as { plan: unknown }).plan));
  });

  describe('usage errors exit 2 with a sentence', () => {
    const elsewhere = join(tmpdir(), 'stepwise-elsewhere.ts');
    const cases: { name: string; argv: (root: string) => string[]; stderr: RegExp }[] = [
      { name: 'an unknown command', argv: (r) => ['frobnicate', '--root', r], stderr: /Unknown command "frobnicate"/ },
      { name: 'an unknown option', argv: (r) => ['analyze', '--frob', '--root', r], stderr: /Unknown option --frob\./ },
      { name: 'an option that needs a value', argv: () => ['analyze', '--root'], stderr: /--root needs a value\./ },
      {
        name: 'a switch with a value that is not true or false',
        argv: (r) => ['analyze', '--trust=maybe', '--root', r],
        stderr: /--trust is a switch: write --trust, --trust=true or --trust=false, not --trust=maybe\./,
      },
      { name: 'a missing root folder', argv: (r) => ['analyze', '--root', join(r, 'nope')], stderr: /The folder .*nope does not exist\./ },
      { name: 'a command that needs a FILE', argv: (r) => ['migrate', '--root', r], stderr: /This command needs a FILE/ },
      {
        name: 'a FILE outside the workspace (absolute)',
        argv: (r) => ['dossier', elsewhere, '--root', r],
        stderr: /stepwise-elsewhere\.ts is outside the workspace /,
      },
      {
        name: 'a FILE outside the workspace (relative)',
        argv: (r) => ['migrate', '../outside.ts', '--root', r],
        stderr: /\.\.\/outside\.ts is outside the workspace /,
      },
      {
        name: 'a FILE that does not exist',
        argv: (r) => ['migrate', 'src/missing.ts', '--root', r],
        stderr: /src\/missing\.ts is not a source file Stepwise indexes/,
      },
      {
        name: 'a FILE Stepwise does not index (declarations)',
        argv: (r) => ['dossier', 'types/node-builtins.d.ts', '--root', r],
        stderr: /types\/node-builtins\.d\.ts is not a source file Stepwise indexes/,
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const result = await cli(...c.argv(demo));
        assert.equal(result.code, 2, result.stdout);
        assert.match(result.stderr, c.stderr);
        assert.match(result.stderr, /^stepwise: /);
      });
    }

    it('no command prints the usage and exits 2; --help exits 0', async () => {
      const none = await cli();
      assert.equal(none.code, 2);
      assert.match(none.stdout, /^Usage: stepwise <command>/);
      const help = await cli('--help');
      assert.equal(help.code, 0);
      assert.equal(help.stdout, none.stdout);
    });

    it('with --json the error is one JSON document on stdout', async () => {
      const result = await cli('dossier', 'src/missing.ts', '--json', '--root', demo);
      assert.equal(result.code, 2);
      assert.deepEqual(jsonOf(result), {
        error: 'src/missing.ts is not a source file Stepwise indexes (missing, ignored, or not TypeScript/JavaScript).',
        problems: [],
      });
    });
  });

  describe('migrate', () => {
    let ws: string;
    let original: Record<string, string>;
    let patched: Map<string, string>;
    before(async () => {
      ws = await prepareWorkspace('demo', { git: false });
      original = fingerprint(ws);
      patched = new Map();
    });
    after(async () => {
      await removeWorkspace(ws);
    });

    it('FILE --dry-run prints a unified diff and changes no file', async () => {
      const result = await cli('migrate', 'src/api/sessions.ts', '--dry-run', '--root', ws);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(changedFiles(original, fingerprint(ws)), []);
      assert.match(result.stdout, /^--- a\/src\/api\/sessions\.ts$/m);
      assert.match(result.stdout, /^\+\+\+ b\/src\/api\/sessions\.ts$/m);
      assert.match(result.stdout, /^-import \{ config, getCacheInstance, logger \} from '\.\.\/core';$/m);
      assert.match(result.stdout, /^\+import \{ getCacheInstance \} from '\.\.\/core\/cache-migration\/legacy-adapter';$/m);
      assert.match(result.stdout, /^--- \/dev\/null$/m);
      assert.match(result.stdout, new RegExp(`^\\+\\+\\+ b/${adapterPath.replace(/[./]/g, '\\$&')}$`, 'm'));
      // The diff is a real patch: applying it to the files gives what `migrate` will write.
      const patches = parsePatch(result.stdout);
      assert.deepEqual(
        patches.map((p) => p.newFileName),
        ['b/src/api/sessions.ts', `b/${adapterPath}`, `b/${runtimePath}`],
      );
      for (const patch of patches) {
        const rel = (patch.newFileName ?? '').replace(/^b\//, '');
        const after = applyPatch(existsSync(join(ws, rel)) ? read(ws, rel) : '', patch);
        assert.equal(typeof after, 'string', `the patch for ${rel} applies`);
        patched.set(rel, after as string);
      }
    });

    it('--dry-run --json prints the summary and the diff', async () => {
      const result = await cli('migrate', 'src/api/sessions.ts', '--dry-run', '--json', '--root', ws);
      assert.equal(result.code, 0, result.stderr);
      const summary = jsonOf<{ path: string; files: string[]; createsAdapter: boolean; diff: string }>(result);
      assert.deepEqual(
        { path: summary.path, files: summary.files, createsAdapter: summary.createsAdapter },
        { path: 'src/api/sessions.ts', files: ['src/api/sessions.ts', adapterPath, runtimePath], createsAdapter: true },
      );
      assert.match(summary.diff, /^\+\+\+ b\/src\/api\/sessions\.ts$/m);
      assert.deepEqual(changedFiles(original, fingerprint(ws)), []);
    });

    it('FILE refuses a workspace that is not a git repository, and writes nothing', async () => {
      const result = await cli('migrate', 'src/api/sessions.ts', '--root', ws);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /is not in a git repository; Stepwise records each migration as a commit/);
      assert.deepEqual(changedFiles(original, fingerprint(ws)), []);
    });
  });

  describe('migrate in a git repository', () => {
    let ws: string;
    let patched: Map<string, string>;
    before(async () => {
      ws = await prepareWorkspace('demo');
      patched = new Map();
      const dry = await cli('migrate', 'src/api/sessions.ts', '--dry-run', '--root', ws);
      for (const patch of parsePatch(dry.stdout)) {
        const rel = (patch.newFileName ?? '').replace(/^b\//, '');
        patched.set(rel, applyPatch(existsSync(join(ws, rel)) ? read(ws, rel) : '', patch) as string);
      }
    });
    after(async () => {
      await removeWorkspace(ws);
    });

    it('FILE out of plan order asks for --force and a reason, and changes nothing', async () => {
      const original = fingerprint(ws);
      const result = await cli('migrate', 'src/api/sessions.ts', '--no-verify', '--root', ws);
      assert.equal(result.code, 2);
      assert.match(
        result.stderr,
        /2 lower-risk file\(s\) come first in the plan \(src\/jobs\/warmup-job\.ts, src\/services\/rate-limiter\.ts\)/,
      );
      assert.match(result.stderr, /Pass --force --reason "why" to go ahead/);
      assert.deepEqual(changedFiles(original, fingerprint(ws)), []);
    });

    it('FILE commits exactly what the dry run showed, with trailers and the recorded reason', async () => {
      const original = fingerprint(ws);
      const result = await cli(
        'migrate',
        'src/api/sessions.ts',
        '--no-verify',
        '--force',
        '--reason',
        'sessions block the release',
        '--root',
        ws,
      );
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stdout,
        /^Committed [0-9a-f]{8}: src\/api\/sessions\.ts is routed through the adapter \(the adapter was created\)\./,
      );
      assert.deepEqual(changedFiles(original, fingerprint(ws)), ['src/api/sessions.ts', adapterPath, runtimePath].sort());
      assert.equal(read(ws, 'src/api/sessions.ts'), patched.get('src/api/sessions.ts'));
      assert.equal(read(ws, adapterPath), patched.get(adapterPath));
      const message = git(ws, 'log', '-1', '--format=%B');
      assert.match(message, /^stepwise: route src\/api\/sessions\.ts through the adapter/);
      assert.match(message, /^Stepwise-Migration: async-ttl-cache-to-improved$/m);
      assert.match(message, /^Stepwise-File: src\/api\/sessions\.ts$/m);
      assert.match(message, /^Out of plan order: sessions block the release$/m);
      assert.deepEqual(
        git(ws, 'show', '--format=', '--name-only', 'HEAD').trim().split('\n').sort(),
        [adapterPath, runtimePath, 'src/api/sessions.ts'].sort(),
      );
      assert.equal(git(ws, 'status', '--porcelain'), '', 'nothing left uncommitted');
    });

    it('FILE again: refused (exit 2) because it is already migrated, and nothing changes', async () => {
      const before = fingerprint(ws);
      const result = await cli('migrate', 'src/api/sessions.ts', '--root', ws);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /src\/api\/sessions\.ts is already migrated/);
      assert.deepEqual(changedFiles(before, fingerprint(ws)), []);
    });

    it('a second file while one is in flight is refused, naming the file in flight', async () => {
      const result = await cli('migrate', 'src/services/rate-limiter.ts', '--root', ws);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /src\/api\/sessions\.ts is in flight \(migrated\); one file at a time/);
    });

    it('a file whose legacy values come from another file points at that file', async () => {
      const result = await cli('migrate', 'src/services/shutdown.ts', '--root', ws);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /does not import the legacy API itself; its legacy values come from src\/services\/shared-cache\.ts/);
    });
  });

  describe('check (the CI ratchet)', () => {
    let ws: string;
    before(async () => {
      ws = await prepareWorkspace('demo', { git: false });
    });
    after(async () => {
      await removeWorkspace(ws);
    });

    it('exits 1 while there are usages and no ratchet, naming the files', async () => {
      const result = await cli('check', '--root', ws);
      assert.equal(result.code, 1);
      assert.match(result.stdout, /legacy usages in \d+ files \(no ratchet recorded\)/);
      assert.match(result.stdout, /^ {2}src\/llm\/embedding-cache\.ts: \d+$/m);
    });

    it('--update records the ratchet, then check exits 0', async () => {
      const update = await cli('check', '--update', '--root', ws);
      assert.equal(update.code, 0, update.stderr);
      const ratchet = JSON.parse(read(ws, '.stepwise/ratchet.json')) as { usages: number; files: Record<string, number> };
      const analyzed = jsonOf<AnalyzeJson>(await cli('analyze', '--json', '--root', ws));
      assert.equal(ratchet.usages, analyzed.summary.usages);
      assert.deepEqual(ratchet.files, Object.fromEntries(analyzed.files.map((f) => [f.path, f.usages.length])));
      const check = await cli('check', '--root', ws);
      assert.equal(check.code, 0, check.stdout);
      assert.match(check.stdout, /^OK: \d+ legacy usages \(ratchet \d+\)\.$/m);
    });

    it('a new legacy usage makes check exit 1, naming the file', async () => {
      const file = join(ws, 'src', 'utils', 'strings.ts');
      writeFileSync(
        file,
        `${readFileSync(file, 'utf8')}\nimport { AsyncTTLCache } from '../core/async-cache';\nexport const scratch = new AsyncTTLCache();\n`,
      );
      const result = await cli('check', '--root', ws);
      assert.equal(result.code, 1);
      assert.match(result.stdout, /^Legacy usages grew:$/m);
      assert.deepEqual(
        result.stdout.split('\n').filter((l) => l.startsWith('  ')),
        ['  src/utils/strings.ts: 0 → 2'],
      );
      const json = jsonOf<{ ok: boolean; violations: unknown[] }>(await cli('check', '--json', '--root', ws));
      assert.deepEqual(
        { ok: json.ok, violations: json.violations },
        { ok: false, violations: [{ path: 'src/utils/strings.ts', before: 0, now: 2 }] },
      );
    });

    it('--format sarif writes a SARIF 2.1.0 log of the usages in the files that broke the ratchet', async () => {
      const result = await cli('check', '--format', 'sarif', '--root', ws);
      assert.equal(result.code, 1);
      const log = JSON.parse(result.stdout) as {
        version: string;
        runs: {
          tool: { driver: { name: string; rules: { id: string }[] } };
          results: {
            ruleId: string;
            level: string;
            message: { text: string };
            locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
          }[];
        }[];
      };
      assert.equal(log.version, '2.1.0');
      const [run] = log.runs;
      assert.equal(run.tool.driver.name, 'Stepwise');
      assert.deepEqual(
        run.results.map(
          (r) =>
            `${r.locations[0].physicalLocation.artifactLocation.uri}:${r.locations[0].physicalLocation.region.startLine} ${r.ruleId} ${r.level}`,
        ),
        ['src/utils/strings.ts:26 legacy-import error', 'src/utils/strings.ts:27 legacy-new error'],
      );
      assert.match(run.results[0].message.text, /had 0 legacy usages in the ratchet and has 2\./);
      assert.deepEqual(run.tool.driver.rules.map((r) => r.id).sort(), ['legacy-import', 'legacy-new']);
    });

    it('annotates each usage for GitHub Actions, asked for or by itself under GITHUB_ACTIONS', async () => {
      const asked = await cli('check', '--format', 'github', '--root', ws);
      assert.equal(asked.code, 1);
      const annotations = asked.stdout.split('\n').filter((l) => l.startsWith('::error '));
      assert.equal(annotations.length, 2);
      assert.match(
        annotations[0],
        /^::error file=src\/utils\/strings\.ts,line=26,col=\d+,title=Stepwise ratchet%3A legacy-import::Imports legacy AsyncTTLCache/,
      );
      const byItself = await withEnv({ GITHUB_ACTIONS: 'true' }, () => cli('check', '--root', ws));
      assert.deepEqual(
        byItself.stdout.split('\n').filter((l) => l.startsWith('::error ')),
        annotations,
      );
      assert.match(byItself.stdout, /^Legacy usages grew:$/m);
      const wrong = await cli('check', '--format', 'xml', '--root', ws);
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /--format is text, sarif or github, not xml\./);
    });
  });

  describe('spec errors', () => {
    let ws: string;
    let fixtureSpec: string;
    before(async () => {
      ws = await prepareWorkspace('edge/broken-spec', { git: false });
      fixtureSpec = read(ws, '.stepwise/migration.json');
    });
    after(async () => {
      await removeWorkspace(ws);
    });
    const useSpec = (name: string | null): string => {
      const target = join(ws, '.stepwise', 'migration.json');
      if (name === null) writeFileSync(target, fixtureSpec);
      else copyFileSync(join(ws, 'specs', name), target);
      return read(ws, '.stepwise/migration.json');
    };

    it('exit 2 with path:line:col: error: message lines, for every command', async () => {
      const text = useSpec(null);
      const { line, column } = positionAtOffset(text, text.length);
      for (const argv of [['analyze'], ['plan'], ['check'], ['dossier', 'src/app.ts'], ['migrate', 'src/app.ts', '--dry-run']]) {
        const result = await cli(...argv, '--root', ws);
        assert.equal(result.code, 2, argv.join(' '));
        assert.deepEqual(result.stderr.split('\n'), [
          'stepwise: .stepwise/migration.json is not valid.',
          `.stepwise/migration.json:${line}:${column}: error: Invalid JSON: close brace expected.`,
        ]);
        assert.equal(result.stdout, '');
      }
    });

    it('with --json: {error, problems} on stdout', async () => {
      const text = useSpec(null);
      const result = await cli('analyze', '--json', '--root', ws);
      assert.equal(result.code, 2);
      const json = jsonOf<{ error: string; problems: { path: string; line: number; column: number; severity: string; message: string }[] }>(
        result,
      );
      assert.deepEqual(keys(json), ['error', 'problems']);
      assert.equal(json.error, '.stepwise/migration.json is not valid.');
      assert.deepEqual(
        json.problems.map((p) => ({ path: p.path, line: p.line, column: p.column, severity: p.severity, message: p.message })),
        [{ path: '', ...positionAtOffset(text, text.length), severity: 'error', message: 'Invalid JSON: close brace expected.' }],
      );
    });

    const specs: { file: string; at: string; message: RegExp }[] = [
      { file: 'unknown-preset.json', at: '"memcached-1-to-2"', message: /Unknown preset "memcached-1-to-2"/ },
      { file: 'missing-legacy.json', at: '{', message: /needs a "legacy" section/ },
      {
        file: 'missing-module.json',
        at: '"src/legacy/old-cache.ts"',
        message: /Legacy module "src\/legacy\/old-cache\.ts" does not exist in this workspace\. \(at legacy\.modules\.0\)$/,
      },
      { file: 'rename-and-replace.json', at: '"stop"', message: /has both "rename" and "replace"/ },
      {
        file: 'unknown-placeholder.json',
        at: '{reciever}',
        message: /Unknown placeholder \{reciever\}.* \(at members\.LegacyCache\.size\.replace\)$/,
      },
    ];
    for (const s of specs) {
      it(`specs/${s.file}: exit 2 at its culprit`, async () => {
        const text = useSpec(s.file);
        const result = await cli('analyze', '--root', ws);
        assert.equal(result.code, 2);
        const { line, column } = positionOf(text, s.at);
        const problem = result.stderr.split('\n').filter((l) => l.startsWith('.stepwise/migration.json:'));
        assert.equal(problem.length, 1, result.stderr);
        assert.ok(problem[0].startsWith(`.stepwise/migration.json:${line}:${column}: error: `), problem[0]);
        assert.match(problem[0], s.message);
      });
    }

    it('specs/valid.json: the workspace analyses', async () => {
      useSpec('valid.json');
      const result = await cli('analyze', '--json', '--root', ws);
      assert.equal(result.code, 0, result.stderr);
      const report = jsonOf<AnalyzeJson>(result);
      assert.deepEqual(
        report.files.map((f) => `${f.path} ${f.usages.map((u) => `${u.line}:${u.column}:${u.kind}`).join(' ')}`),
        ['src/app.ts 4:10:import 7:3:call 7:22:member'],
      );
    });

    it('a spec warning does not stop the command', async () => {
      const spec = JSON.parse(useSpec('valid.json')) as { target: { module: string } };
      spec.target.module = 'src/next/later.ts';
      writeFileSync(join(ws, '.stepwise', 'migration.json'), JSON.stringify(spec, null, 2));
      const result = await cli('analyze', '--json', '--root', ws);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(jsonOf<AnalyzeJson>(result).summary.usages, 3);
    });
  });

  describe('init', () => {
    let ws: string;
    const specFile = (): string => join(ws, '.stepwise', 'migration.json');
    before(async () => {
      ws = await prepareWorkspace('demo', { git: false });
      rmSync(join(ws, '.stepwise'), { recursive: true });
    });
    after(async () => {
      await removeWorkspace(ws);
    });

    it('without a spec, other commands exit 2 and point at init', async () => {
      const result = await cli('analyze', '--root', ws);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /No \.stepwise\/migration\.json in .*; run "stepwise init" to create one\./);
    });

    it('without --yes, --json never prompts: it names the best candidate and writes nothing', async () => {
      const result = await cli('init', '--json', '--root', ws);
      assert.equal(result.code, 2);
      assert.match(
        jsonOf<{ error: string }>(result).error,
        /best src\/core\/async-cache\.ts \(defines class AsyncTTLCache with cache methods \(get, set…\).*; imported by \d+ files\); pass --yes to take it or --legacy MODULE to choose\./,
      );
      assert.equal(existsSync(specFile()), false);
    });

    it('--yes writes a spec for the most imported cache module, which then parses and analyses', async () => {
      const result = await cli('init', '--yes', '--root', ws);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^Wrote \.stepwise\/migration\.json for src\/core\/async-cache\.ts\./);
      const parsed = parseSpec(readFileSync(specFile(), 'utf8'), {
        fileExists: (rel) => existsSync(join(ws, rel)),
        packageExists: () => false,
      });
      assert.deepEqual(
        parsed.problems.filter((p) => p.severity === 'error'),
        [],
      );
      assert.deepEqual(parsed.spec?.legacy, {
        modules: ['src/core/async-cache.ts'],
        exports: ['AsyncTTLCache', 'getCacheInstance'],
        api: {},
        lastMajors: {},
        environment: [],
      });
      const analyzed = await cli('analyze', '--json', '--root', ws);
      assert.equal(analyzed.code, 0, analyzed.stderr);
      assert.ok(jsonOf<AnalyzeJson>(analyzed).summary.usages > 0);
    });

    it('refuses to overwrite without --force', async () => {
      const before = readFileSync(specFile(), 'utf8');
      const result = await cli('init', '--yes', '--target', 'src/core/improved-cache/index.ts', '--root', ws);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /\.stepwise\/migration\.json already exists; edit it, or pass --force to replace it\./);
      assert.equal(readFileSync(specFile(), 'utf8'), before);
    });

    it('--force replaces it, with the options given', async () => {
      const result = await cli(
        'init',
        '--yes',
        '--force',
        '--json',
        '--target',
        'src/core/improved-cache/index.ts',
        '--id',
        'demo-cache',
        '--root',
        ws,
      );
      assert.equal(result.code, 0, result.stdout);
      const json = jsonOf<{ written: string; spec: { id: string; target: { module: string } } }>(result);
      assert.equal(json.written, '.stepwise/migration.json');
      const written = JSON.parse(readFileSync(specFile(), 'utf8')) as { id: string; target: { module: string } };
      assert.deepEqual({ id: written.id, target: written.target.module }, { id: 'demo-cache', target: 'src/core/improved-cache/index.ts' });
      assert.deepEqual(json.spec, written);
    });
  });

  describe('the built dist/cli.js in a child process', () => {
    const cliJs = join(repoRoot, 'dist', 'cli.js');
    let broken: string;
    before(async function () {
      if (!existsSync(cliJs)) {
        this.timeout(180_000);
        const build = await run(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], repoRoot);
        assert.equal(build.code, 0, `node scripts/build.mjs failed:\n${build.stderr}`);
      }
      broken = await prepareWorkspace('edge/broken-spec', { git: false });
    });
    after(async () => {
      await removeWorkspace(broken);
    });

    it('analyze --json --root exits 0 with the report on stdout', async () => {
      const result = await run(process.execPath, [cliJs, 'analyze', '--json', '--root', demo], tmpdir());
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as AnalyzeJson;
      assert.deepEqual(keys(report), ['configuration', 'files', 'plan', 'summary']);
      assert.equal(
        report.summary.usages,
        report.files.reduce((n, f) => n + f.usages.length, 0),
      );
      assert.ok(report.files.some((f) => f.path === 'src/api/sessions.ts'));
    });

    it('a spec error sets exit code 2', async () => {
      const result = await run(process.execPath, [cliJs, 'check', '--root', broken], tmpdir());
      assert.equal(result.code, 2);
      assert.match(result.stderr, /^\.stepwise\/migration\.json:\d+:\d+: error: Invalid JSON/m);
    });
  });
});

/** Runs a program without a shell; resolves with its exit code and output whatever the code. */
function run(file: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error instanceof Error ? error : new Error(error.message));
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}
