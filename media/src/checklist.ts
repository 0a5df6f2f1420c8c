// The Migration Checklist webview: renders the workflow status the host sends and relays clicks.
// It decides nothing: every button's state comes from the engine's `allowed` answer.
import {
  describeErrors,
  formatFigure,
  formatLocalDateTime,
  formatRemaining,
  msUntilCountdownChanges,
} from '../../server/src/protocol/wording';
import type { Dossier, FileStatus, VerificationResults, WorkflowAction } from '../../server/src/protocol';
import type { ChecklistStatus, ChecklistUiState, HostMessage, WebviewMessage } from './messages';
import { button, el } from './dom';
import { rolloutView } from './rollout';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): ChecklistUiState | undefined;
  setState(state: ChecklistUiState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const ui: ChecklistUiState = { open: [], scrollY: 0, ...(vscode.getState() ?? {}) };
let status: ChecklistStatus | null = null;
/** The workspace folders to pick from (more than one: a picker above the checklist). */
let folders: { root: string; name: string }[] = [];
/** The last state rendered, to skip renders that would change nothing. */
let rendered = '';
/** Server clock minus local clock, so countdowns match the engine's deadlines. */
let clockOffset = 0;
let busy: string | null = null;
let nextRequest = 1;
const waiting = new Map<number, (message: HostMessage & { type: 'response' }) => void>();
const dossiers = new Map<string, Dossier | string>();

const actions: { action: WorkflowAction; label: string }[] = [
  { action: 'analyze', label: 'Analyze' },
  { action: 'migrate', label: 'Migrate' },
  { action: 'verify', label: 'Verify' },
  { action: 'approve', label: 'Approve' },
  { action: 'revert', label: 'Revert' },
];

const stateLabels: Record<string, string> = {
  pending: 'pending',
  analyzed: 'analyzed',
  migrated: 'migrated — verification pending',
  verified: 'verified',
  failed: 'verification failed',
  observing: 'observing',
  'awaiting-approval': 'awaiting approval',
  approved: 'approved',
  reverted: 'reverted — back to pending',
};

function saveUi(): void {
  vscode.setState(ui);
}

function request(path: string): Promise<HostMessage & { type: 'response' }> {
  const id = nextRequest++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    vscode.postMessage({ type: 'request', id, method: 'dossier', path });
  });
}

/** What the engine is doing to this file right now ("verifying"), if anything. */
function activityOf(file: FileStatus): string | undefined {
  return status?.activity?.file === file.path ? status.activity.doing : undefined;
}

function stateText(file: FileStatus): string {
  const doing = activityOf(file);
  if (doing) return `${doing}…`;
  if (file.state === 'observing' && file.observeUntil)
    return `observing — ${formatRemaining(Date.parse(file.observeUntil), Date.now() + clockOffset)}`;
  return stateLabels[file.state] ?? file.state;
}

/** A stable key for an element that can hold focus, so focus survives a re-render. */
function focusKeyOf(node: Element | null): string | undefined {
  return node instanceof HTMLElement ? node.dataset.focusKey : undefined;
}

function render(): void {
  const root = document.getElementById('root');
  if (!root) return;
  const focused = focusKeyOf(document.activeElement);
  root.replaceChildren();
  renderInto(root);
  // Keyboard users keep their place: the control that had focus has it again after an update.
  if (focused) root.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focused)}"]`)?.focus();
}

function folderPicker(): HTMLElement | null {
  if (folders.length < 2) return null;
  const select = el('select', { attrs: { id: 'folder', 'data-focus-key': 'folder' } });
  for (const folder of folders) {
    const option = el('option', { text: folder.name, attrs: { value: folder.root } });
    if (folder.root === status?.root) option.selected = true;
    select.append(option);
  }
  select.addEventListener('change', () => vscode.postMessage({ type: 'command', command: 'selectFolder', root: select.value }));
  return el('div', { className: 'folder-picker' }, [el('label', { text: 'Workspace folder ', attrs: { for: 'folder' } }), select]);
}

