// deriveStatus, the pure heart of the workflow: what git's history and the journal say about each
// file, and what each file allows now, with the reasons a person reads. Table-driven on plain data,
// no disk and no git: the engine suite checks the same rules once on real repositories.
import * as assert from 'node:assert/strict';
import type { PlanEntry } from '../../../server/src/operations/overview';
import { localTime } from '../../../server/src/util/time';
import type { CommitInfo } from '../../../server/src/workflow/git';
import type { JournalEntry } from '../../../server/src/workflow/journal';
import { renderReport } from '../../../server/src/workflow/report';
import { deriveStatus } from '../../../server/src/workflow/state';
import type { Allowed, DeriveInput, FileState, WorkflowAction } from '../../../server/src/workflow/state';
import type { VerificationResults } from '../../../server/src/workflow/verification';

const migration = 'm';
const hour = 3600_000;
const now = Date.parse('2026-12-01T12:00:00Z');
const [a, b, c] = ['src/a.ts', 'src/b.ts', 'src/c.ts'];
const by = { name: 'Ada', email: 'ada@example.invalid' };

const plan: PlanEntry[] = [a, b, c].map((path, i) => ({
  path,
  risk: { score: 0.1 * (i + 1), level: 'low', reasons: [] },
  usages: 2,
  incompatibilities: 0,
  routingIssues: 0,
  isTest: false,
}));

const sha = (n: number): string => String(n).repeat(40).slice(0, 40);
const migrationCommit = (n: number, file: string): CommitInfo => ({
  sha: sha(n),
  subject: `stepwise: route ${file} through the adapter`,
  author: 'Ada <ada@example.invalid>',
  date: new Date(now - 2 * hour).toISOString(),
  trailers: { 'Stepwise-Migration': migration, 'Stepwise-File': file },
});
const revertCommit = (n: number, of: number): CommitInfo => ({
  sha: sha(n),
  subject: 'Revert',
  author: 'Ada <ada@example.invalid>',
  date: new Date(now - hour).toISOString(),
  trailers: {},
  reverts: sha(of),
});
const approvalCommit = (n: number, of: number, file: string): CommitInfo => ({
  sha: sha(n),
  subject: `stepwise: approve ${file}`,
  author: 'Ada <ada@example.invalid>',
  date: new Date(now).toISOString(),
  trailers: {
    'Stepwise-Migration': migration,
    'Stepwise-File': file,
    'Stepwise-Approves': sha(of),
    'Stepwise-Approver': 'Ada <ada@example.invalid>',
  },
});

const results = (ok: boolean): VerificationResults => ({
  kind: 'verification',
  at: now - hour,
  head: sha(1),
  trusted: true,
  skipped: [],
  failures: ok ? [] : ['1 of 5 test(s) failed (exit code 1).'],
  ok,
});
const migrated = (n: number, file: string): JournalEntry => ({
  type: 'migrated',
  at: now - 2 * hour,
  migration,
  file,
  commit: sha(n),
  base: sha(9),
  createdAdapter: true,
  risk: 'low 0.10',
  by,
  logOffsets: {},
});
const verified = (n: number, file: string, ok: boolean): JournalEntry => ({
  type: 'verification',
  at: now - hour,
  migration,
  file,
  commit: sha(n),
  results: results(ok),
  ok,
});
const observing = (n: number, file: string, until: number): JournalEntry => ({
  type: 'observing',
  at: now - hour,
  migration,
  file,
  commit: sha(n),
  until,
});

interface Case {
  name: string;
  history?: CommitInfo[];
  journal?: JournalEntry[];
  input?: Partial<DeriveInput>;
  states: Record<string, FileState>;
  inFlight: string | null;
  /** Actions that must be allowed (true) or refused with a reason matching the pattern. */
  allowed?: Record<string, Partial<Record<WorkflowAction, true | RegExp>>>;
  /** Per file: the confirmation migrating it asks for (a pattern), or null for none. */
  needsReason?: Record<string, RegExp | null>;
}

