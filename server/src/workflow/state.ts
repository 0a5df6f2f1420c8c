import type { PlanEntry } from '../operations/overview';
import type { CommitInfo } from './git';
import { Trailers } from './git';
import type { JournalEntry } from './journal';
import { localTime } from '../util/time';
import type { Allowed, FileState, FileStatus, WorkflowAction, WorkflowStatus } from '../protocol/wire';

export type { Allowed, FileState, FileStatus, WorkflowAction, WorkflowStatus };

export interface DeriveInput {
  migration: string;
  plan: PlanEntry[];
  /** Usages per file from the index (for files also outside the plan). */
  usages: Map<string, number>;
  history: CommitInfo[];
  journal: JournalEntry[];
  head: string | undefined;
  now: number;
  requireApproval: boolean;
  /** Set when git or the spec makes every action impossible. */
  blocked?: string;
  /** Whether commands from the workspace may run (for the reasons shown). */
  trusted: boolean;
  /** What the rollout's figures say about approving (undefined: the observation time alone decides). */
  approvalGate?: ApprovalGate;
}

/** The rollout verdict as a gate on approval: refused on pause, roll back, or too few calls. */
export interface ApprovalGate {
  ok: boolean;
  /** Why not, with the figures (or, when ok, what the figures say). */
  reason: string;
}

const inFlightStates: FileState[] = ['migrated', 'verified', 'failed', 'observing', 'awaiting-approval'];
const notMigratedStates: FileState[] = ['pending', 'analyzed', 'reverted'];

export function isInFlight(state: FileState): boolean {
  return inFlightStates.includes(state);
}

/** Not migrated (yet, or again): what the plan still has to do. */
export function isNotMigrated(state: FileState): boolean {
  return notMigratedStates.includes(state);
}

/**
 * The state of every file, derived from git (what is migrated and reverted: commits with
 * Stepwise trailers in HEAD's history, revert commits, approval commits) and the journal (the
 * evidence: dossiers, baselines, verifications, observation deadlines). Pure: same input, same answer.
 */
export function deriveStatus(input: DeriveInput): WorkflowStatus {
  const { migration, history, journal, now } = input;
  const revertedBy = new Map<string, string>();
  for (const commit of history) if (commit.reverts) revertedBy.set(commit.reverts, commit.sha);
  const isReverted = (sha: string): boolean => [...revertedBy.keys()].some((r) => sha.startsWith(r) || r.startsWith(sha));
  const revertOf = (sha: string): string | null => {
    for (const [reverted, by] of revertedBy) if (sha.startsWith(reverted) || reverted.startsWith(sha)) return by;
    return null;
  };
  const approvals = new Map<string, CommitInfo>();
  for (const commit of history) {
    const approves = commit.trailers[Trailers.approves];
    if (approves && commit.trailers[Trailers.migration] === migration && !isReverted(commit.sha)) approvals.set(approves, commit);
  }
  // Newest first (git log order): the live migration commit of a file is the newest not reverted.
  const migrations = history.filter(
    (c) => c.trailers[Trailers.migration] === migration && c.trailers[Trailers.file] && !c.trailers[Trailers.approves],
  );
  const inHistory = new Set(history.map((c) => c.sha));

  const files = new Set<string>([...input.plan.map((p) => p.path), ...migrations.map((c) => c.trailers[Trailers.file])]);
  for (const entry of journal) if (entry.migration === migration && entry.type === 'migrated') files.add(entry.file);

  const planIndex = new Map(input.plan.map((p, i) => [p.path, i]));
  const statuses: FileStatus[] = [];
  for (const path of files) {
    const entries = journal.filter((e) => e.migration === migration && 'file' in e && e.file === path);
    const mine = migrations.filter((c) => c.trailers[Trailers.file] === path);
    const live = mine.find((c) => !isReverted(c.sha));
    const plan = input.plan[planIndex.get(path) ?? -1];
    const status: FileStatus = {
      path,
      state: 'pending',
      commit: null,
      observeUntil: null,
      planPosition: planIndex.has(path) ? (planIndex.get(path) as number) + 1 : null,
      risk: plan?.risk,
      usages: input.usages.get(path) ?? 0,
      allowed: { analyze: no(''), migrate: no(''), verify: no(''), approve: no(''), revert: no('') },
      evidence: { reverts: [] },
    };
    for (const commit of mine.filter((c) => c !== live)) {
      status.evidence.reverts.push({ commit: commit.sha, revertCommit: revertOf(commit.sha), how: 'reverted' });
    }
    // Migrations the journal knows about whose commit is gone from HEAD's history (reset, rebase).
    for (const entry of entries) {
      if (entry.type === 'migrated' && !inHistory.has(entry.commit) && !status.evidence.reverts.some((r) => r.commit === entry.commit)) {
        status.evidence.reverts.push({
          commit: entry.commit,
          revertCommit: null,
          how: 'no longer in the branch history (reset or rewritten)',
        });
      }
    }
    if (live) {
      status.commit = live.sha;
      // The evidence of the latest migration with this commit id: a migration dropped by a reset
      // and made again identically gets the same id, and its old verification is not its own.
      const sameCommit = entries.filter((e) => 'commit' in e && e.commit === live.sha);
      const forCommit = sameCommit.slice(Math.max(0, sameCommit.map((e) => e.type).lastIndexOf('migrated')));
      const migrated = forCommit.find((e) => e.type === 'migrated');
      if (migrated?.type === 'migrated') {
        status.evidence.migratedBy = migrated.by;
        status.evidence.migratedAt = new Date(migrated.at).toISOString();
        status.evidence.forced = migrated.forced;
      } else {
        status.evidence.migratedAt = live.date;
      }
      const verification = last(forCommit.filter((e) => e.type === 'verification'));
      const observing = last(forCommit.filter((e) => e.type === 'observing'));
      const approval = approvals.get(live.sha);
      if (verification?.type === 'verification') status.evidence.verification = verification.results;
      if (approval) {
        status.state = 'approved';
        status.evidence.approvedBy = approval.trailers[Trailers.approver] ?? approval.author;
        status.evidence.approvedAt = approval.date;
      } else if (verification?.type === 'verification' && !verification.ok) {
        status.state = 'failed';
      } else if (verification?.type === 'verification' && verification.ok) {
        const until = observing?.type === 'observing' ? observing.until : undefined;
        if (until === undefined) status.state = 'verified';
        else {
          status.observeUntil = new Date(until).toISOString();
          status.state = now < until ? 'observing' : input.requireApproval ? 'awaiting-approval' : 'approved';
        }
      } else {
        status.state = 'migrated';
      }
    } else if (mine.length > 0 || status.evidence.reverts.length > 0) {
      status.state = 'reverted';
    } else {
      const dossier = last(entries.filter((e) => e.type === 'dossier' && e.head === input.head));
      const baseline = last(journal.filter((e) => e.migration === migration && e.type === 'baseline' && e.head === input.head));
      if (dossier && baseline) status.state = 'analyzed';
    }
    const baseline = last(
      journal.filter((e) => e.migration === migration && e.type === 'baseline' && (status.commit ? true : e.head === input.head)),
    );
    if (baseline?.type === 'baseline') status.evidence.baseline = baseline.results;
    const dossier = last(entries.filter((e) => e.type === 'dossier'));
    if (dossier) status.evidence.dossierAt = dossier.at;
    statuses.push(status);
  }

  const inFlight = statuses.filter((s) => isInFlight(s.state));
  const current = inFlight[0]?.path ?? null;
  for (const status of statuses) status.allowed = allowedActions(status, input, current, statuses);
  // The file in flight first (it is what needs attention), then the plan in order, then the rest.
  const rank = (s: FileStatus): number => (s.path === current ? -1 : (s.planPosition ?? Infinity));
  statuses.sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
  const done = statuses.filter((s) => s.state === 'approved').length;
  return {
    migration,
    inFlight: current,
    files: statuses,
    blocked: input.blocked,
    progress: {
      done,
      inFlight: inFlight.length,
      pending: statuses.filter((s) => isNotMigrated(s.state)).length,
      usagesRemaining: [...input.usages.values()].reduce((a, b) => a + b, 0),
    },
  };
}

