// Creating a spec from the editor, over LSP: in a folder without one, stepwise/legacyCandidates
// names the module that looks like the legacy cache, stepwise/initSpec writes the starter spec, and
// the index leaves "no spec" for "ready" (the welcome view and the status bar read that state) and
// finds the usages; deleting the spec takes it back to "no spec". Errors are one clear sentence.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DidChangeWatchedFilesNotification, FileChangeType } from 'vscode-languageserver-protocol/node';
import { IndexStatusRequest, InitSpecRequest, LegacyCandidatesRequest } from '../../server/src/protocol';
import { writeWorkspace } from '../support/tempWorkspace';
import { commitAll } from '../support/workflowRepo';
import { TestClient } from './lspClient';

const files = {
  'src/a.ts': "import { LegacyCache } from './legacy/cache';\nexport const a = new LegacyCache('a');\n",
  'src/b.ts': "import { createCache } from './legacy/cache';\nexport const b = createCache('b');\n",
};

describe('language server: creating the migration spec from the editor', function () {
  this.timeout(120_000);
  let root: string;
  let client: TestClient;

  before(async () => {
    root = writeWorkspace(files, { spec: null });
    commitAll(root);
    ({ client } = await TestClient.start(root));
  });

  after(async () => {
    await client?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const state = (): string | undefined => client.indexStates.get(root);

  it('starts in "no spec", offers the legacy module, writes the spec and leaves "no spec" for "ready"', async () => {
    assert.equal(state(), 'no-spec');
    const found = await client.connection.sendRequest(LegacyCandidatesRequest.type, { uri: client.uri('') });
    assert.ok(found, 'an answer for the folder');
    assert.equal(found.specExists, false);
    assert.equal(found.candidates[0]?.module, 'src/legacy/cache.ts', JSON.stringify(found.candidates));

    const written = await client.connection.sendRequest(InitSpecRequest.type, {
      uri: client.uri(''),
      legacyModule: found.candidates[0].module,
      exports: found.candidates[0].exports,
    });
    assert.ok(written.ok, written.ok ? '' : written.error);
    assert.equal(written.written, '.stepwise/migration.json');
    const spec = JSON.parse(readFileSync(join(root, '.stepwise', 'migration.json'), 'utf8')) as { legacy: { modules: string[] } };
    assert.deepEqual(spec.legacy.modules, ['src/legacy/cache.ts']);

    await client.until(() => state() === 'ready', 'the index to say "ready" once the spec exists');
    const status = await client.connection.sendRequest(IndexStatusRequest.type, { uri: client.uri('') });
    assert.equal(status?.status.state, 'ready');
    assert.ok((status?.status.filesWithUsages ?? 0) >= 2, JSON.stringify(status?.status));
  });

  it('refuses to replace the spec unless asked, in one sentence', async () => {
    const again = await client.connection.sendRequest(InitSpecRequest.type, { uri: client.uri(''), legacyModule: 'src/legacy/cache.ts' });
    assert.equal(again.ok, false);
    assert.match(again.ok ? '' : again.error, /already/);
    const none = await client.connection.sendRequest(InitSpecRequest.type, { uri: client.uri(''), legacyModule: ' ' });
    assert.equal(none.ok ? '' : none.error, 'Say which module is the legacy cache.');
  });

  it('goes back to "no spec" when the spec is deleted', async () => {
    rmSync(join(root, '.stepwise', 'migration.json'));
    assert.equal(existsSync(join(root, '.stepwise', 'migration.json')), false);
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: [{ uri: client.uri('.stepwise/migration.json'), type: FileChangeType.Deleted }],
    });
    await client.until(() => state() === 'no-spec', 'the index to say "no spec" once the spec is gone');
  });
});