const until = now + 23 * hour;
const cases: Case[] = [
  {
    name: 'nothing migrated: every file pending, each may be analysed and migrated, none approved',
    states: { [a]: 'pending', [b]: 'pending', [c]: 'pending' },
    inFlight: null,
    allowed: {
      [a]: {
        analyze: true,
        migrate: true,
        verify: /is not migrated yet/,
        approve: /needs a passing verification/,
        revert: /no migration commit/,
      },
      [c]: { migrate: true },
    },
  },
  {
    name: 'committed, not verified yet: migrated and in flight; the others wait for it',
    history: [migrationCommit(1, a)],
    journal: [migrated(1, a)],
    states: { [a]: 'migrated', [b]: 'pending' },
    inFlight: a,
    allowed: {
      [a]: { verify: true, revert: true, migrate: /already migrated \(migrated\)/ },
      [b]: { migrate: /^src\/a\.ts is in flight \(migrated\); one file at a time\.$/ },
    },
  },
  {
    name: 'verified and observing: approval waits for the deadline, in local time',
    history: [migrationCommit(1, a)],
    journal: [migrated(1, a), verified(1, a, true), observing(1, a, until)],
    states: { [a]: 'observing' },
    inFlight: a,
    allowed: {
      [a]: {
        approve: new RegExp(`^Observation of src/a\\.ts runs until ${localTime(until).replace(/[()+]/g, '\\$&')}\\.$`),
        verify: /past verification/,
      },
      [b]: { migrate: new RegExp(`in flight \\(observing until ${localTime(until).replace(/[()+]/g, '\\$&')}\\)`) },
    },
  },
  {
    name: 'the deadline passed: awaiting approval, still in flight',
    history: [migrationCommit(1, a)],
    journal: [migrated(1, a), verified(1, a, true), observing(1, a, now - 1)],
    states: { [a]: 'awaiting-approval' },
    inFlight: a,
    allowed: { [a]: { approve: true }, [b]: { migrate: /in flight \(awaiting approval\)/ } },
  },
  {
    name: 'without requireApproval the end of the observation approves, and the next file unlocks',
    history: [migrationCommit(1, a)],
    journal: [migrated(1, a), verified(1, a, true), observing(1, a, now - 1)],
    input: { requireApproval: false },
    states: { [a]: 'approved' },
    inFlight: null,
    allowed: { [b]: { migrate: true } },
  },
  {
    name: 'a failed verification keeps the file in flight until it is fixed or reverted',
    history: [migrationCommit(1, a)],
    journal: [migrated(1, a), verified(1, a, false)],
    states: { [a]: 'failed' },
    inFlight: a,
    allowed: { [a]: { verify: true, revert: true }, [b]: { migrate: /in flight \(verification failed\)/ } },
  },
  {
    name: 'an approval commit approves it: nothing in flight, the next file unlocks',
    history: [approvalCommit(2, 1, a), migrationCommit(1, a)],
    journal: [migrated(1, a), verified(1, a, true), observing(1, a, now - 1)],
    states: { [a]: 'approved', [b]: 'pending' },
    inFlight: null,
    allowed: { [a]: { approve: /already approved/, revert: true }, [b]: { migrate: true } },
  },
  {
    name: 'a revert commit in the history: reverted, with the revert as evidence; it may be migrated again',
    history: [revertCommit(2, 1), migrationCommit(1, a)],
    journal: [migrated(1, a)],
    states: { [a]: 'reverted' },
    inFlight: null,
    allowed: { [a]: { migrate: true, revert: /no migration commit/ } },
  },
  {
    name: 'a migration the journal knows but the history lost (reset): reverted',
    history: [],
    journal: [migrated(1, a), verified(1, a, true)],
    states: { [a]: 'reverted' },
    inFlight: null,
    allowed: { [a]: { migrate: true } },
  },
  {
    name: 'a dossier and a baseline at HEAD: analysed',
    journal: [
      { type: 'dossier', at: now, migration, file: a, head: sha(9), dossier: {} as never },
      { type: 'baseline', at: now, migration, head: sha(9), results: { ...results(true), kind: 'baseline' } },
    ],
    input: { head: sha(9) },
    states: { [a]: 'analyzed', [b]: 'pending' },
    inFlight: null,
  },
  {
    name: 'another migration’s commits are not this one’s',
    history: [{ ...migrationCommit(1, a), trailers: { 'Stepwise-Migration': 'other', 'Stepwise-File': a } }],
    states: { [a]: 'pending' },
    inFlight: null,
  },
  {
    name: 'nothing migrated yet: the plan’s first file migrates as is, a later one asks for a confirmation and a reason',
    states: { [a]: 'pending', [b]: 'pending' },
    inFlight: null,
    allowed: { [a]: { migrate: true }, [b]: { migrate: true } },
    needsReason: {
      [a]: null,
      [b]: /1 lower-risk file\(s\) come first in the plan \(src\/a\.ts\); migrating src\/b\.ts .* needs a confirmation and a reason/,
    },
  },
  {
    name: 'once the first file is approved, the next one needs no reason',
    history: [approvalCommit(2, 1, a), migrationCommit(1, a)],
    journal: [migrated(1, a), verified(1, a, true), observing(1, a, now - 1)],
    states: { [a]: 'approved', [b]: 'pending' },
    inFlight: null,
    needsReason: { [b]: null },
  },
  {
    name: 'blocked (no spec, no git): every action refused with that reason',
    input: { blocked: 'There is no valid .stepwise/migration.json.' },
    states: { [a]: 'pending' },
    inFlight: null,
    allowed: { [a]: { migrate: /^There is no valid/, analyze: /^There is no valid/, revert: /^There is no valid/ } },
  },
];