function allowedActions(
  status: FileStatus,
  input: DeriveInput,
  inFlight: string | null,
  all: FileStatus[],
): Record<WorkflowAction, Allowed> {
  if (input.blocked) {
    const blocked = no(input.blocked);
    return { analyze: blocked, migrate: blocked, verify: blocked, approve: blocked, revert: blocked };
  }
  const state = status.state;
  const notMigrated = isNotMigrated(state);
  const inPlan = status.planPosition !== null;
  const other = inFlight && inFlight !== status.path ? all.find((s) => s.path === inFlight) : undefined;
  const otherReason = other ? `${other.path} is in flight (${describeState(other)}); one file at a time.` : undefined;
  const migrateAllowed = !notMigrated
    ? no(`${status.path} is already migrated (${state}).`)
    : !inPlan
      ? no(`${status.path} has no legacy import of its own to route.`)
      : otherReason
        ? no(otherReason)
        : outOfOrder(status, all);
  return {
    analyze:
      notMigrated && inPlan
        ? yes()
        : no(notMigrated ? `${status.path} has nothing left to migrate.` : `${status.path} is already migrated.`),
    migrate: migrateAllowed,
    verify:
      state === 'migrated' || state === 'failed' || state === 'verified'
        ? yes()
        : no(notMigrated ? `${status.path} is not migrated yet.` : `${status.path} is past verification (${state}).`),
    approve:
      state === 'awaiting-approval'
        ? input.approvalGate && !input.approvalGate.ok
          ? no(`Not approving ${status.path} yet: ${input.approvalGate.reason}`)
          : yes()
        : state === 'observing'
          ? no(`Observation of ${status.path} runs until ${status.observeUntil ? localTime(status.observeUntil) : '?'}.`)
          : state === 'approved'
            ? no(`${status.path} is already approved.`)
            : no(`${status.path} needs a passing verification and a finished observation first.`),
    revert: status.commit ? yes() : no(`${status.path} has no migration commit to revert.`),
  };
}

/** Allowed; with a reason asked for when lower-risk files still come first in the plan. */
function outOfOrder(status: FileStatus, all: FileStatus[]): Allowed {
  const position = status.planPosition;
  const earlier = all.filter((f) => f.planPosition !== null && position !== null && f.planPosition < position && isNotMigrated(f.state));
  if (earlier.length === 0) return yes();
  const named = earlier
    .slice(0, 3)
    .map((f) => f.path)
    .join(', ');
  return {
    ok: true,
    needsReason: `${earlier.length} lower-risk file(s) come first in the plan (${named}${earlier.length > 3 ? ', …' : ''}); migrating ${status.path} (${status.risk?.level ?? '?'} risk) now needs a confirmation and a reason.`,
  };
}

export function describeState(status: FileStatus): string {
  switch (status.state) {
    case 'observing':
      return `observing until ${status.observeUntil ? localTime(status.observeUntil) : '?'}`;
    case 'awaiting-approval':
      return 'awaiting approval';
    case 'failed':
      return 'verification failed';
    default:
      return status.state;
  }
}

function last<T>(items: T[]): T | undefined {
  return items[items.length - 1];
}

function yes(): Allowed {
  return { ok: true };
}

function no(reason: string): Allowed {
  return { ok: false, reason };
}
