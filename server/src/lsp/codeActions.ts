import { CodeActionKind, ErrorCodes, LSPErrorCodes, ResponseError } from 'vscode-languageserver';
import type { CodeAction, CodeActionParams, TextDocumentEdit, WorkspaceEdit, CreateFile } from 'vscode-languageserver';
import type { MigrationEdit } from '../operations/migrationEdit';
import { computeMigrationEdit } from '../operations/migrationEdit';
import { CodeActionKinds, Commands } from '../protocol';
import type { CodeActionData } from '../protocol';
import type { WorkspaceIndex } from '../workspace/workspaceIndex';
import { RangeConverter } from './convert';
import type { Folders } from './folders';

export interface EditCapabilities {
  documentChanges: boolean;
  createFiles: boolean;
}

/**
 * Offers the per-file migration ("Migrate this file through the adapter"), routing one import when
 * a file has several, and the pre-move dossier. Edits are not computed here: the actions carry
 * small data and `codeAction/resolve` computes and verifies the edit when one is chosen.
 */
export function provideCodeActions(folders: Folders, params: CodeActionParams, usesGit: (index: WorkspaceIndex) => boolean): CodeAction[] {
  const found = folders.locate(params.textDocument.uri);
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
  const git = usesGit(index);
  const migrateCommand = {
    title: 'Migrate this file through the adapter',
    command: Commands.migrateFile,
    arguments: [params.textDocument.uri, version],
  };
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
  if ((atUsage || ours.length > 0) && wants(CodeActionKinds.showDossier)) {
    actions.push({
      title: `Show pre-move analysis for ${rel}`,
      kind: CodeActionKinds.showDossier,
      command: { title: 'Show pre-move analysis', command: Commands.showDossier, arguments: [params.textDocument.uri] },
    });
  }
  if ((atUsage || ours.length > 0) && wants(CodeActionKinds.openChecklist)) {
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
export function resolveCodeAction(folders: Folders, action: CodeAction, capabilities: EditCapabilities): CodeAction {
  const data = action.data as CodeActionData | undefined;
  if (!data || (data.action !== 'migrate-file' && data.action !== 'route-site')) return action;
  const found = folders.locate(data.uri);
  if (!found) throw new ResponseError(ErrorCodes.InvalidParams, 'This file is not in a Stepwise workspace folder.');
  const { index, rel } = found;
  const current = index.versionOf(rel) ?? null;
  if (current !== data.version) {
    throw new ResponseError(
      LSPErrorCodes.ContentModified,
      `${rel} changed since this fix was offered (version ${String(data.version)}, now ${String(current)}); ask for the fix again.`,
    );
  }
  const edit = computeMigrationEdit(index, rel, data.action === 'route-site' ? { onlySiteStart: data.siteStart } : {});
  if (edit.error) throw new ResponseError(LSPErrorCodes.RequestFailed, edit.error);
  return { ...action, edit: toWorkspaceEdit(folders, index, edit, capabilities) };
}

export function toWorkspaceEdit(
  folders: Folders,
  index: WorkspaceIndex,
  edit: MigrationEdit,
  capabilities: EditCapabilities,
): WorkspaceEdit {
  if (edit.files.some((f) => f.create) && !(capabilities.documentChanges && capabilities.createFiles)) {
    throw new ResponseError(
      LSPErrorCodes.RequestFailed,
      `This editor cannot create files through an edit, and the adapter ${index.currentSpec()?.adapter.module ?? ''} does not exist yet; run "npx stepwise scaffold-adapter" first.`,
    );
  }
  const documentChanges: (TextDocumentEdit | CreateFile)[] = [];
  for (const file of edit.files) {
    const uri = folders.uriOf(index, file.path);
    if (file.create) {
      documentChanges.push({ kind: 'create', uri, options: { overwrite: false, ignoreIfExists: false } });
      documentChanges.push({
        textDocument: { uri, version: null },
        edits: file.changes.map((c) => ({
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          newText: c.newText,
        })),
      });
      continue;
    }
    const text = index.textOf(file.path) ?? '';
    const ranges = new RangeConverter(text);
    const version = file.path === edit.path ? edit.version : (index.versionOf(file.path) ?? null);
    documentChanges.push({
      textDocument: { uri, version },
      edits: file.changes.map((c) => ({ range: ranges.range(c), newText: c.newText })),
    });
  }
  if (capabilities.documentChanges) return { documentChanges };
  const changes: Record<string, { range: ReturnType<RangeConverter['range']>; newText: string }[]> = {};
  for (const change of documentChanges) {
    if ('textDocument' in change)
      changes[change.textDocument.uri] = change.edits.map((e) => ('range' in e ? { range: e.range, newText: e.newText } : e));
  }
  return { changes };
}

export const codeActionKinds = [CodeActionKind.QuickFix, CodeActionKinds.sourceMigrateFile];
