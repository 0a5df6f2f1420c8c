// The first thing any integration run must prove: the extension under test is the one VS Code
// loaded, it activates, and VS Code opened the workspace the runner prepared.
import * as assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import * as vscode from 'vscode';

const EXTENSION_ID = 'stepwise.stepwise-cache-migration';

describe('smoke', () => {
  it('loads and activates the Stepwise extension', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    // VS Code's ~90 built-in extensions would drown the ones that matter in the message.
    const others = vscode.extensions.all.map((e) => e.id).filter((id) => !id.startsWith('vscode.'));
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded; non-built-in extensions loaded: ${others.join(', ') || 'none'}`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('opens the workspace the runner prepared', () => {
    const expected = process.env.STEPWISE_TEST_WORKSPACE;
    assert.ok(expected, 'the runner did not pass STEPWISE_TEST_WORKSPACE');
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1, `expected one workspace folder, got ${folders.map((f) => f.uri.toString()).join(', ')}`);
    assert.equal(realpathSync(folders[0].uri.fsPath), realpathSync(expected));
  });
});