function renderInto(root: HTMLElement): void {
  const picker = folderPicker();
  if (picker) root.append(picker);
  if (!status) {
    root.append(el('p', { className: 'empty', text: 'Stepwise is loading the migration status…' }));
    return;
  }
  const p = status.progress;
  const total = status.files.length || 1;
  const header = el('header', {}, [
    el('h1', { text: status.title ?? 'Migration checklist' }),
    el(
      'div',
      {
        className: 'progress',
        attrs: {
          role: 'progressbar',
          'aria-valuemin': '0',
          'aria-valuemax': String(total),
          'aria-valuenow': String(p.done),
          'aria-label': 'Files approved',
        },
      },
      [bar('done', p.done / total), bar('in-flight', p.inFlight / total)],
    ),
    el('p', {
      className: 'summary',
      text: `${p.done} of ${status.files.length} files approved · ${p.inFlight} in flight · ${p.pending} pending · ${p.usagesRemaining} ${status.phase === 'cleanup' ? 'uses of the old API' : 'legacy usages'} remaining`,
    }),
    el('div', { className: 'toolbar' }, [
      button('Refresh', () => vscode.postMessage({ type: 'command', command: 'refresh' }), 'Ask the server for the current status'),
      button('Export report', () => vscode.postMessage({ type: 'command', command: 'exportReport' }), 'Open the markdown migration report'),
      button('Show log', () => vscode.postMessage({ type: 'command', command: 'showLog' }), 'Show command output in the Stepwise log'),
    ]),
  ]);
  if (!status.trusted) {
    header.append(
      el('p', {
        className: 'notice warning',
        attrs: { role: 'note' },
        text: 'This workspace is not trusted: the tests, the type check command and the benchmark will not run. Only Stepwise\u2019s own type check does, and the evidence says what was skipped.',
      }),
    );
  }
  if (status.blocked) header.append(el('p', { className: 'notice error', attrs: { role: 'alert' }, text: status.blocked }));
  if (status.phase === 'cleanup') header.append(cleanupNotice());
  if (status.phase === 'done')
    header.append(el('p', { className: 'notice', attrs: { role: 'status' }, text: 'The migration is done: the adapter is removed.' }));
  header.append(el('p', { className: 'busy', attrs: { 'aria-live': 'polite' }, text: busy ?? '' }));
  root.append(header);

  // The rollout shows on the card of the file it is observing; with no file in observation, here.
  const rollout = status.rollout;
  // (Only while a migration commit stands: with every file pending or reverted there is no adapter.)
  if (rollout && status.files.some((f) => f.commit) && !status.files.some((f) => f.path === rollout.window.file))
    root.append(rolloutBlock());
  const list = el('ol', { className: 'plan', attrs: { 'aria-label': 'Files in migration order' } });
  for (const file of status.files) list.append(card(file));
  if (status.files.length === 0) list.append(el('li', { className: 'empty', text: 'No file uses the legacy API.' }));
  root.append(list);
  window.scrollTo(0, ui.scrollY);
}

/** The cleanup phase: what it is, and removing the adapter (a one-way door) once nothing imports it. */
function cleanupNotice(): HTMLElement {
  const allowed = status?.removeAdapter;
  const remove = button(
    'Remove adapter…',
    () => vscode.postMessage({ type: 'command', command: 'removeAdapter' }),
    allowed?.ok ? 'Delete the adapter and the legacy package, after you type its path (one-way)' : (allowed?.reason ?? ''),
    !allowed?.ok,
    allowed?.ok ? undefined : allowed?.reason,
  );
  remove.dataset.action = 'removeAdapter';
  if (allowed?.ok) remove.classList.add('danger');
  return el('div', { className: 'notice cleanup', attrs: { role: 'note' } }, [
    el('p', {
      text: 'Cleanup: every file is approved on the adapter. Each now moves onto the new API the same way: one commit, verified, observed and approved; Revert puts it back on the adapter.',
    }),
    remove,
  ]);
}

/** A segment of the progress bar (sized through the CSSOM: the CSP forbids style attributes). */
function bar(kind: string, fraction: number): HTMLSpanElement {
  const span = el('span', { className: `bar ${kind}` });
  span.style.width = `${Math.round(fraction * 1000) / 10}%`;
  return span;
}

