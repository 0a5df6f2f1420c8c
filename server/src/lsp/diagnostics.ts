import { DiagnosticSeverity } from 'vscode-languageserver';
import type { Diagnostic, DiagnosticRelatedInformation } from 'vscode-languageserver';
import type { FileAnalysis, Usage } from '../analysis/types';
import { isShownAsDiagnostic } from '../analysis/messages';
import { DiagnosticCodes, diagnosticSource } from '../protocol';
import type { StepwiseSettings } from '../protocol';
import type { ConfigurationUse } from '../protocol/wire';
import { configurationInventory, configurationOf } from '../operations/configuration';
import { withConsumers } from '../operations/providers';
import { templateAwaits } from '../spec/templates';
import { specRelativePath } from '../spec/validate';
import type { WorkspaceIndex } from '../workspace/workspaceIndex';
import { pathToUri, RangeConverter } from './convert';
import type { Sessions } from './sessions';

const severities: Record<StepwiseSettings['diagnostics']['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function codeOf(usage: Usage): string {
  if (usage.kind === 'member') return usage.rule?.kind === 'manual' ? DiagnosticCodes.manualMember : DiagnosticCodes.incompatibleMember;
  switch (usage.kind) {
    case 'import':
      return DiagnosticCodes.import;
    case 'require':
      return DiagnosticCodes.require;
    case 'reexport':
      return DiagnosticCodes.reexport;
    case 'dynamic-import':
      return DiagnosticCodes.dynamicImport;
    case 'new':
    case 'call':
      if (
        usage.rule?.kind === 'constructor' &&
        (usage.rule.manual || (templateAwaits(usage.rule.template) && usage.expression?.awaitBlocked))
      )
        return DiagnosticCodes.manualConstruction;
      return usage.kind === 'new' ? DiagnosticCodes.new : DiagnosticCodes.call;
    case 'type':
      return DiagnosticCodes.type;
  }
}

/** Whether a usage is squiggled: everything but compatible member uses, which are only listed. */
export function isShown(usage: Usage): boolean {
  return isShownAsDiagnostic(usage);
}

export function diagnosticsForFile(
  index: WorkspaceIndex,
  sessions: Sessions,
  analysis: FileAnalysis,
  text: string,
  settings: StepwiseSettings,
): Diagnostic[] {
  const ranges = new RangeConverter(text);
  const severity = severities[settings.diagnostics.severity];
  const result: Diagnostic[] = [];
  for (const usage of analysis.usages) {
    if (!isShown(usage)) continue;
    const declaration = analysis.declarations[usage.symbol];
    const related: DiagnosticRelatedInformation[] = [];
    if (declaration) {
      related.push({
        location: {
          uri: sessions.uriOf(index, declaration.path),
          range: {
            start: { line: declaration.line - 1, character: declaration.column - 1 },
            end: { line: declaration.line - 1, character: declaration.column - 1 + (declaration.end - declaration.start) },
          },
        },
        message: `The legacy ${usage.symbol} is declared here.`,
      });
    }
    result.push({
      range: ranges.range(usage.span),
      severity,
      source: diagnosticSource,
      code: codeOf(usage),
      message: usage.message,
      relatedInformation: related.length > 0 ? related : undefined,
    });
  }
  for (const shape of analysis.shapes) {
    result.push({
      range: ranges.range(shape.span),
      severity,
      source: diagnosticSource,
      code: `${DiagnosticCodes.shapePrefix}${shape.rule}`,
      message: shape.message,
    });
  }
  for (const issue of withConsumers(index, analysis).routingIssues) {
    // A file analysed only in part is always said, whatever the routing-issue setting.
    if (settings.diagnostics.routingIssues || issue.kind === 'too-large') {
      result.push({
        range: ranges.range(issue.span),
        severity: issue.kind === 'too-large' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information,
        source: diagnosticSource,
        code: `${DiagnosticCodes.routingPrefix}${issue.kind}`,
        message: issue.message,
      });
    }
  }
  return result;
}

