import * as vscode from 'vscode';
import { formatLocalDateTime } from '../../server/src/protocol/wording';
import type { Dossier } from '../../server/src/protocol';

export const dossierScheme = 'stepwise-dossier';

/** Renders a dossier (plain data from the server) as a read-only markdown document. */
export class DossierDocuments implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? 'This analysis is no longer available; run "Stepwise: Show Pre-Move Analysis" again.';
  }

  show(dossier: Dossier): vscode.Uri {
    // The tab shows the last path segment: "Preview rate-limiter.ts — pre-move analysis".
    const uri = vscode.Uri.from({ scheme: dossierScheme, path: `/${dossier.path} — pre-move analysis` });
    this.contents.set(uri.toString(), renderDossier(dossier));
    this.changed.fire(uri);
    return uri;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function renderDossier(d: Dossier): string {
  const list = (items: string[], empty: string): string => (items.length > 0 ? items.map((i) => `- \`${i}\``).join('\n') : `- ${empty}`);
  const lines = [
    `# Pre-move analysis: \`${d.path}\``,
    '',
    ...(d.recorded
      ? [`_Recorded before the move, on ${formatLocalDateTime(d.recorded.at)} at commit \`${d.recorded.head.slice(0, 8)}\`._`, '']
      : []),
    `**Risk: ${d.risk.level}** (score ${d.risk.score.toFixed(2)})`,
    '',
    ...d.risk.reasons.map((r) => `- ${r}`),
    '',
    '## Use cases',
    '',
    '| Line | Kind | Use | Where | Code |',
    '| ---: | --- | --- | --- | --- |',
    ...d.useCases.map(
      (u) =>
        `| ${u.line} | ${u.kind}${u.incompatible ? ' ⚠' : ''} | ${u.member ? `${u.symbol}.${u.member}` : u.symbol} | ${u.container ?? ''} | \`${u.text.replace(/\|/g, '\\|').replace(/`/g, "'")}\` |`,
    ),
    '',
    ...((d.replacements ?? []).length > 0
      ? [
          '## What the constructions become',
          '',
          ...(d.replacements ?? []).map(
            (r) =>
              `- line ${r.line}, **${r.symbol}** → \`${r.becomes.replace(/`/g, "'")}\`${r.because ? `, because ${r.because}` : ''}${r.manual ? `. Needs a manual change: ${r.manual}.` : ''}`,
          ),
          '',
        ]
      : []),
    ...((d.configuration ?? []).length > 0
      ? [
          '## Configuration it depends on',
          '',
          ...(d.configuration ?? []).map((c) =>
            c.path === d.path
              ? `- line ${c.line}, **${c.name}**: ${c.message}`
              : `- **${c.name}**: ${c.access === 'read' ? 'read' : 'set'} by ${c.path} line ${c.line}`,
          ),
          '',
        ]
      : []),
    ...((d.shapes ?? []).length > 0
      ? ['## Arguments whose meaning changed', '', ...(d.shapes ?? []).map((f) => `- line ${f.line}, **${f.rule}**: ${f.message}`), '']
      : []),
    '## Routing issues',
    '',
    ...(d.routingIssues.length > 0 ? d.routingIssues.map((r) => `- line ${r.line}, **${r.kind}**: ${r.message}`) : ['- None.']),
    '',
    '## Imports',
    '',
    '**Depends on**',
    '',
    list(d.dependencies, 'Nothing in the workspace.'),
    '',
    `**Imported by** (${d.transitiveDependents.length} files directly or indirectly)`,
    '',
    list(d.dependents, 'Nothing.'),
    '',
    '**Tests that reach it**',
    '',
    list(d.coveredBy, 'None: consider adding one before the move.'),
    '',
    '## Rollback plan',
    '',
    ...d.rollback.steps.map((s, i) => `${i + 1}. ${s}`),
    '',
  ];
  return lines.join('\n');
}