function card(file: FileStatus): HTMLLIElement {
  const isCurrent = status?.inFlight === file.path;
  const li = el('li', { className: `card state-${file.state}${isCurrent ? ' current' : ''}`, attrs: { 'data-path': file.path } });
  const risk = file.risk;
  const title = el('h2', {}, [
    el('span', { className: 'position', text: file.planPosition ? `${file.planPosition}.` : '•' }),
    button(file.path, () => vscode.postMessage({ type: 'command', command: 'openFile', path: file.path }), `Open ${file.path}`),
  ]);
  title.querySelector('button')?.setAttribute('data-focus-key', `${file.path}\u0000open`);
  li.append(
    el('div', { className: 'card-head' }, [
      title,
      risk
        ? el('span', {
            className: `risk risk-${risk.level}`,
            text: `${risk.level} ${risk.score.toFixed(2)}`,
            title: risk.reasons.join('\n'),
            attrs: { 'aria-label': `${risk.level} risk` },
          })
        : null,
      el('span', {
        className: `state${activityOf(file) ? ' running' : ''}`,
        text: stateText(file),
        attrs: { 'data-state': file.state, ...(activityOf(file) ? { 'data-activity': activityOf(file) ?? '' } : {}) },
      }),
    ]),
  );
  const row = el('div', { className: 'actions', attrs: { role: 'group', 'aria-label': `Actions for ${file.path}` } });
  // The server says which actions need a confirmation and a reason (migrating out of plan order).
  for (const { action, label: named } of actions) {
    const label = action === 'migrate' && status?.phase === 'cleanup' ? 'Rewrite to new API' : named;
    const allowed = file.allowed[action];
    const tip = !allowed.ok ? allowed.reason : (allowed.needsReason ?? `${label} ${file.path}`);
    const running = busy ?? (status?.activity ? `Stepwise is ${status.activity.doing} ${status.activity.file}` : null);
    const unavailable = !allowed.ok ? allowed.reason : running ? `${running}; wait for it to finish` : undefined;
    const b = button(
      `${label}`,
      () => vscode.postMessage({ type: 'command', command: action, path: file.path }),
      unavailable ?? tip,
      unavailable !== undefined,
      unavailable,
    );
    b.dataset.action = action;
    b.dataset.focusKey = `${file.path}\u0000${action}`;
    if (allowed.needsReason) b.classList.add('secondary');
    if (action === 'revert' && allowed.ok) b.classList.add('danger');
    row.append(b);
  }
  row.append(
    button(
      'Open analysis',
      () => vscode.postMessage({ type: 'command', command: 'showDossier', path: file.path }),
      `Open the pre-move analysis of ${file.path} as a document`,
    ),
  );
  li.append(row);

  if (file.commit) {
    const commit = file.commit;
    li.append(
      el('p', { className: 'commit' }, [
        'Migration commit ',
        button(
          commit.slice(0, 8),
          () => vscode.postMessage({ type: 'command', command: 'openDiff', path: file.path, commit }),
          `Open the diff of ${commit.slice(0, 8)}`,
        ),
        file.evidence.migratedBy ? ` by ${file.evidence.migratedBy.name}` : '',
        file.evidence.forced ? ` — out of plan order: ${file.evidence.forced}` : '',
        file.evidence.approvedBy ? ` — approved by ${file.evidence.approvedBy}` : '',
      ]),
    );
  }
  if (file.evidence.reverts.length > 0) {
    li.append(
      el('p', {
        className: 'reverts',
        text: file.evidence.reverts
          .map((r) => `${r.commit.slice(0, 8)} ${r.how}${r.revertCommit ? ` by ${r.revertCommit.slice(0, 8)}` : ''}`)
          .join('; '),
      }),
    );
  }
  if (status?.rollout && status.rollout.window.file === file.path) li.append(rolloutBlock());
  if (file.evidence.baseline || file.evidence.verification)
    li.append(section(file, 'evidence', 'Baseline and verification', () => evidence(file)));
  li.append(section(file, 'dossier', 'Pre-move analysis', () => dossierView(file)));
  return li;
}

function rolloutBlock(): HTMLElement {
  const running = busy !== null || Boolean(status?.activity);
  return status?.rollout ? rolloutView(status.rollout, (message) => vscode.postMessage(message), running) : el('div');
}

function section(file: FileStatus, key: string, label: string, body: () => HTMLElement): HTMLDetailsElement {
  const id = `${file.path}#${key}`;
  const details = el('details', { className: key });
  details.open = ui.open.includes(id);
  details.append(el('summary', { text: label, attrs: { 'data-focus-key': id } }));
  if (details.open) details.append(body());
  details.addEventListener('toggle', () => {
    ui.open = details.open ? [...new Set([...ui.open, id])] : ui.open.filter((o) => o !== id);
    saveUi();
    if (details.open && details.children.length === 1) details.append(body());
  });
  return details;
}

