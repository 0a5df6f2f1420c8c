import { CodeActionKind, ErrorCodes, LSPErrorCodes, ResponseError } from 'vscode-languageserver';
import type { CodeAction, CodeActionParams } from 'vscode-languageserver';
import { CodeActionKinds, Commands, ServerCommands } from '../protocol';
import type { CodeActionData, WorkflowCommandArgs } from '../protocol';
import type { MigrationSession } from '../session/session';
import { RangeConverter } from './convert';
import { toWorkspaceEdit } from './edits';
import type { EditCapabilities } from './edits';
import type { Sessions } from './sessions';

export interface CodeActionOptions {
  /** Whether the folder is a git repository: the migration is then the guarded workflow step. */
  usesGit(session: MigrationSession): boolean;
  /** Whether the client implements Stepwise's own commands (the dossier view, the checklist): VS Code. */
  clientCommands: boolean;
}

/**
 * Offers the per-file migration ("Migrate this file through the adapter"), routing one import when
 * a file has several, and the pre-move dossier. Edits are not computed here: the actions carry
 * small data and `codeAction/resolve` computes and verifies the edit when one is chosen.
 */
export function provideCodeActions(sessions: Sessions, params: CodeActionParams, options: CodeActionOptions): CodeAction[] {
  const found = sessions.locate(params.textDocument.uri);
  if (!found) return [];
  const { index, rel } = found;
  const analysis = index.analysisOf(rel);
  const text = index.textOf(rel);
  if (!analysis || text === undefined || analysis.usages.length === 0) return [];
  const ranges = new RangeConverter(text);
  const start = ranges.offset(params.range.start);
  const end = ranges.offset(params.range.end);
  const only = params.context.only;
  const wantsSource = only?.some((k) => CodeActionKinds.sourceMigrateFile.startsWith(k)) ?? false;
  const touches = (span: { start: number; end: number }): boolean => span.start <= end && start <= span.end;
  const version = index.versionOf(rel) ?? null;
  const ours = params.context.diagnostics.filter((d) => d.source === 'stepwise');
  const routable = analysis.importSites.filter((s) => s.direct || s.bindings.some((b) => b.legacy));
  const actions: CodeAction[] = [];
  const atUsage = analysis.usages.some((u) => touches(u.span)) || analysis.routingIssues.some((i) => touches(i.span));
  const wants = (kind: string): boolean => !only || only.some((k) => kind === k || kind.startsWith(`${k}.`));

  // In a git repository the migration is a guarded workflow step (gates, one commit, verification),
  // so the quick fix runs it; elsewhere it is a plain edit.
  const git = options.usesGit(found.session);
  const args: WorkflowCommandArgs = { uri: params.textDocument.uri, version };
  const migrateCommand = { title: 'Migrate this file through the adapter', command: ServerCommands.migrate, arguments: [args] };
  if (routable.length > 0 && (atUsage || ours.length > 0) && wants(CodeActionKinds.migrateFile)) {
    const title = 'Migrate this file through the adapter';
    if (git) {
      actions.push({ title, kind: CodeActionKinds.migrateFile, isPreferred: true, diagnostics: ours, command: migrateCommand });
    } else {
      const data: CodeActionData = { action: 'migrate-file', uri: params.textDocument.uri, version };
      actions.push({ title, kind: CodeActionKinds.migrateFile, isPreferred: true, diagnostics: ours, data });
    }
  }
  if (routable.length > 1 && wants(CodeActionKinds.routeSite)) {
    const site = routable.find((s) => touches(s.span));
    if (site) {
      const data: CodeActionData = { action: 'route-site', uri: params.textDocument.uri, version, siteStart: site.span.start };
      actions.push({ title: 'Route only this import through the adapter', kind: CodeActionKinds.routeSite, data });
    }
  }
  if (options.clientCommands && (atUsage || ours.length > 0) && wants(CodeActionKinds.showDossier)) {
    actions.push({
      title: `Show pre-move analysis for ${rel}`,
      kind: CodeActionKinds.showDossier,
      command: { title: 'Show pre-move analysis', command: Commands.showDossier, arguments: [params.textDocument.uri] },
    });
  }
  if (options.clientCommands && (atUsage || ours.length > 0) && wants(CodeActionKinds.openChecklist)) {
    actions.push({
      title: 'Open migration checklist',
      kind: CodeActionKinds.openChecklist,
      command: { title: 'Open migration checklist', command: Commands.openChecklist, arguments: [params.textDocument.uri] },
    });
  }
  if (wantsSource && routable.length > 0) {
    if (git)
      actions.push({
        title: 'Stepwise: migrate this file through the adapter',
        kind: CodeActionKinds.sourceMigrateFile,
        command: migrateCommand,
      });
    else {
      const data: CodeActionData = { action: 'migrate-file', uri: params.textDocument.uri, version };
      actions.push({ title: 'Stepwise: migrate this file through the adapter', kind: CodeActionKinds.sourceMigrateFile, data });
    }
  }
  return actions;
}

/** Computes and verifies the edit of a Stepwise code action; refuses a document that changed. */
export async function resolveCodeAction(sessions: Sessions, action: CodeAction, capabilities: EditCapabilities): Promise<CodeAction> {
  const data = action.data as CodeActionData | undefined;
  if (!data || (data.action !== 'migrate-file' && data.action !== 'route-site')) return action;
  const found = sessions.locate(data.uri);
  if (!found) throw new ResponseError(ErrorCodes.InvalidParams, 'This file is not in a Stepwise workspace folder.');
  const { session, rel } = found;
  const current = session.index.versionOf(rel) ?? null;
  if (current !== data.version) {
    throw new ResponseError(
      LSPErrorCodes.ContentModified,
      `${rel} changed since this fix was offered (version ${String(data.version)}, now ${String(current)}); ask for the fix again.`,
    );
  }
  const edit = await session.migrationEdit(rel, data.action === 'route-site' ? { onlySiteStart: data.siteStart } : {});
  if ('error' in edit) throw new ResponseError(LSPErrorCodes.RequestFailed, edit.error);
  return { ...action, edit: toWorkspaceEdit(session.root, edit, capabilities) };
}

export const codeActionKinds = [CodeActionKind.QuickFix, CodeActionKinds.sourceMigrateFile];