describe('deriveStatus (the workflow state, pure)', () => {
  for (const t of cases) {
    it(t.name, () => {
      const status = deriveStatus({
        migration,
        plan,
        usages: new Map(plan.map((p) => [p.path, p.usages])),
        history: t.history ?? [],
        journal: t.journal ?? [],
        head: sha(9),
        now,
        requireApproval: true,
        trusted: true,
        ...t.input,
      });
      const state = (path: string): FileState | undefined => status.files.find((f) => f.path === path)?.state;
      assert.deepEqual(Object.fromEntries(Object.keys(t.states).map((p) => [p, state(p)])), t.states);
      assert.equal(status.inFlight, t.inFlight);
      if (t.inFlight) assert.equal(status.files[0].path, t.inFlight, 'the file in flight comes first');
      for (const [path, expected] of Object.entries(t.allowed ?? {})) {
        const file = status.files.find((f) => f.path === path);
        assert.ok(file, path);
        for (const [action, want] of Object.entries(expected)) {
          const got: Allowed = file.allowed[action as WorkflowAction];
          if (want === true) assert.ok(got.ok, `${path} ${action}: ${got.reason}`);
          else {
            assert.equal(got.ok, false, `${path} ${action} is refused`);
            assert.match(got.reason ?? '', want, `${path} ${action}`);
          }
        }
      }
      for (const [path, want] of Object.entries(t.needsReason ?? {})) {
        const got = status.files.find((f) => f.path === path)?.allowed.migrate.needsReason;
        if (want === null) assert.equal(got, undefined, `${path} needs no reason`);
        else assert.match(got ?? '', want, path);
      }
    });
  }

  it('counts progress: approved, in flight, pending, and the usages left', () => {
    const status = deriveStatus({
      migration,
      plan,
      usages: new Map([
        [a, 0],
        [b, 3],
        [c, 4],
      ]),
      history: [approvalCommit(2, 1, a), migrationCommit(1, a), migrationCommit(3, b)],
      journal: [],
      head: sha(9),
      now,
      requireApproval: true,
      trusted: true,
    });
    assert.deepEqual(status.progress, { done: 1, inFlight: 1, pending: 1, usagesRemaining: 7 });
  });
});

describe('the report’s timeline', () => {
  it('says which check failed in a failed verification, and writes local times', () => {
    const status = deriveStatus({
      migration,
      plan,
      usages: new Map(),
      history: [migrationCommit(1, a)],
      journal: [migrated(1, a), verified(1, a, false)],
      head: sha(9),
      now,
      requireApproval: true,
      trusted: true,
    });
    const markdown = renderReport({
      spec: undefined,
      status,
      journal: [migrated(1, a), verified(1, a, false)],
      now,
      dossiers: () => ({ error: 'none' }),
    });
    const line = markdown.split('\n').find((l) => l.includes('verification of `src/a.ts` failed'));
    assert.ok(line, markdown);
    assert.ok(line.includes('1 of 5 test(s) failed (exit code 1).'), line);
    assert.ok(line.startsWith(`- ${localTime(now - hour)} — `), line);
    assert.doesNotMatch(markdown, /\d{4}-\d\d-\d\dT\d\d:/);
  });
});
