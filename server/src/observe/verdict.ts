import type { ThresholdSet, Thresholds } from '../spec/types';
import type { Observation } from './fileStore';

export type Verdict = 'advance' | 'hold' | 'pause' | 'rollback';

/** The figures a verdict weighs, from the observation (null: nothing to say yet). */
export interface Figures {
  newCalls: number;
  /** Errors on the new side per call it served, in percent. */
  errorRatePercent: number | null;
  /** p99 of the new side above legacy's, in percent (negative: faster). */
  p99IncreasePercent: number | null;
  /** Shadow comparisons that agreed, in percent. */
  shadowAgreementPercent: number | null;
}

export interface Judgement {
  verdict: Verdict;
  /** One sentence per reason, with the figure and the threshold. */
  reasons: string[];
  figures: Figures;
}

export function figuresOf(o: Observation): Figures {
  const c = o.counters;
  const newCalls = c.newCalls ?? 0;
  const compared = c.shadowComparisons ?? 0;
  const { p99LegacyMs, p99NewMs } = o.latency;
  return {
    newCalls,
    errorRatePercent: newCalls > 0 ? ((c.errors ?? 0) / newCalls) * 100 : null,
    p99IncreasePercent: p99LegacyMs && p99NewMs !== null ? (p99NewMs / p99LegacyMs - 1) * 100 : null,
    shadowAgreementPercent: compared > 0 ? (1 - (c.shadowMismatches ?? 0) / compared) * 100 : null,
  };
}

const round = (n: number): string => String(Number(n.toPrecision(3)));

/** The limits of one set that the figures cross, as sentences. */
function crossed(f: Figures, limits: ThresholdSet, strict: boolean): string[] {
  const over = (value: number, limit: number): boolean => (strict ? value > limit : value >= limit);
  const found: string[] = [];
  if (f.p99IncreasePercent !== null && over(f.p99IncreasePercent, limits.p99IncreasePercent))
    found.push(`p99 is ${round(f.p99IncreasePercent)} % above legacy's (limit ${limits.p99IncreasePercent} %)`);
  if (f.errorRatePercent !== null && f.errorRatePercent > limits.errorRatePercent)
    found.push(`the new side's error rate is ${round(f.errorRatePercent)} % (limit ${limits.errorRatePercent} %)`);
  if (
    f.shadowAgreementPercent !== null &&
    limits.shadowAgreementPercent !== undefined &&
    f.shadowAgreementPercent < limits.shadowAgreementPercent
  )
    found.push(`shadow agreement is ${round(f.shadowAgreementPercent)} % (needs ${limits.shadowAgreementPercent} %)`);
  return found;
}

/**
 * Advance, hold, pause or roll back, from the observation and the spec's thresholds. Pure. Roll back
 * and pause are judged on any figures (a failing new side must not wait for a sample); advance
 * needs `minimumCalls` calls on the new side (or shadow comparisons) and every advance limit met.
 */
export function judge(o: Observation, thresholds: Thresholds, minimumCalls: number): Judgement {
  const figures = figuresOf(o);
  const rollback = crossed(figures, thresholds.rollback, false);
  if (rollback.length > 0) return { verdict: 'rollback', reasons: rollback, figures };
  const pause = crossed(figures, thresholds.pause, false);
  if (pause.length > 0) return { verdict: 'pause', reasons: pause, figures };
  const sample = Math.max(figures.newCalls, o.counters.shadowComparisons ?? 0);
  if (sample < minimumCalls)
    return {
      verdict: 'hold',
      reasons: [`${sample} calls observed on the new side; at least ${minimumCalls} are needed to judge`],
      figures,
    };
  const advance = crossed(figures, thresholds.advance, true);
  if (advance.length > 0) return { verdict: 'hold', reasons: advance, figures };
  return { verdict: 'advance', reasons: ['every figure is within the advance thresholds'], figures };
}

/** The stage after `mode` in `stages` (legacy comes before the first), or undefined at the last. */
export function nextStage(mode: string, stages: string[]): string | undefined {
  if (mode === 'legacy') return stages[0];
  const at = stages.indexOf(mode);
  if (at >= 0) return stages[at + 1];
  // A mode set by hand between stages: the first stage beyond it.
  const percent = Number(mode);
  if (mode === 'shadow') return stages.find((s) => s !== 'shadow');
  if (Number.isFinite(percent)) return stages.find((s) => s === 'new' || (Number.isFinite(Number(s)) && Number(s) > percent));
  return undefined;
}
