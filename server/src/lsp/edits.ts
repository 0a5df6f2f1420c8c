import * as path from 'node:path';
import { LSPErrorCodes, ResponseError } from 'vscode-languageserver';
import type { Connection, CreateFile, TextDocumentEdit, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import type { ApplyOutcome, EditApplier, PreparedEdit } from '../workspace/edits';
import { pathToUri, RangeConverter } from './convert';

export interface EditCapabilities {
  documentChanges: boolean;
  createFiles: boolean;
}

/**
 * A computed edit as a WorkspaceEdit: versioned document changes (the client refuses a document
 * that changed since), creating files when the edit makes one. Throws, in one sentence, when the
 * client cannot create files and the edit needs to.
 */
export function toWorkspaceEdit(root: string, edit: PreparedEdit, capabilities: EditCapabilities): WorkspaceEdit {
  const created = edit.files.find((f) => f.create);
  if (created && !(capabilities.documentChanges && capabilities.createFiles)) {
    throw new ResponseError(
      LSPErrorCodes.RequestFailed,
      `This editor cannot create files through an edit, and ${created.path} does not exist yet; run "npx stepwise scaffold-adapter" first.`,
    );
  }
  const uriOf = (rel: string): string => pathToUri(path.join(root, ...rel.split('/')));
  const documentChanges: (TextDocumentEdit | CreateFile)[] = [];
  const changes: Record<string, TextEdit[]> = {};
  for (const file of edit.files) {
    const uri = uriOf(file.path);
    if (file.create) {
      documentChanges.push({ kind: 'create', uri, options: { overwrite: false, ignoreIfExists: false } });
      documentChanges.push({
        textDocument: { uri, version: null },
        edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: file.after }],
      });
      continue;
    }
    const ranges = new RangeConverter(file.before);
    const edits = file.changes.map((c) => ({ range: ranges.range(c), newText: c.newText }));
    documentChanges.push({ textDocument: { uri, version: file.version }, edits });
    changes[uri] = edits;
  }
  return capabilities.documentChanges ? { documentChanges } : { changes };
}

/**
 * Applies edits in the editor with `workspace/applyEdit`: the documents change in the editor (with
 * its undo), and a document edited since the edit was computed is refused by version.
 */
export class LspEdits implements EditApplier {
  constructor(
    private readonly connection: Connection,
    private readonly root: string,
    private readonly capabilities: () => EditCapabilities,
  ) {}

  async apply(edit: PreparedEdit): Promise<ApplyOutcome> {
    let workspaceEdit: WorkspaceEdit;
    try {
      workspaceEdit = toWorkspaceEdit(this.root, edit, this.capabilities());
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
    const result = await this.connection.workspace.applyEdit({ label: 'Stepwise', edit: workspaceEdit });
    if (!result.applied)
      return {
        ok: false,
        error: `The editor did not apply the edit${result.failureReason ? ` (${result.failureReason})` : ''}; nothing was changed.`,
      };
    // The editor's undo is the way back.
    return { ok: true, restore: () => Promise.resolve() };
  }
}
