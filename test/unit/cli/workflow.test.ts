// The workflow verbs of the `stepwise` command, end to end and in-process, on one git repository
// of the demo whose spec runs stand-in commands: status --json in the shape DESIGN.md gives,
// migrate / verify / approve / revert with their exit codes (0 done, 1 the verification failed,
// 2 refused), --trust and STEPWISE_TRUST against an untrusted default, STEPWISE_NOW to move past
// the observation, --auto-revert, and report --out. The steps build on each other, in order.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localTime } from '../../../server/src/util/time';
import { cli, jsonOf, withEnv } from '../../support/cliRun';
import type { CliResult } from '../../support/cliRun';
import {
  first,
  git,
  headOf,
  hour,
  prepareWorkflowRepo,
  ranLog,
  read,
  second,
  setControl,
  snapshot,
  write,
} from '../../support/workflowRepo';
import { removeWorkspace } from '../../support/workspace';

const states = ['pending', 'analyzed', 'migrated', 'verified', 'failed', 'observing', 'awaiting-approval', 'approved', 'reverted'];

interface StatusJson {
  inFlight: string | null;
  files: { path: string; state: string; commit: string | null; observeUntil: string | null }[];
}

interface ResultJson {
  ok: boolean;
  file: string;
  message?: string;
  error?: string;
  commit?: string;
  verificationFailed?: boolean;
  needsConfirmation?: boolean;
  verification?: { ok: boolean; trusted: boolean; skipped: string[]; test?: { counts?: { passed: number; failed: number } } };
}