/** A relative change as "+3.1 %" (better) or "-12.0 %" (worse). */
function signedPercent(change: number): string {
  const percent = change * 100;
  return `${percent >= 0 ? '+' : ''}${percent.toFixed(1)} %`;
}

function evidence(file: FileStatus): HTMLElement {
  const base = file.evidence.baseline;
  const after = file.evidence.verification;
  const table = el('table', {}, [
    el('thead', {}, [
      el('tr', {}, [
        el('th', { text: 'Check' }),
        el('th', { text: 'Baseline' }),
        el('th', { text: 'After the move' }),
        el('th', { text: '' }),
      ]),
    ]),
  ]);
  const body = el('tbody');
  const rows: [string, (r: VerificationResults) => string, (r: VerificationResults) => boolean | undefined][] = [
    [
      'Tests',
      (r) =>
        r.test
          ? r.test.counts
            ? `${r.test.counts.passed} passed, ${r.test.counts.failed} failed`
            : `exit ${r.test.exitCode ?? '—'}`
          : 'not run',
      (r) => r.test?.ok,
    ],
    [
      'Type check',
      (r) =>
        r.typecheck
          ? `${describeErrors(r.typecheck.errors)} (${r.typecheck.source === 'built-in' ? 'Stepwise\u2019s own check' : (r.typecheck.command ?? 'command')})`
          : 'not run',
      (r) => r.typecheck?.ok,
    ],
    [
      'Benchmark',
      (r) =>
        r.bench
          ? Object.entries(r.bench.values)
              .map(
                ([k, v]) =>
                  `${k} ${formatFigure(v)}${r.bench?.samples?.[k] && r.bench.samples[k].length > 1 ? ` (median of ${r.bench.samples[k].length} runs${r.kind === 'baseline' ? ' before the move' : ''})` : ''}`,
              )
              .join(', ') +
            (r.bench.comparisons?.length
              ? ` — ${r.bench.comparisons
                  .map(
                    (c) =>
                      `${signedPercent(-c.regression)} vs. baseline median ${formatFigure(c.baseline)}${c.withinNoise ? ', within the runs\u2019 noise' : ''}`,
                  )
                  .join(', ')}`
              : '')
          : 'not run',
      (r) => r.bench?.ok,
    ],
    [
      'Logs',
      (r) =>
        r.logs
          ? r.logs.problem
            ? r.logs.problem
            : r.logs.matches.length === 0
              ? 'no new matching lines'
              : `${r.logs.matches.length} new matching line${r.logs.matches.length === 1 ? '' : 's'}`
          : 'not configured',
      (r) => r.logs?.ok,
    ],
  ];
  for (const [label, describe, passed] of rows) {
    const ok = after ? passed(after) : undefined;
    body.append(
      el('tr', {}, [
        el('th', { text: label, attrs: { scope: 'row' } }),
        el('td', { text: base ? describe(base) : '—' }),
        el('td', { text: after ? describe(after) : '—' }),
        el('td', { className: ok === undefined ? '' : ok ? 'pass' : 'fail', text: ok === undefined ? '' : ok ? '✓ pass' : '✗ fail' }),
      ]),
    );
  }
  table.append(body);
  const box = el('div', {}, [table]);
  for (const c of after?.bench?.comparisons ?? [])
    box.append(
      el('p', {
        className: 'muted',
        text: `Benchmark runs of ${c.key}: baseline ${c.baselineRange.map(formatFigure).join('–')}, after the move ${c.valueRange.map(formatFigure).join('–')}${after?.bench?.comparedWith ? `; compared with ${after.bench.comparedWith}` : ''}.`,
      }),
    );
  for (const failure of after?.failures ?? []) box.append(el('p', { className: 'fail', text: failure }));
  for (const skipped of after?.skipped ?? base?.skipped ?? []) box.append(el('p', { className: 'muted', text: `Skipped ${skipped}.` }));
  return box;
}