/** The configuration inventory as information: what the legacy auto-detection reads, and test fixtures that set it. */
export function configurationDiagnostics(uses: ConfigurationUse[], text: string): Diagnostic[] {
  if (uses.length === 0) return [];
  const ranges = new RangeConverter(text);
  return uses.map((use) => ({
    range: ranges.range(use.span),
    severity: DiagnosticSeverity.Information,
    source: diagnosticSource,
    code: use.fixture ? DiagnosticCodes.configurationFixture : DiagnosticCodes.configuration,
    message: use.message,
  }));
}

export function diagnosticsForSpec(index: WorkspaceIndex): Diagnostic[] {
  const text = index.specText();
  if (text === undefined) return [];
  const ranges = new RangeConverter(text);
  return index.specProblems().map((problem) => ({
    range: ranges.range({ start: problem.offset, end: problem.offset + problem.length }),
    severity: problem.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    source: diagnosticSource,
    code: problem.severity === 'error' ? DiagnosticCodes.specError : DiagnosticCodes.specWarning,
    message: problem.path ? `${problem.message} (at ${problem.path})` : problem.message,
  }));
}

interface Report {
  resultId: string;
  items: Diagnostic[];
}

/**
 * Keeps each file's current diagnostics and a result id that changes only when they do, so
 * repeated pulls (the client re-pulls the workspace every few seconds) answer "unchanged" cheaply.
 */
export class DiagnosticStore {
  private readonly reports = new Map<string, Report>();
  private counter = 0;

  constructor(
    private readonly sessions: Sessions,
    /** The settings of the folder at `root`. */
    private readonly settings: (root: string) => StepwiseSettings,
  ) {}

  /** Recomputes the diagnostics of the given files; returns the URIs whose diagnostics changed. */
  update(index: WorkspaceIndex, rels: string[]): string[] {
    const changed: string[] = [];
    for (const rel of rels) {
      const uri = this.sessions.uriOf(index, rel);
      const items = this.compute(index, rel);
      const previous = this.reports.get(uri);
      if (previous && JSON.stringify(previous.items) === JSON.stringify(items)) continue;
      if (!previous && items.length === 0) continue;
      this.reports.set(uri, { resultId: String(++this.counter), items });
      changed.push(uri);
    }
    return changed;
  }

  /** Recomputes everything one index reports on (after a settings or spec change). */
  refreshAll(index: WorkspaceIndex): string[] {
    const rels = new Set([
      ...index.allAnalyses().map((a) => a.path),
      ...configurationInventory(index).map((f) => f.path),
      specRelativePath,
    ]);
    for (const uri of this.reports.keys()) {
      const found = this.sessions.locate(uri);
      if (found?.index === index) rels.add(found.rel);
    }
    return this.update(index, [...rels]);
  }

  /** Forgets every report under `root` (its folder went away); returns their URIs, now empty. */
  forget(root: string): string[] {
    const prefix = pathToUri(root).replace(/\/?$/, '/');
    const gone = [...this.reports.keys()].filter((uri) => uri.startsWith(prefix));
    for (const uri of gone) this.reports.delete(uri);
    return gone;
  }

  get(uri: string): Report {
    return this.reports.get(uri) ?? { resultId: '0', items: [] };
  }

  uris(): string[] {
    return [...this.reports.keys()];
  }

  private compute(index: WorkspaceIndex, rel: string): Diagnostic[] {
    if (rel === specRelativePath) return diagnosticsForSpec(index);
    const analysis = index.analysisSoon(rel);
    const text = index.textOf(rel);
    if (text === undefined) return [];
    const configuration = configurationDiagnostics(configurationOf(index, rel), text);
    if (!analysis) return configuration;
    return [...diagnosticsForFile(index, this.sessions, analysis, text, this.settings(index.root)), ...configuration];
  }
}