describe('stepwise workflow verbs on a git repository', function () {
  this.timeout(120_000);

  let ws: string;
  let out: string;
  const saved = { trust: process.env.STEPWISE_TRUST, now: process.env.STEPWISE_NOW };
  before(async () => {
    // The defaults these tests rely on: not trusted, the real clock.
    delete process.env.STEPWISE_TRUST;
    delete process.env.STEPWISE_NOW;
    ws = await prepareWorkflowRepo();
    out = mkdtempSync(join(tmpdir(), 'stepwise-report-'));
  });
  after(async () => {
    if (saved.trust !== undefined) process.env.STEPWISE_TRUST = saved.trust;
    if (saved.now !== undefined) process.env.STEPWISE_NOW = saved.now;
    await removeWorkspace(ws);
    rmSync(out, { recursive: true, force: true });
  });

  const run = (...args: string[]): Promise<CliResult> => cli(...args, '--root', ws);
  const status = async (env: Record<string, string> = {}): Promise<StatusJson> => {
    const result = await withEnv(env, () => run('status', '--json'));
    assert.equal(result.code, 0, result.stderr);
    return jsonOf<StatusJson>(result);
  };
  const stateOf = async (file: string, env: Record<string, string> = {}): Promise<StatusJson['files'][number]> => {
    const found = (await status(env)).files.find((f) => f.path === file);
    assert.ok(found, `${file} is in the status`);
    return found;
  };

  let migration = '';
  let observeUntil = '';

  it('status --json before anything: { inFlight, files: [{ path, state, commit, observeUntil }] }, all pending, plan order', async () => {
    const json = await status();
    assert.equal(json.inFlight, null);
    assert.ok(Array.isArray(json.files) && json.files.length > 0);
    for (const file of json.files) {
      assert.equal(typeof file.path, 'string');
      assert.ok(!file.path.includes('\\') && !file.path.startsWith('/'), 'workspace-relative with /');
      assert.ok(states.includes(file.state), file.state);
      assert.ok('commit' in file && 'observeUntil' in file);
      assert.deepEqual([file.state, file.commit, file.observeUntil], ['pending', null, null]);
    }
    assert.deepEqual(
      json.files.slice(0, 2).map((f) => f.path),
      [first, second],
    );
  });

  it('status in text: the progress line and one line per file', async () => {
    const result = await run('status');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^0 approved, 0 in flight, \d+ pending; \d+ legacy usages remaining\.$/m);
    assert.match(result.stdout, /^ {2}1\. src\/jobs\/warmup-job\.ts +pending/m);
  });

  it('migrate out of plan order is refused with exit 2 and changes nothing', async () => {
    const before = snapshot(ws);
    const result = await run('migrate', second);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /^stepwise: 1 lower-risk file\(s\) come first in the plan \(src\/jobs\/warmup-job\.ts\).*Pass --force --reason "why" to go ahead\.$/m,
    );
    assert.deepEqual(snapshot(ws), before);
  });

  it('migrate --no-verify without trust: exit 0, one commit, no command from the workspace ran', async () => {
    const result = await run('migrate', first, '--no-verify', '--json');
    assert.equal(result.code, 0, result.stderr);
    const json = jsonOf<ResultJson>(result);
    assert.equal(json.ok, true);
    assert.equal(json.commit, headOf(ws));
    migration = json.commit;
    assert.match(
      json.message ?? '',
      /^Committed [0-9a-f]{8}: src\/jobs\/warmup-job\.ts is routed through the adapter \(the adapter was created\)\.$/,
    );
    assert.equal(git(ws, 'log', '-1', '--format=%s').trim(), `stepwise: route ${first} through the adapter`);
    assert.deepEqual(ranLog(ws), []);
    const file = await stateOf(first);
    assert.deepEqual(file, { ...file, state: 'migrated', commit: migration, observeUntil: null });
    assert.equal((await status()).inFlight, first);
  });

  it('a second migrate while one file is in flight: exit 2, naming it', async () => {
    const result = await run('migrate', second, '--force', '--reason', 'hurry');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^stepwise: src\/jobs\/warmup-job\.ts is in flight \(migrated\); one file at a time\.$/m);
  });

  it('verify --trust with a failing test: exit 1, the file is failed', async () => {
    setControl(ws, { tests: { pass: 4, fail: 1 } });
    const result = await run('verify', first, '--trust', '--json');
    assert.equal(result.code, 1, result.stderr);
    const json = jsonOf<ResultJson>(result);
    assert.equal(json.ok, false);
    assert.equal(json.verificationFailed, true);
    assert.match(json.error ?? '', /^Verification of src\/jobs\/warmup-job\.ts failed: 1 of 5 test\(s\) failed \(exit code 1\)\./);
    assert.deepEqual(ranLog(ws), [`tests ${first}`, 'typecheck']);
    assert.equal((await stateOf(first)).state, 'failed');
  });

  it('approve before a passing verification: exit 2', async () => {
    const result = await run('approve', first);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /needs a passing verification and a finished observation first/);
  });

  it('verify with STEPWISE_TRUST=1 once fixed: exit 0, observing for 24 hours', async () => {
    setControl(ws, { tests: { pass: 5, fail: 0 } });
    const started = Date.now();
    const result = await withEnv({ STEPWISE_TRUST: '1' }, () => run('verify', first, '--json'));
    assert.equal(result.code, 0, result.stderr);
    const json = jsonOf<ResultJson>(result);
    assert.equal(json.verification?.trusted, true);
    assert.deepEqual(json.verification?.test?.counts, { framework: 'node:test', passed: 5, failed: 0, skipped: 0 });
    assert.equal(ranLog(ws).length, 4, 'the tests and the type check ran again');
    const file = await stateOf(first);
    assert.equal(file.state, 'observing');
    assert.equal(file.commit, migration);
    observeUntil = file.observeUntil as string;
    const until = Date.parse(observeUntil);
    assert.ok(until >= started + 24 * hour && until <= Date.now() + 24 * hour, observeUntil);
  });

  it('approve while observing: exit 2 with the deadline', async () => {
    const result = await run('approve', first);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, `stepwise: Observation of ${first} runs until ${localTime(observeUntil)}.`);
  });

  it('STEPWISE_NOW past the deadline: awaiting approval, then approve exits 0 with an approval commit', async () => {
    const later = { STEPWISE_NOW: new Date(Date.parse(observeUntil) + 60_000).toISOString() };
    const earlier = { STEPWISE_NOW: new Date(Date.parse(observeUntil) - 60_000).toISOString() };
    assert.equal((await stateOf(first, earlier)).state, 'observing');
    assert.equal((await stateOf(first, later)).state, 'awaiting-approval');
    assert.equal((await withEnv(earlier, () => run('approve', first))).code, 2);

    const result = await withEnv(later, () => run('approve', first));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Approved src\/jobs\/warmup-job\.ts \([0-9a-f]{8}\); the next file is unlocked\.$/);
    assert.match(git(ws, 'log', '-1', '--format=%B'), new RegExp(`^Stepwise-Approves: ${migration}$`, 'm'));
    assert.match(git(ws, 'log', '-1', '--format=%B'), /^Stepwise-Approver: Stepwise Test <test@stepwise\.invalid>$/m);
    const json = await status();
    assert.equal(json.inFlight, null);
    assert.equal(json.files.find((f) => f.path === first)?.state, 'approved');
  });

  it('migrate the next file without trust: exit 0, and the output says what was skipped', async () => {
    const ran = ranLog(ws).length;
    const result = await run('migrate', second);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^Committed [0-9a-f]{8}: src\/services\/rate-limiter\.ts is routed through the adapter\. Verification passed \(.*untrusted: commands skipped\)/,
    );
    assert.match(
      result.stdout,
      /Skipped: tests: not run because the workspace is not trusted; type check command \(Stepwise's own type check ran instead\): not run because the workspace is not trusted; logs \(the pattern comes from the workspace\): not run because the workspace is not trusted\./,
    );
    assert.equal(ranLog(ws).length, ran, 'no command from the workspace ran');
    assert.equal((await stateOf(second)).state, 'observing');
  });

  it('revert: exit 0, then again: exit 2, nothing left to revert', async () => {
    const reverted = await run('revert', second, '--json');
    assert.equal(reverted.code, 0, reverted.stderr);
    const json = jsonOf<ResultJson>(reverted);
    assert.equal(json.commit, headOf(ws));
    assert.match(
      git(ws, 'log', '-1', '--format=%s').trim(),
      /^Revert "stepwise: route src\/services\/rate-limiter\.ts through the adapter"$/,
    );
    assert.equal((await stateOf(second)).state, 'reverted');
    const again = await run('revert', second);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /^stepwise: src\/services\/rate-limiter\.ts has no migration commit to revert\.$/m);
  });

  it('verify --trust --auto-revert with a failing test: exit 1, and the migration is reverted', async () => {
    const migrated = await run('migrate', second, '--trust', '--no-verify', '--json');
    assert.equal(migrated.code, 0, migrated.stderr);
    setControl(ws, { tests: { pass: 3, fail: 2 } });
    const result = await run('verify', second, '--trust', '--auto-revert', '--json');
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      jsonOf<ResultJson>(result).error ?? '',
      /Reverted [0-9a-f]{8} with [0-9a-f]{8}: src\/services\/rate-limiter\.ts uses the legacy module again\./,
    );
    assert.match(git(ws, 'log', '-1', '--format=%B'), new RegExp(`This reverts commit ${jsonOf<ResultJson>(migrated).commit}`));
    const json = await status();
    assert.equal(json.inFlight, null);
    assert.equal(json.files.find((f) => f.path === second)?.state, 'reverted');
    setControl(ws, { tests: { pass: 5, fail: 0 } });
  });

  it('revert that conflicts with a later commit: exit 2, aborted, nothing changed', async () => {
    const migrated = await run('migrate', second, '--trust', '--json');
    assert.equal(migrated.code, 0, migrated.stderr);
    const sha = (jsonOf<ResultJson>(migrated).commit as string).slice(0, 8);
    const before = git(ws, 'show', `${sha}~1:${second}`).split('\n');
    const lines = read(ws, second).split('\n');
    for (let i = 0; i < lines.length; i++) if (lines[i] !== before[i]) lines[i] = `${lines[i]} // reviewed`;
    write(ws, second, lines.join('\n'));
    git(ws, 'commit', '-qam', 'review');
    const snap = snapshot(ws);
    const result = await run('revert', second, '--json');
    assert.equal(result.code, 2);
    assert.match(
      jsonOf<ResultJson>(result).error ?? '',
      new RegExp(`^Reverting ${sha} conflicts with later changes, so the revert was aborted and nothing changed\\.`),
    );
    assert.deepEqual(snapshot(ws), snap);
    assert.equal((await stateOf(second)).state, 'observing');
  });

  it('report --out FILE writes the markdown the report verb prints', async () => {
    const now = { STEPWISE_NOW: '2030-01-02T03:04:05.000Z' };
    const file = join(out, 'migration-report.md');
    const written = await withEnv(now, () => run('report', '--out', file));
    assert.equal(written.code, 0, written.stderr);
    assert.equal(written.stdout, `Wrote the report to ${file}.`);
    assert.ok(existsSync(file));
    const markdown = readFileSync(file, 'utf8');
    assert.match(markdown, /^# Migration report: AsyncTTLCache to ImprovedAsyncCache\n/);
    assert.ok(markdown.includes(`generated ${localTime(Date.parse('2030-01-02T03:04:05Z'))}.`), markdown.split('\n')[2]);
    const headings = markdown.split('\n').filter((l) => /^##? /.test(l));
    assert.deepEqual(headings, [
      '# Migration report: AsyncTTLCache to ImprovedAsyncCache',
      '## Plan',
      '## Files',
      '## Timeline',
      '## Rollback',
    ]);
    assert.match(markdown, /^### `src\/jobs\/warmup-job\.ts`$/m);
    assert.match(markdown, /^Approved by Stepwise Test <test@stepwise\.invalid> at /m);
    assert.match(markdown, /^- Earlier migration `[0-9a-f]{8}` reverted by `[0-9a-f]{8}`\.$/m);
    assert.match(markdown, /git revert [0-9a-f]{8}/);

    const printed = await withEnv(now, () => run('report'));
    assert.equal(printed.code, 0);
    assert.equal(printed.stdout, markdown);
    const json = await withEnv(now, () => run('report', '--json'));
    assert.deepEqual(jsonOf(json), { markdown });
  });
});
