// Helpers for the suites that run inside VS Code: waits are event-based (diagnostics changed,
// workflow changed), never timed sleeps. Their time limits only guard against a hang: a change
// that takes 2 s idle can take a minute on a loaded machine.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { StepwiseApi } from '../../client/src/extension';
import type { WorkflowStatusRequest } from '../../server/src/protocol';

export const EXTENSION_ID = 'stepwise.stepwise-cache-migration';

export async function activateStepwise(): Promise<StepwiseApi> {
  const ext = vscode.extensions.getExtension<StepwiseApi>(EXTENSION_ID);
  assert.ok(ext, 'the extension is loaded');
  const api = await ext.activate();
  const status = await api.whenIndexed();
  assert.equal(status.status.state, 'ready');
  return api;
}

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return folder.uri.fsPath;
}

export function stepwiseDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'stepwise');
}

/** Resolves when `test` holds for the file's diagnostics, re-checked on every diagnostics change. */
export function diagnosticsWhere(
  uri: vscode.Uri,
  test: (d: vscode.Diagnostic[]) => boolean,
  what: string,
  timeoutMs = 180_000,
): Promise<vscode.Diagnostic[]> {
  const now = stepwiseDiagnostics(uri);
  if (test(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      listener.dispose();
      reject(
        new Error(
          `Timed out waiting for ${what}; diagnostics now: ${stepwiseDiagnostics(uri)
            .map((d) => d.message)
            .join(' | ')}`,
        ),
      );
    }, timeoutMs);
    const listener = vscode.languages.onDidChangeDiagnostics((event) => {
      if (!event.uris.some((u) => u.toString() === uri.toString())) return;
      const current = stepwiseDiagnostics(uri);
      if (!test(current)) return;
      clearTimeout(timer);
      listener.dispose();
      resolve(current);
    });
  });
}

/**
 * The code actions at a range. VS Code fails the whole request when any provider reports a
 * cancellation, which TypeScript's own provider does while its server is still loading the
 * project; so a cancelled request is asked again (a few times at most).
 */
export async function codeActionsAt(uri: vscode.Uri, range: vscode.Range, kind: string): Promise<vscode.CodeAction[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, range, kind, 10);
    } catch (error) {
      if (attempt >= 10 || !(error instanceof Error) || error.name !== 'Canceled') throw error;
    }
  }
}

/** The current workflow status, straight from the server. */
export async function workflowStatus(api: StepwiseApi): Promise<WorkflowStatusRequest.Result> {
  const client = api.client();
  assert.ok(client, 'the language client is running');
  return client.sendRequest<WorkflowStatusRequest.Result>('stepwise/workflowStatus', {});
}

/** Resolves with the workflow status once `test` holds, re-checked whenever the server reports a change. */
export async function workflowWhere(
  api: StepwiseApi,
  test: (s: WorkflowStatusRequest.Result) => boolean,
  what: string,
  timeoutMs = 180_000,
): Promise<WorkflowStatusRequest.Result> {
  const now = await workflowStatus(api);
  if (test(now)) return now;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`Timed out waiting for ${what}`));
    }, timeoutMs);
    const listener = api.onDidChangeWorkflow((status) => {
      if (!test(status)) return;
      clearTimeout(timer);
      listener.dispose();
      resolve(status);
    });
  });
}
