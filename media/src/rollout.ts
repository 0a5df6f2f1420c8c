// The rollout block of the checklist: the mode and where it lives, the window's verdict with the
// figures behind it, small charts over the window, the processes and the store's health, and the
// controls (Next stage, Roll back now, Run drill). It decides nothing: the server says what may
// happen (`canNext`) and why not.
import { formatFigure, formatLocalDateTime } from '../../server/src/protocol/wording';
import type { RolloutPoint, RolloutState } from '../../server/src/protocol';
import { button, el } from './dom';
import type { WebviewMessage } from './messages';

const verdictLabels: Record<RolloutState['verdict'], string> = {
  advance: 'advance',
  hold: 'hold',
  pause: 'pause',
  rollback: 'roll back',
};

function modeText(mode: string): string {
  if (mode === 'legacy' || mode === '0') return 'legacy (the new side serves nothing)';
  if (mode === 'shadow') return 'shadow (legacy answers; the new side is compared)';
  if (mode === 'new' || mode === '100') return 'new (the new side serves every key)';
  return `${mode} % of keys on the new side`;
}

const percent = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${formatFigure(v)} %`);
const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${formatFigure(v)} ms`);
const seconds = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${formatFigure(v / 1000)} s`);

const svgNs = 'http://www.w3.org/2000/svg';
function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(svgNs, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}

/**
 * A small line chart over the window: one line per series (theme colours by class), scaled to
 * the values seen; read out as its last values.
 */
function chart(
  label: string,
  points: RolloutPoint[],
  series: { name: string; className: string; value: (p: RolloutPoint) => number | null; format: (v: number | null) => string }[],
): HTMLElement {
  const width = 180;
  const height = 44;
  const values = series.flatMap((s) => points.map(s.value).filter((v): v is number => v !== null));
  const last = series
    .map(
      (s) =>
        `${s.name} ${s.format(
          [...points]
            .reverse()
            .map(s.value)
            .find((v) => v !== null) ?? null,
        )}`,
    )
    .join(', ');
  const figure = el('figure', { className: 'chart' });
  const box = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width: String(width),
    height: String(height),
    role: 'img',
    'aria-label': `${label}: ${values.length === 0 ? 'no figures yet' : last}`,
  });
  box.append(svg('line', { x1: '0', y1: String(height - 1), x2: String(width), y2: String(height - 1), class: 'axis' }));
  if (values.length > 0 && points.length > 0) {
    const min = Math.min(...values);
    const max = Math.max(...values);
    const span = max - min || Math.abs(max) || 1;
    const times = points.map((p) => p.at);
    const t0 = Math.min(...times);
    const tSpan = Math.max(...times) - t0 || 1;
    for (const s of series) {
      const coords = points
        .map((p) => ({ t: p.at, v: s.value(p) }))
        .filter((c): c is { t: number; v: number } => c.v !== null)
        .map(
          (c) => `${(((c.t - t0) / tSpan) * (width - 4) + 2).toFixed(1)},${(height - 3 - ((c.v - min) / span) * (height - 8)).toFixed(1)}`,
        );
      if (coords.length === 1) coords.push(coords[0].replace(/^[\d.]+/, String(width - 2)));
      if (coords.length > 0) box.append(svg('polyline', { points: coords.join(' '), class: `line ${s.className}` }));
    }
  }
  figure.append(
    box,
    el('figcaption', {}, [el('span', { className: 'chart-label', text: label }), ` ${values.length === 0 ? 'no figures yet' : last}`]),
  );
  return figure;
}

export function rolloutView(state: RolloutState, post: (message: WebviewMessage) => void, busy: boolean): HTMLElement {
  const f = state.figures;
  const where = state.plane.kind === 'redis' ? `Redis at ${state.plane.where}` : 'the local file store (.stepwise/control/)';
  const box = el('section', { className: `rollout verdict-${state.verdict}`, attrs: { 'aria-label': 'Rollout', 'data-mode': state.mode } });
  box.append(
    el('div', { className: 'rollout-head' }, [
      el('h3', { text: `Rollout: ${modeText(state.mode)}` }),
      el('span', {
        className: `verdict verdict-${state.verdict}`,
        text: verdictLabels[state.verdict],
        attrs: { 'data-verdict': state.verdict },
      }),
    ]),
    el('p', {
      className: 'muted',
      text: `On ${where}${state.setAt ? ` · set ${formatLocalDateTime(state.setAt)}${state.setBy ? ` by ${state.setBy}` : ''}` : ' · never set'} · this stage for ${Math.floor(state.stage.minutes)} of its ${state.stage.minimumMinutes} minutes`,
    }),
  );
  if (state.plane.error)
    box.append(
      el('p', { className: 'notice error', attrs: { role: 'alert' }, text: `${state.plane.error} The figures are what it last said.` }),
    );
  box.append(
    el(
      'ul',
      { className: 'reasons' },
      state.reasons.map((r) => el('li', { text: r })),
    ),
  );

  const rows: [string, string][] = [
    [
      'Calls in the window',
      `${f.legacyCalls} legacy · ${f.newCalls} new${state.window.since ? ` (since ${formatLocalDateTime(state.window.since)})` : ''}`,
    ],
    ['New side errors', `${percent(f.errorRatePercent)} (${f.errors} errors, ${f.fallbacks} fell back to legacy)`],
    [
      'p99 latency',
      `legacy ${ms(f.p99LegacyMs)} · new ${ms(f.p99NewMs)}${f.p99IncreasePercent === null ? '' : ` (${f.p99IncreasePercent >= 0 ? '+' : ''}${percent(f.p99IncreasePercent)})`}`,
    ],
    [
      'Shadow agreement',
      f.shadowComparisons > 0
        ? `${percent(f.shadowAgreementPercent)} of ${f.shadowComparisons} — ${Object.entries(state.categories)
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')}`
        : 'no comparisons yet',
    ],
    ['Warm switch', `${f.readThroughs} read-throughs, ${f.fills} back-filled; circuit opened ${f.circuitOpens} time(s)`],
    [
      'Processes',
      state.processes.length === 0
        ? 'none reporting yet (adapters report every 5 s while they serve calls)'
        : state.processes.map((p) => `${p.instance} (${p.mode}, ${formatLocalDateTime(p.at)})`).join(', '),
    ],
  ];
  const h = state.health;
  if (h && !h.error)
    rows.push([
      'Redis',
      `PING ${ms(h.pingMs)}${h.infoError ? ` · ${h.infoError}` : ` · hit rate ${percent(h.hitRatePercent)} (before the move ${percent(h.baselineHitRatePercent)}) · ${h.evictedKeys ?? 0} evictions · ${h.opsPerSecond ?? 0} ops/s`}`,
    ]);
  if (state.lastRollback)
    rows.push([
      'Last rollback',
      state.lastRollback.ms === null
        ? `not confirmed by ${state.lastRollback.waitingFor.join(', ')} (${formatLocalDateTime(state.lastRollback.at)})`
        : `every one of ${state.lastRollback.processes} process(es) served from legacy ${seconds(state.lastRollback.ms)} after it (${formatLocalDateTime(state.lastRollback.at)})`,
    ]);
  if (state.lastDrill)
    rows.push([
      'Last drill',
      state.lastDrill.ok
        ? `legacy in ${seconds(state.lastDrill.rollbackMs)}, ${state.lastDrill.stage} again in ${seconds(state.lastDrill.restoreMs)} (${formatLocalDateTime(state.lastDrill.at)})`
        : `did not finish: ${state.lastDrill.error ?? 'unknown'}`,
    ]);
  box.append(
    el('table', { className: 'figures' }, [
      el(
        'tbody',
        {},
        rows.map(([k, v]) => el('tr', {}, [el('th', { text: k, attrs: { scope: 'row' } }), el('td', { text: v })])),
      ),
    ]),
  );

  box.append(
    el('div', { className: 'charts' }, [
      chart('Error rate', state.series, [{ name: 'new', className: 'errors', value: (p) => p.errorRatePercent, format: percent }]),
      chart('Agreement', state.series, [
        { name: 'shadow', className: 'agreement', value: (p) => p.shadowAgreementPercent, format: percent },
      ]),
      chart('p99', state.series, [
        { name: 'legacy', className: 'legacy', value: (p) => p.p99LegacyMs, format: ms },
        { name: 'new', className: 'new', value: (p) => p.p99NewMs, format: ms },
      ]),
    ]),
  );
  if (state.samples.length > 0)
    box.append(
      el('details', { className: 'samples' }, [
        el('summary', { text: `Differences seen (${state.samples.length})` }),
        el(
          'ul',
          {},
          state.samples.map((s) =>
            el('li', { text: `${s.category} in ${s.member}() for key #${s.key}: legacy ${s.legacy}, new ${s.new}` }),
          ),
        ),
      ]),
    );

  const legacy = state.mode === 'legacy' || state.mode === '0';
  const running = busy ? 'Stepwise is busy; wait for it to finish' : undefined;
  /** One control: unavailable (focusable, saying why) when `unavailable` is set. */
  const control = (
    label: string,
    action: 'next' | 'rollback' | 'drill',
    unavailable: string | undefined,
    title: string,
    className?: string,
  ): HTMLButtonElement => {
    const b = button(
      label,
      () => post({ type: 'command', command: 'rollout', action }),
      unavailable ?? title,
      unavailable !== undefined,
      unavailable,
    );
    b.dataset.rollout = action;
    b.dataset.focusKey = `rollout-${action}`;
    if (className && !unavailable) b.classList.add(className);
    return b;
  };
  const next = control(
    state.next ? `Next stage: ${state.next}` : 'Next stage',
    'next',
    !state.canNext.ok ? state.canNext.reason : running,
    `Move the rollout to ${state.next ?? 'the next stage'}`,
  );
  const back = control(
    'Roll back now',
    'rollback',
    legacy ? 'legacy serves everything already' : running,
    'Set legacy at once: every adapter serves from legacy within its read period',
    'danger',
  );
  const drill = control(
    'Run drill',
    'drill',
    legacy ? 'a drill needs a stage to roll back from' : state.processes.length === 0 ? 'no process is reporting' : running,
    'Roll back, wait until every process serves from legacy, restore the stage; each step timed',
  );
  drill.classList.add('secondary');
  box.append(el('div', { className: 'actions', attrs: { role: 'group', 'aria-label': 'Rollout controls' } }, [next, back, drill]));
  return box;
}
