import * as vscode from 'vscode';
import type { IndexSummary, WorkflowSnapshot } from '../../server/src/protocol';

/**
 * What the server last pushed, per workspace folder: the index summary and the workflow status.
 * The status bar, the checklist and the commands read it; nobody asks the server again for what
 * it already said.
 */
export class StatusStore implements vscode.Disposable {
  private readonly workflows = new Map<string, WorkflowSnapshot>();
  private readonly indexes = new Map<string, IndexSummary>();
  private readonly changed = new vscode.EventEmitter<WorkflowSnapshot>();
  private readonly indexChanged = new vscode.EventEmitter<IndexSummary>();
  /** A folder's workflow status changed. */
  readonly onDidChangeWorkflow = this.changed.event;
  /** A folder's index summary changed. */
  readonly onDidChangeIndex = this.indexChanged.event;

  setWorkflow(status: WorkflowSnapshot): void {
    this.workflows.set(status.root, status);
    this.changed.fire(status);
  }

  setIndex(summary: IndexSummary): void {
    this.indexes.set(summary.root, summary);
    this.indexChanged.fire(summary);
  }

  workflow(root: string | undefined): WorkflowSnapshot | undefined {
    return root === undefined ? undefined : this.workflows.get(root);
  }

  index(root: string | undefined): IndexSummary | undefined {
    return root === undefined ? undefined : this.indexes.get(root);
  }

  /** Folders the server reported on, in the order they arrived. */
  roots(): string[] {
    return [...new Set([...this.indexes.keys(), ...this.workflows.keys()])];
  }

  /** Forgets everything (the server restarted) or one folder (it left the workspace). */
  clear(root?: string): void {
    if (root === undefined) {
      this.workflows.clear();
      this.indexes.clear();
      return;
    }
    this.workflows.delete(root);
    this.indexes.delete(root);
  }

  dispose(): void {
    this.changed.dispose();
    this.indexChanged.dispose();
  }
}

/** The workspace folder root (a file system path) of a URI, or of the active editor, or the first folder. */
export function folderRootOf(uri?: vscode.Uri): string | undefined {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  const folder = (target && vscode.workspace.getWorkspaceFolder(target)) ?? vscode.workspace.workspaceFolders?.[0];
  return folder?.uri.fsPath;
}
