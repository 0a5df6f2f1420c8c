// Inside a real VS Code on a copy of the demo workspace: legacy usages show as diagnostics, and
// the quick fix migrates the file through the adapter (creating the adapter the first time).
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { StepwiseApi } from '../../../client/src/extension';

const EXTENSION_ID = 'stepwise.stepwise';

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return folder.uri.fsPath;
}

function stepwiseDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'stepwise');
}

/** Resolves when `test` holds for the file's diagnostics, re-checked on every diagnostics change. */
function diagnosticsWhere(uri: vscode.Uri, test: (d: vscode.Diagnostic[]) => boolean, what: string): Promise<vscode.Diagnostic[]> {
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
    }, 60_000);
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
async function codeActionsAt(uri: vscode.Uri, range: vscode.Range, kind: string): Promise<vscode.CodeAction[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, range, kind, 10);
    } catch (error) {
      if (attempt >= 10 || !(error instanceof Error) || error.name !== 'Canceled') throw error;
    }
  }
}

describe('diagnostics and the quick fix in the demo workspace', () => {
  let api: StepwiseApi;

  before(async () => {
    const ext = vscode.extensions.getExtension<StepwiseApi>(EXTENSION_ID);
    assert.ok(ext, 'the extension is loaded');
    api = await ext.activate();
    const status = await api.whenIndexed();
    assert.equal(status.status.state, 'ready');
  });

  it('shows legacy usages as diagnostics, with the stepwise source and stable codes', async () => {
    const uri = vscode.Uri.file(join(workspaceRoot(), 'src', 'services', 'health-service.ts'));
    await vscode.window.showTextDocument(uri);
    const diagnostics = await diagnosticsWhere(
      uri,
      (d) => d.some((x) => x.code === 'incompatible-member'),
      'the incompatible stop() to be flagged',
    );
    const stop = diagnostics.find((d) => d.message.includes('stop is renamed to shutdown'));
    assert.ok(stop, diagnostics.map((d) => d.message).join('\n'));
    assert.equal(stop.severity, vscode.DiagnosticSeverity.Warning);
    assert.ok(stop.relatedInformation?.[0]?.location.uri.fsPath.endsWith(join('src', 'core', 'async-cache.ts')));
  });

  it('reports files that are not open', async () => {
    const uri = vscode.Uri.file(join(workspaceRoot(), 'src', 'llm', 'embedding-cache.ts'));
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString()), 'the file is not open');
    await diagnosticsWhere(uri, (d) => d.some((x) => x.code === 'legacy-import'), 'diagnostics for an unopened file');
  });

  it('applies "Migrate this file through the adapter" and the diagnostics go away', async () => {
    const root = workspaceRoot();
    const uri = vscode.Uri.file(join(root, 'src', 'api', 'sessions.ts'));
    const editor = await vscode.window.showTextDocument(uri);
    const diagnostics = await diagnosticsWhere(
      uri,
      (d) => d.some((x) => x.code === 'legacy-call'),
      'the getCacheInstance() call to be flagged',
    );
    const call = diagnostics.find((d) => d.code === 'legacy-call');
    assert.ok(call);

    const actions = await codeActionsAt(uri, call.range, vscode.CodeActionKind.QuickFix.value);
    const migrate = actions.find((a) => a.title === 'Migrate this file through the adapter');
    assert.ok(migrate, `offered: ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(migrate.edit, 'the action was resolved to an edit');
    assert.equal(await vscode.workspace.applyEdit(migrate.edit), true);

    const text = editor.document.getText();
    assert.match(text, /import \{ getCacheInstance \} from '\.\.\/core\/cache-migration\/legacy-adapter';/);
    const adapter = join(root, 'src', 'core', 'cache-migration', 'legacy-adapter.ts');
    assert.ok(existsSync(adapter), 'the adapter file was created');
    await vscode.workspace.saveAll(false);
    await diagnosticsWhere(
      uri,
      (d) => !d.some((x) => typeof x.code === 'string' && x.code.startsWith('legacy-')),
      'the legacy diagnostics to clear',
    );
  });
});
