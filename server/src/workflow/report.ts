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
  const mine = journal.filter((e) => e.migration === status.migration).sort((a, b) => a.at - b.at);
  // Samples are summed up per file below; the timeline keeps the events.
  const timeline = mine.filter((e) => e.type !== 'sample');
  if (timeline.length === 0) lines.push('Nothing recorded yet.');
  for (const entry of timeline) lines.push(`- ${time(entry.at)} — ${describeEntry(entry)}`);
  lines.push('');
  lines.push(...samplesSection(mine));

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

/** Per file: how many samples its observation took, the verdicts they gave, and the worst figures. */
function samplesSection(entries: JournalEntry[]): string[] {
  const byFile = new Map<string, Extract<JournalEntry, { type: 'sample' }>[]>();
  for (const e of entries) if (e.type === 'sample') byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  if (byFile.size === 0) return [];
  const lines = ['## Observation', ''];
  for (const [file, samples] of byFile) {
    const verdicts = new Map<string, number>();
    for (const s of samples) verdicts.set(s.verdict, (verdicts.get(s.verdict) ?? 0) + 1);
    const worst = (name: string, pick: (a: number, b: number) => number): number | null =>
      samples
        .map((s) => s.figures[name])
        .reduce<number | null>((w, v) => (typeof v === 'number' ? (w === null ? v : pick(w, v)) : w), null);
    const fmt = (v: number | null, unit: string): string => (v === null ? '—' : `${Number(v.toPrecision(3))}${unit}`);
    lines.push(
      `- \`${file}\`: ${samples.length} sample(s) from ${time(samples[0].at)} to ${time(samples[samples.length - 1].at)}; ` +
        `verdicts ${[...verdicts].map(([v, n]) => `${v} ×${n}`).join(', ')}; worst error rate ${fmt(worst('errorRatePercent', Math.max), ' %')}, ` +
        `worst p99 increase ${fmt(worst('p99IncreasePercent', Math.max), ' %')}, lowest shadow agreement ${fmt(worst('shadowAgreementPercent', Math.min), ' %')}.`,
    );
  }
  lines.push('');
  return lines;
}

function fmtMs(ms: number | null): string {
  return ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`;
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
      return `rollout ${entry.from} → ${entry.to} by ${entry.automatic ? `Stepwise (${entry.automatic})` : entry.by.name}${entry.reason ? `: ${entry.reason}` : ''} (${calls} calls, ${entry.observed.errors ?? 0} errors, ${entry.observed.fallbacks ?? 0} fallbacks observed${entry.verdict ? `; verdict ${entry.verdict}` : ''})`;
    }
    case 'window':
      return `observation window of \`${entry.file}\` opened (${Object.keys(entry.start.instances).length} process(es) reporting)`;
    case 'sample':
      return `sample of \`${entry.file}\` in ${entry.mode}: ${entry.verdict}${entry.figures.newCalls !== undefined ? ` (${entry.figures.newCalls} new calls)` : ''}`;
    case 'redis-baseline':
      return `Redis INFO baseline before \`${entry.file}\` moved: hit rate ${entry.info.hitRatePercent === null ? '—' : `${entry.info.hitRatePercent.toFixed(1)} %`}, ${entry.info.evictedKeys} evictions`;
    case 'rollback-time':
      return entry.ms === null
        ? `rollback not confirmed by every process (waiting for ${entry.waitingFor.join(', ')})`
        : `rollback reached all ${entry.processes} reporting process(es) in ${(entry.ms / 1000).toFixed(1)} s`;
    case 'drill':
      return entry.ok
        ? `rollback drill from ${entry.stage} by ${entry.by.name}: legacy in ${fmtMs(entry.rollbackMs)}, ${entry.stage} again in ${fmtMs(entry.restoreMs)} (${entry.processes} process(es))`
        : `rollback drill from ${entry.stage} by ${entry.by.name} did not finish: ${entry.error ?? 'unknown'}`;
    case 'adapter-removed':
      return `adapter removed by ${entry.by.name} in \`${short(entry.commit)}\` (${entry.removed.map((r) => `\`${r}\``).join(', ')}): the migration is done`;
  }
}
