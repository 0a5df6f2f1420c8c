// The cleanup phase over LSP, as any editor drives it: the same workflow commands move each file
// onto the new API once every file is approved on the adapter, the pushed status says which
// phase it is, and stepwise/removeAdapter removes the adapter only with its path typed.
import * as assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ExecuteCommandRequest } from 'vscode-languageserver-protocol/node';
import { AdvanceClockRequest, RemoveAdapterRequest, ServerCommands, WorkflowStatusRequest } from '../../server/src/protocol';
import type { EngineResult } from '../../server/src/protocol';
import { writeWorkspace } from '../support/tempWorkspace';
import { commitAll, git, hour } from '../support/workflowRepo';
import { TestClient, pullCapabilities } from './lspClient';

const files = {
  'src/a.ts':
    "import { LegacyCache } from './legacy/cache';\nexport const a = new LegacyCache('a');\nexport function stopA(): void { a.stop(); }\n",
  'src/b.ts': "import { LegacyCache } from './legacy/cache';\nexport function useB(): unknown { return new LegacyCache('b').get('k'); }\n",
};

describe('language server: the cleanup phase and removing the adapter', function () {
  this.timeout(120_000);
  let root: string;
  let client: TestClient;

  before(async () => {
    root = writeWorkspace(files);
    commitAll(root);
    ({ client } = await TestClient.start(root, pullCapabilities, { trusted: true }, { env: { ...process.env, STEPWISE_TEST_CLOCK: '1' } }));
  });

  after(async () => {
    await client?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const run = async (command: string, rel: string): Promise<EngineResult> =>
    (await client.connection.sendRequest(ExecuteCommandRequest.type, { command, arguments: [{ uri: client.uri(rel) }] })) as EngineResult;
  const throughTheGates = async (rel: string): Promise<void> => {
    const moved = await run(ServerCommands.migrate, rel);
    assert.ok(moved.ok, moved.ok ? '' : moved.error);
    await client.connection.sendRequest(AdvanceClockRequest.type, { ms: 25 * hour });
    const approved = await run(ServerCommands.approve, rel);
    assert.ok(approved.ok, approved.ok ? '' : approved.error);
  };
  const status = (): Promise<WorkflowStatusRequest.Result> => client.connection.sendRequest(WorkflowStatusRequest.type, {});

  it('moves to the cleanup phase once both files are approved on the adapter, and says so in the status', async () => {
    assert.equal((await status()).phase, 'route');
    await throughTheGates('src/b.ts');
    await throughTheGates('src/a.ts');
    const cleanup = await status();
    assert.equal(cleanup.phase, 'cleanup');
    assert.equal(cleanup.adapter, 'src/adapter/cache.ts');
    assert.deepEqual(
      cleanup.files.map((f) => `${f.path} ${f.state}`),
      ['src/b.ts pending', 'src/a.ts pending'],
    );
    const early = await client.connection.sendRequest(RemoveAdapterRequest.type, { confirmation: 'src/adapter/cache.ts' });
    assert.deepEqual(early, { ok: false, error: 'Finish the cleanup first: src/b.ts (pending), src/a.ts (pending).' });
  });

  it('rewrites each file to the new API with the same commands, then removes the adapter with its path typed', async () => {
    await throughTheGates('src/b.ts');
    await throughTheGates('src/a.ts');
    assert.equal(git(root, 'log', '-3', '--format=%s').split('\n')[1], 'stepwise: rewrite src/a.ts to the new API');
    const wrong = await client.connection.sendRequest(RemoveAdapterRequest.type, { confirmation: 'yes' });
    assert.equal(wrong.ok, false);
    assert.match(wrong.ok ? '' : wrong.error, /one-way door/);
    const removed = await client.connection.sendRequest(RemoveAdapterRequest.type, { confirmation: 'src/adapter/cache.ts' });
    assert.ok(removed.ok, removed.ok ? '' : removed.error);
    assert.equal(existsSync(join(root, 'src/adapter/cache.ts')), false);
    await client.until(() => client.workflows.some((s) => s.phase === 'done'), 'the pushed status to say the migration is done');
    assert.equal((await status()).phase, 'done');
  });
});