function dossierView(file: FileStatus): HTMLElement {
  const box = el('div', { className: 'dossier-body' });
  const fill = (value: Dossier | string): void => {
    box.replaceChildren();
    if (typeof value === 'string') {
      box.append(el('p', { className: 'muted', text: value }));
      return;
    }
    const list = (label: string, items: string[], empty: string): HTMLElement =>
      el('div', {}, [
        el('h3', { text: label }),
        items.length > 0
          ? el(
              'ul',
              {},
              items.map((i) => el('li', { text: i })),
            )
          : el('p', { className: 'muted', text: empty }),
      ]);
    if (value.recorded)
      box.append(
        el('p', {
          className: 'muted',
          text: `Recorded before the move, on ${formatLocalDateTime(value.recorded.at)} at commit ${value.recorded.head.slice(0, 8)}.`,
        }),
      );
    box.append(
      list('Risk', value.risk.reasons, '—'),
      list(
        'Use cases',
        value.useCases.map(
          (u) =>
            `line ${u.line}: ${u.member ? `${u.symbol}.${u.member}` : u.symbol} (${u.kind}${u.incompatible ? ', incompatible' : ''}) — ${u.text}`,
        ),
        'None.',
      ),
      ...((value.replacements ?? []).length > 0
        ? [
            list(
              'What the constructions become',
              (value.replacements ?? []).map(
                (r) =>
                  `line ${r.line}: ${r.symbol} → ${r.becomes}${r.because ? `, because ${r.because}` : ''}${r.manual ? `. Needs a manual change: ${r.manual}.` : ''}`,
              ),
              'None.',
            ),
          ]
        : []),
      ...((value.configuration ?? []).length > 0
        ? [
            list(
              'Configuration it depends on',
              // Its own uses with what to do; those of the legacy modules it reaches, in short.
              (value.configuration ?? []).map((c) =>
                c.path === value.path
                  ? `line ${c.line}, ${c.name}: ${c.message}`
                  : `${c.name}: ${c.access === 'read' ? 'read' : 'set'} by ${c.path} line ${c.line}`,
              ),
              'None.',
            ),
          ]
        : []),
      ...((value.shapes ?? []).length > 0
        ? [
            list(
              'Arguments whose meaning changed',
              (value.shapes ?? []).map((f) => `line ${f.line}, ${f.rule}: ${f.message}`),
              'None.',
            ),
          ]
        : []),
      list(
        'Routing issues',
        value.routingIssues.map((r) => `line ${r.line}, ${r.kind}: ${r.message}`),
        'None.',
      ),
      list('Imports', value.dependencies, 'Nothing in the workspace.'),
      list('Imported by', value.dependents, 'Nothing.'),
      list('Tests that reach it', value.coveredBy, 'None.'),
      list('Rollback plan', value.rollback.steps, '—'),
    );
  };
  const known = dossiers.get(file.path);
  if (known) fill(known);
  else {
    box.append(el('p', { className: 'muted', text: 'Loading…' }));
    void request(file.path).then((reply) => {
      const value = reply.dossier ?? reply.error ?? 'No analysis available.';
      dossiers.set(file.path, value);
      fill(value);
    });
  }
  return box;
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'state': {
      // Only what changed is drawn again: an identical state (a push that changed nothing here) is skipped.
      const next = JSON.stringify([message.status, message.folders, message.error]);
      if (next === rendered) break;
      rendered = next;
      status = message.status;
      folders = message.folders ?? [];
      if (status) clockOffset = status.now - Date.now();
      dossiers.clear();
      render();
      tickCountdowns();
      if (message.error)
        document.getElementById('root')?.prepend(el('p', { className: 'notice error', attrs: { role: 'alert' }, text: message.error }));
      break;
    }
    case 'busy':
      busy = message.action;
      render();
      break;
    case 'response': {
      const resolve = waiting.get(message.id);
      waiting.delete(message.id);
      resolve?.(message);
      break;
    }
  }
});

let scrollTimer: number | undefined;
window.addEventListener('scroll', () => {
  window.clearTimeout(scrollTimer);
  scrollTimer = window.setTimeout(() => {
    ui.scrollY = window.scrollY;
    saveUi();
  }, 200);
});

// Countdowns tick while the panel is open, when their minute turns (as the status bar's does); the
// host sends fresh state on every real change.
let countdownTimer: number | undefined;
function tickCountdowns(): void {
  window.clearTimeout(countdownTimer);
  let next = 60_000;
  for (const node of document.querySelectorAll<HTMLElement>('.state[data-state="observing"]')) {
    const path = node.closest<HTMLElement>('.card')?.dataset.path;
    const file = status?.files.find((f) => f.path === path);
    if (!file?.observeUntil || activityOf(file)) continue;
    node.textContent = stateText(file);
    next = Math.min(next, msUntilCountdownChanges(Date.parse(file.observeUntil), Date.now() + clockOffset));
  }
  countdownTimer = window.setTimeout(tickCountdowns, next);
}
tickCountdowns();

render();
vscode.postMessage({ type: 'ready' });
