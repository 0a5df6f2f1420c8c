// CodeLens over LSP, as any editor gets them: above a file's first legacy import, its usage count,
// the next step the engine allows and the pre-move analysis; resolved lazily; asked for again
// (workspace/codeLens/refresh) when the workflow moves; off with stepwise.codeLens.enabled.
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  CodeLensRequest,
  CodeLensResolveRequest,
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LSPErrorCodes,
  ResponseError,
} from 'vscode-languageserver-protocol/node';
import type { CodeLens, InitializeResult } from 'vscode-languageserver-protocol/node';
import { AdvanceClockRequest, Commands, ServerCommands, WorkflowStatusRequest } from '../../server/src/protocol';
import type { EngineResult } from '../../server/src/protocol';
import { writeWorkspace } from '../support/tempWorkspace';
import { commitAll, hour } from '../support/workflowRepo';
import { TestClient, pullCapabilities } from './lspClient';

const files = {
  'src/a.ts':
    "// a: one cache, stopped on shutdown\n\nimport { LegacyCache } from './legacy/cache';\nexport const a = new LegacyCache('a');\nexport function stopA(): void { a.stop(); }\n",
  'src/b.ts': "import { LegacyCache } from './legacy/cache';\nexport function useB(): unknown { return new LegacyCache('b').get('k'); }\n",
  'src/c.ts': "import { LegacyCache } from './legacy/cache';\nexport const c = new LegacyCache('c');\n",
  'src/plain.ts': 'export const plain = 1;\n',
};

const capabilities = { ...pullCapabilities, workspace: { ...pullCapabilities.workspace, codeLens: { refreshSupport: true } } };

