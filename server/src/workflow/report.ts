import type { Dossier } from '../analysis/types';
import type { MigrationSpec } from '../spec/types';
import { flagNameOf } from '../rewrite/adapterScaffold';
import type { JournalEntry } from './journal';
import type { FileStatus, WorkflowStatus } from './state';
import { describeState } from './state';
import { localTime } from '../util/time';
import { summarize } from './verification';

export interface ReportInput {
  spec: MigrationSpec | undefined;
  status: WorkflowStatus;
  journal: JournalEntry[];
  now: number;
  dossiers(file: string): Dossier | { error: string };
}

const time = localTime;
const short = (sha: string | null | undefined): string => (sha ? sha.slice(0, 8) : '—');
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The exportable markdown migration report: plan, per-file evidence, timeline, rollback. */
export function renderReport(input: ReportInput): string {
  const { spec, status, journal } = input;
  const lines: string[] = [];
  const title = spec?.title ?? status.migration;
  lines.push(`# Migration report: ${title}`, '');
  lines.push(`Migration \`${status.migration}\`, generated ${time(input.now)}.`, '');
  if (status.blocked) lines.push(`> ${status.blocked}`, '');
  const p = status.progress;
  lines.push(`**${p.done} approved, ${p.inFlight} in flight, ${p.pending} pending; ${p.usagesRemaining} legacy usages remaining.**`, '');
  if (status.inFlight) lines.push(`In flight: \`${status.inFlight}\`.`, '');

  lines.push('## Plan', '', '| # | File | Risk | State | Commit |', '| ---: | --- | --- | --- | --- |');
  for (const file of status.files) {
    lines.push(
      `| ${file.planPosition ?? '—'} | \`${file.path}\` | ${file.risk ? `${file.risk.level} (${file.risk.score.toFixed(2)})` : '—'} | ${cell(describeState(file))} | ${short(file.commit)} |`,
    );
  }
  lines.push('');

  lines.push('## Files', '');
  for (const file of status.files.filter((f) => f.commit || f.evidence.reverts.length > 0 || f.state === 'analyzed')) {
    lines.push(...fileSection(file, input), '');
  }

  lines.push('## Timeline', '');
  const timeline = journal.filter((e) => e.migration === status.migration).sort((a, b) => a.at - b.at);
  if (timeline.length === 0) lines.push('Nothing recorded yet.');
  for (const entry of timeline) lines.push(`- ${time(entry.at)} — ${describeEntry(entry)}`);
  lines.push('');

  lines.push('## Rollback', '');
  const flag = spec ? flagNameOf(spec.id) : 'the adapter flag';
  lines.push(
    `- At run time, without a deploy: set \`${flag}=legacy\`; every adapted call goes back to the legacy implementation.`,
    '- In code, one file at a time: **Stepwise: Revert** on the file (or `npx stepwise revert FILE`), which runs `git revert` of its migration commit.',
  );
  // status.files is in plan order; the rollback steps follow the order the commits were made.
  const madeAt = (f: FileStatus): number => Date.parse(f.evidence.migratedAt ?? '') || 0;
  const live = status.files.filter((f) => f.commit).sort((a, b) => madeAt(a) - madeAt(b));
  if (live.length > 0) {
    lines.push('- Migration commits, newest last (revert the newest first; the one that created the adapter last):');
    for (const file of live) lines.push(`  - \`${file.path}\`: \`git revert ${short(file.commit)}\``);
  }
  lines.push('');
  return lines.join('\n');
}

function fileSection(file: FileStatus, input: ReportInput): string[] {
  const lines = [`### \`${file.path}\``, ''];
  lines.push(`State: **${describeState(file)}**${file.commit ? `, migration commit \`${short(file.commit)}\`` : ''}.`);
  const e = file.evidence;
  if (e.migratedBy) lines.push(`Migrated by ${e.migratedBy.name} <${e.migratedBy.email}> at ${e.migratedAt ? time(e.migratedAt) : '?'}.`);
  if (e.forced) lines.push(`Migrated out of plan order: ${e.forced}.`);
  if (e.approvedBy) lines.push(`Approved by ${e.approvedBy} at ${e.approvedAt ? time(e.approvedAt) : '?'}.`);
  if (file.observeUntil) lines.push(`Observation until ${time(file.observeUntil)}.`);
  lines.push('');
  const dossier = input.dossiers(file.path);
  if (!('error' in dossier)) {
    lines.push(`Risk ${dossier.risk.level} (${dossier.risk.score.toFixed(2)}): ${dossier.risk.reasons.join(' ')}`, '');
    lines.push(
      `Use cases: ${dossier.useCases.length}; routing issues: ${dossier.routingIssues.length}; imported by ${dossier.dependents.length} file(s).`,
      '',
    );
  }
  if (e.baseline) lines.push(`- Baseline: ${summarize(e.baseline)}.`);
  if (e.verification) {
    lines.push(`- Verification: ${e.verification.ok ? 'passed' : 'failed'} — ${summarize(e.verification)}.`);
    for (const failure of e.verification.failures) lines.push(`  - ${failure}`);
    for (const skipped of e.verification.skipped) lines.push(`  - skipped ${skipped}`);
  }
  for (const revert of e.reverts)
    lines.push(
      `- Earlier migration \`${short(revert.commit)}\` ${revert.how}${revert.revertCommit ? ` by \`${short(revert.revertCommit)}\`` : ''}.`,
    );
  return lines;
}

function describeEntry(entry: JournalEntry): string {
  switch (entry.type) {
    case 'dossier':
      return `pre-move analysis of \`${entry.file}\` (risk ${entry.dossier.risk.level})`;
    case 'baseline':
      return `baseline at \`${short(entry.head)}\`: ${summarize(entry.results)}`;
    case 'migrated':
      return `\`${entry.file}\` migrated in \`${short(entry.commit)}\` by ${entry.by.name}${entry.createdAdapter ? ' (adapter created)' : ''}${entry.forced ? `; out of plan order: ${entry.forced}` : ''}`;
    case 'verification':
      return entry.ok
        ? `verification of \`${entry.file}\` passed: ${summarize(entry.results)}`
        : `verification of \`${entry.file}\` failed: ${entry.results.failures.join(' ') || 'no reason was recorded.'} (${summarize(entry.results)})`;
    case 'observing':
      return `observation of \`${entry.file}\` until ${time(entry.until)}`;
    case 'approved':
      return `\`${entry.file}\` approved by ${entry.by.name} <${entry.by.email}> (\`${short(entry.approvalCommit)}\`)`;
    case 'reverted':
      return `\`${entry.file}\` reverted (\`${short(entry.commit)}\` by \`${short(entry.revertCommit)}\`): ${entry.reason}`;
    case 'rollout': {
      const calls = (entry.observed.legacyCalls ?? 0) + (entry.observed.newCalls ?? 0);
      return `rollout ${entry.from} → ${entry.to} by ${entry.by.name}${entry.reason ? `: ${entry.reason}` : ''} (${calls} calls, ${entry.observed.errors ?? 0} errors, ${entry.observed.fallbacks ?? 0} fallbacks observed)`;
    }
  }
}
