// Inside a real VS Code on a copy of the demo workspace: legacy usages show as diagnostics, in
// open files and in files that are not open. (The quick fix is part of the workflow journey.)
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateStepwise, diagnosticsWhere, workspaceRoot } from '../helpers';

describe('diagnostics and the quick fix in the demo workspace', () => {
  before(async () => {
    await activateStepwise();
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
});