describe('language server: CodeLens above legacy code', function () {
  this.timeout(120_000);
  let root: string;
  let client: TestClient;
  let init: InitializeResult;
  let lensRefreshes = 0;
  let enabled = true;

  before(async () => {
    root = writeWorkspace(files);
    commitAll(root);
    ({ client, init } = await TestClient.start(
      root,
      capabilities,
      { trusted: true, clientCommands: true },
      { env: { ...process.env, STEPWISE_TEST_CLOCK: '1' }, settingsFor: () => ({ codeLens: { enabled } }) },
    ));
    client.connection.onRequest('workspace/codeLens/refresh', () => {
      lensRefreshes++;
      return null;
    });
  });

  after(async () => {
    await client?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const lenses = (rel: string): Promise<CodeLens[]> =>
    client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: client.uri(rel) } }).then((l) => l ?? []);
  const resolved = async (rel: string): Promise<CodeLens[]> =>
    Promise.all((await lenses(rel)).map((lens) => client.connection.sendRequest(CodeLensResolveRequest.type, lens)));
  const usagesOf = async (rel: string): Promise<number> =>
    (await client.connection.sendRequest(WorkflowStatusRequest.type, {})).files.find((f) => f.path === rel)?.usages ?? -1;
  const run = async (command: string, rel: string): Promise<EngineResult> =>
    (await client.connection.sendRequest(ExecuteCommandRequest.type, { command, arguments: [{ uri: client.uri(rel) }] })) as EngineResult;

  it('announces lenses that resolve, and offers them without their titles', async () => {
    assert.deepEqual(init.capabilities.codeLensProvider, { resolveProvider: true });
    const all = await lenses('src/b.ts');
    assert.ok(all.length > 0);
    assert.ok(
      all.every((l) => l.command === undefined),
      'the lenses come without their titles; they are resolved when shown',
    );
  });

  it('puts every lens of a legacy file on the line of its first legacy import, and resolves them to the count, Migrate and the pre-move analysis', async () => {
    const all = await resolved('src/a.ts');
    assert.deepEqual(
      all.map((l) => l.range.start.line),
      all.map(() => 2),
      'line 3 (0-based 2): the import, under the comment',
    );
    const usages = await usagesOf('src/a.ts');
    assert.ok(usages > 0);
    assert.deepEqual(
      all.map((l) => l.command?.title),
      [`${usages} legacy usage${usages === 1 ? '' : 's'}`, 'Migrate this file (out of plan order)', 'Pre-move analysis'],
      'a.ts is not the plan’s first file: the lens says so, and the migration asks for a reason',
    );
    const [count, migrate, dossier] = all;
    assert.equal(count.command?.command, Commands.openChecklist);
    assert.equal(migrate.command?.command, ServerCommands.migrate, 'a command the server runs, for any client');
    assert.deepEqual(migrate.command?.arguments, [{ uri: client.uri('src/a.ts'), version: null }]);
    assert.equal(dossier.command?.command, Commands.showDossier);
    assert.deepEqual(dossier.command?.arguments, [client.uri('src/a.ts')]);
  });

  it('gives a file without legacy code no lens', async () => {
    assert.deepEqual(await lenses('src/plain.ts'), []);
  });

  it('refuses to resolve a lens computed for an older version of the document', async () => {
    const rel = 'src/c.ts';
    const text = readFileSync(join(root, rel), 'utf8');
    await client.open(rel, text, 1);
    const [first] = await lenses(rel);
    assert.equal((first.data as { version: number }).version, 1);
    await client.change(rel, `${text}\n`, 2);
    await assert.rejects(client.connection.sendRequest(CodeLensResolveRequest.type, first), (error: unknown) => {
      assert.ok(error instanceof ResponseError);
      assert.equal(error.code, LSPErrorCodes.ContentModified);
      return true;
    });
    await client.change(rel, text, 3);
  });

  it('once a file moved: says where it stands, offers only what the engine allows, and asks for the lenses again', async () => {
    const plan = (await client.connection.sendRequest(WorkflowStatusRequest.type, {})).files.map((f) => f.path);
    const rel = plan[0];
    assert.equal(rel, 'src/b.ts', plan.join(', '));
    assert.equal((await resolved(rel))[1].command?.title, 'Migrate this file', 'the plan’s first file');
    const before = lensRefreshes;
    const moved = await run(ServerCommands.migrate, rel);
    assert.ok(moved.ok, moved.ok ? '' : moved.error);
    await client.until(() => lensRefreshes > before, 'workspace/codeLens/refresh after the migration');
    const observing = await resolved(rel);
    assert.ok(observing.length >= 3, JSON.stringify(observing));
    assert.match(observing[0].command?.title ?? '', /^Stepwise: under observation until /);
    assert.equal(observing[1].command?.title, 'Approve: once the observation ends', 'approval is not allowed yet; the lens says why');
    assert.equal(observing[1].command?.command, '', 'and runs nothing');
    const revert = observing.find((l) => l.command?.title === 'Revert');
    assert.equal(revert?.command?.command, ServerCommands.revert);
    // Another file is in flight: the other legacy file's Migrate says why it waits.
    const waiting = await resolved('src/a.ts');
    assert.match(waiting[1].command?.title ?? '', /^Migrate this file: /);
    assert.equal(waiting[1].command?.command, '');

    await client.connection.sendRequest(AdvanceClockRequest.type, { ms: 25 * hour });
    const ended = await resolved(rel);
    assert.equal(ended[1].command?.title, 'Approve');
    assert.equal(ended[1].command?.command, ServerCommands.approve);
  });

  it('shows none once stepwise.codeLens.enabled is off, and asks for them again', async () => {
    const before = lensRefreshes;
    enabled = false;
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { stepwise: { codeLens: { enabled } } },
    });
    await client.until(() => lensRefreshes > before, 'workspace/codeLens/refresh after the setting changed');
    assert.deepEqual(await lenses('src/b.ts'), []);
    enabled = true;
  });
});

describe('language server: CodeLens in an editor without Stepwise’s own commands', function () {
  this.timeout(120_000);
  let root: string;
  let client: TestClient;

  before(async () => {
    root = writeWorkspace(files);
    commitAll(root);
    ({ client } = await TestClient.start(root, pullCapabilities));
  });

  after(async () => {
    await client?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('offers only what the server itself runs: the count as text and Migrate as a server command', async () => {
    const all = await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: client.uri('src/b.ts') } });
    const shown = await Promise.all((all ?? []).map((lens) => client.connection.sendRequest(CodeLensResolveRequest.type, lens)));
    assert.deepEqual(
      shown.map((l) => [l.command?.title.replace(/^\d+/, 'N'), l.command?.command]),
      [
        ['N legacy usages', ''],
        ['Migrate this file', ServerCommands.migrate],
      ],
    );
  });
});
