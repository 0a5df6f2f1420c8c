// Several workspace folders over LSP: one session per folder with that folder's own settings,
// the workflow driven through workspace/executeCommand as any client would (questions through
// window/showMessageRequest, the status pushed after every change), and a removed folder's session
// disposed, with nothing of it left running.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DidChangeWorkspaceFoldersNotification,
  DidOpenTextDocumentNotification,
  DocumentDiagnosticRequest,
  ExecuteCommandRequest,
} from 'vscode-languageserver-protocol/node';
import { ServerCommands, SessionsRequest, WorkflowStatusRequest } from '../../server/src/protocol';
import type { EngineResult } from '../../server/src/protocol';
import { first, git, prepareWorkflowRepo, second } from '../support/workflowRepo';
import { removeWorkspace } from '../support/workspace';
import { TestClient, pullCapabilities } from './lspClient';

describe('language server: several workspace folders', function () {
  this.timeout(120_000);
  let alpha: string;
  let beta: string;
  let client: TestClient;

  before(async () => {
    alpha = await prepareWorkflowRepo();
    beta = await prepareWorkflowRepo();
    ({ client } = await TestClient.start(
      alpha,
      pullCapabilities,
      { trusted: true },
      {
        folders: [alpha, beta],
        env: { ...process.env, STEPWISE_TEST_CLOCK: '1' },
        // Beta's own settings: its legacy usages are errors, alpha keeps the default (warnings).
        settingsFor: (scopeUri) => (scopeUri === pathToFileURL(beta).toString() ? { diagnostics: { severity: 'error' } } : {}),
      },
    ));
    await client.until(() => client.readyRoots.has(alpha) && client.readyRoots.has(beta), 'both folders to be indexed');
  });

  after(async () => {
    await client?.stop();
    for (const root of [alpha, beta]) if (root) await removeWorkspace(root);
  });

  it('has one session per folder, each with its own settings', async () => {
    const sessions = await client.connection.sendRequest(SessionsRequest.type, {});
    assert.deepEqual([...sessions.roots].sort(), [alpha, beta].sort());
    const severityIn = async (root: string): Promise<number | undefined> => {
      const uri = pathToFileURL(join(root, first)).toString();
      await client.connection.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId: 'typescript', version: 1, text: readFileSync(join(root, first), 'utf8') },
      });
      const report = await client.connection.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri } });
      return report.kind === 'full' ? report.items[0]?.severity : undefined;
    };
    assert.equal(await severityIn(alpha), 2, 'alpha: warnings (the default)');
    assert.equal(await severityIn(beta), 1, 'beta: errors, from its own settings');
  });

  it('asks before migrating out of plan order, through window/showMessageRequest, and pushes the status after', async () => {
    const before = git(beta, 'rev-parse', 'HEAD').trim();
    const alphaBefore = git(alpha, 'rev-parse', 'HEAD').trim();
    client.answer = 'Migrate anyway';
    const pushedBefore = client.workflows.length;
    const result = (await client.connection.sendRequest(ExecuteCommandRequest.type, {
      command: ServerCommands.migrate,
      arguments: [{ uri: pathToFileURL(join(beta, second)).toString() }],
    })) as EngineResult;
    assert.ok(result.ok, result.ok ? '' : result.error);
    assert.match(client.questions.at(-1) ?? '', /lower-risk file\(s\) come first in the plan .*Migrate it anyway\?/);
    assert.match(git(beta, 'log', '-1', '--format=%B'), /Out of plan order: confirmed out of plan order in /);
    assert.equal(git(beta, 'rev-parse', 'HEAD~1').trim(), before);
    assert.equal(git(alpha, 'rev-parse', 'HEAD').trim(), alphaBefore, 'alpha is untouched');
    // The client is told without asking: the pushed status has the file in flight, nothing running.
    await client.until(
      () => client.workflows.slice(pushedBefore).some((s) => s.root === beta && s.inFlight === second && !s.activity),
      'the pushed status of beta with the file in flight',
    );
    const alphaStatus = await client.connection.sendRequest(WorkflowStatusRequest.type, { uri: pathToFileURL(alpha).toString() });
    assert.equal(alphaStatus.inFlight, null);
    assert.ok(
      client.messages.some((m) => m.startsWith('Committed ')),
      'the server said how it went',
    );
  });

  it('a cancelled question changes nothing', async () => {
    client.answer = 'Cancel';
    const before = git(alpha, 'rev-parse', 'HEAD').trim();
    const result = (await client.connection.sendRequest(ExecuteCommandRequest.type, {
      command: ServerCommands.migrate,
      arguments: [{ uri: pathToFileURL(join(alpha, second)).toString() }],
    })) as EngineResult;
    assert.equal(result.ok, false);
    assert.equal(git(alpha, 'rev-parse', 'HEAD').trim(), before);
  });

  it('removing a folder disposes its session: no timer or watcher of it remains', async () => {
    const live = await client.connection.sendRequest(SessionsRequest.type, {});
    assert.ok((live.resources[beta]?.watcher ?? 0) > 0, `beta is watched while it is open: ${JSON.stringify(live.resources)}`);
    await client.connection.sendNotification(DidChangeWorkspaceFoldersNotification.type, {
      event: { added: [], removed: [{ uri: pathToFileURL(beta).toString(), name: 'ws1' }] },
    });
    let after = await client.connection.sendRequest(SessionsRequest.type, {});
    // The notification is handled before the request that follows it.
    assert.deepEqual(after.roots, [alpha]);
    assert.equal(after.resources[beta], undefined, JSON.stringify(after.resources));
    assert.ok((after.resources[alpha]?.watcher ?? 0) > 0, 'alpha is still watched');
    // And the folder can come back.
    client.readyRoots.delete(beta);
    await client.connection.sendNotification(DidChangeWorkspaceFoldersNotification.type, {
      event: { added: [{ uri: pathToFileURL(beta).toString(), name: 'ws1' }], removed: [] },
    });
    await client.until(() => client.readyRoots.has(beta), 'beta to be indexed again');
    after = await client.connection.sendRequest(SessionsRequest.type, {});
    assert.deepEqual([...after.roots].sort(), [alpha, beta].sort());
  });
});
