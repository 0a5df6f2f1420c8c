// The language server against a hostile or broken client: malformed JSON-RPC, unknown methods
// and commands, arguments of the wrong type, an injected git option, edits out of range and a
// thousand edits at once. It must stay up, answer, and stay correct.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { DocumentDiagnosticRequest, ExecuteCommandRequest } from 'vscode-languageserver-protocol/node';
import type { Diagnostic } from 'vscode-languageserver-protocol/node';
import { FileAtCommitRequest, ServerCommands, SetTrustNotification, WorkflowStatusRequest } from '../../server/src/protocol';
import type { EngineResult } from '../../server/src/protocol';
import { prepareWorkspace, removeWorkspace } from '../support/workspace';
import { TestClient } from './lspClient';

function frame(message: object): string {
  const body = Buffer.from(JSON.stringify(message));
  return `Content-Length: ${body.length}\r\n\r\n${body.toString()}`;
}

function rssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

describe('language server: hostile input over stdio', () => {
  let root: string;
  let client: TestClient;

  before(async () => {
    root = await prepareWorkspace('demo');
    ({ client } = await TestClient.start(root));
  });

  after(async () => {
    await client?.stop();
    if (root) await removeWorkspace(root);
  });

  const stillAnswers = async (): Promise<void> => {
    const status = await client.connection.sendRequest<WorkflowStatusRequest.Result>(WorkflowStatusRequest.method, {});
    assert.ok(status.files.length > 0, 'the server answers with the real status');
    assert.ok(client.running, 'the server process is still running');
  };

  it('goes on answering after a header whose Content-Length is not a number, or is missing, or is huge', async () => {
    client.writeRaw('Content-Length: abc\r\n\r\n{}');
    client.writeRaw('Content-Type: application/json\r\n\r\n{"jsonrpc":"2.0"}');
    client.writeRaw('Content-Length: 99999999999\r\n\r\n');
    client.writeRaw('Content-Length: 5\r\nContent-Length: 7\r\n\r\n');
    await stillAnswers();
    assert.match(client.stderr + client.logs.join('\n'), /not an LSP message: a Content-Length that is not a number/);
  });

  it('answers a body that is not JSON, and a message that is not JSON-RPC, without stopping', async () => {
    client.writeRaw('Content-Length: 9\r\n\r\n{not json');
    client.writeRaw(frame({ hello: 'world' }));
    client.writeRaw(frame({ jsonrpc: '2.0', id: 'x', method: 42 }));
    await stillAnswers();
  });

  it('answers an unknown method with MethodNotFound, and an unknown workflow command with an error (not null)', async () => {
    await assert.rejects(client.connection.sendRequest('stepwise/noSuchThing', {}), /Unhandled method|not found/i);
    await assert.rejects(
      client.connection.sendRequest(ExecuteCommandRequest.type, { command: 'stepwise.server.launchMissiles', arguments: [] }),
      /Stepwise has no command stepwise.server.launchMissiles/,
    );
    // A known command with arguments of the wrong shape: an error naming the problem.
    await assert.rejects(
      client.connection.sendRequest(ExecuteCommandRequest.type, { command: ServerCommands.migrate, arguments: [{ uri: 42 }] }),
      /not in a Stepwise workspace folder/,
    );
    await assert.rejects(
      client.connection.sendRequest(ExecuteCommandRequest.type, {
        command: ServerCommands.migrate,
        arguments: [{ uri: client.uri('src/api/sessions.ts'), force: 'yes', version: 'seven' }],
      }),
      /force must be true or false|version must be a number/,
    );
    await stillAnswers();
  });

  it('takes only true as trust: "yes please", 1 or an object leave the workspace untrusted', async () => {
    for (const trusted of ['yes please', 1, { yes: true }, null]) {
      await client.connection.sendNotification(SetTrustNotification.method, { trusted });
      const status = await client.connection.sendRequest<WorkflowStatusRequest.Result>(WorkflowStatusRequest.method, {});
      assert.equal(status.trusted, false, `trusted: ${JSON.stringify(trusted)}`);
    }
  });

  it('never passes a commit from the client to git as an option (--output= writes nothing)', async () => {
    const target = join(root, 'injected.txt');
    for (const commit of [`--output=${target}`, '-p', 'HEAD --output=x', 'HEAD~1', 'main', '@{-1}', 'a'.repeat(65)]) {
      const answer = await client.connection.sendRequest<FileAtCommitRequest.Result>(FileAtCommitRequest.method, {
        uri: client.uri('src/api/sessions.ts'),
        commit,
      });
      assert.equal(answer.text, null, commit);
    }
    assert.equal(existsSync(target), false, 'no file was written');
    // A real object id works.
    const head = readFileSync(join(root, '.git', 'refs', 'heads', 'main'), 'utf8').trim();
    const real = await client.connection.sendRequest<FileAtCommitRequest.Result>(FileAtCommitRequest.method, {
      uri: client.uri('src/api/sessions.ts'),
      commit: head,
    });
    assert.match(real.text ?? '', /getCacheInstance/);
  });

  it('survives edits out of range, and a thousand rapid edits: the answer matches the last text, memory stays bounded', async () => {
    const rel = 'src/api/sessions.ts';
    const text = readFileSync(join(root, rel), 'utf8');
    await client.open(rel, text, 1);
    const calls = async (): Promise<Diagnostic[]> => {
      const report = await client.connection.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri: client.uri(rel) } });
      return report.kind === 'full' ? report.items.filter((d) => d.code === 'legacy-call') : [];
    };
    const before = (await calls()).length;
    assert.ok(before > 0);
    // Ranges far past the end, reversed, negative: clamped or ignored, never a crash.
    await client.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: client.uri(rel), version: 2 },
      contentChanges: [
        { range: { start: { line: 100000, character: 5 }, end: { line: 200000, character: 0 } }, text: '\n' },
        { range: { start: { line: 5, character: 0 }, end: { line: 2, character: 0 } }, text: '' },
        { range: { start: { line: -4, character: -1 }, end: { line: 0, character: 0 } }, text: '' },
      ],
    });
    await stillAnswers();
    const rssBefore = rssMb(client.pid);
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 1000; i++) sends.push(client.change(rel, `${text}\n// edit ${i}\n`, 10 + i));
    sends.push(client.change(rel, `${text}\nexport const another = getCacheInstance();\n`, 2000));
    await Promise.all(sends);
    assert.equal((await calls()).length, before + 1, 'the diagnostics are those of the last text');
    await stillAnswers();
    const grown = rssMb(client.pid) - rssBefore;
    assert.ok(grown < 300, `the server grew by ${grown.toFixed(0)} MB over 1000 edits`);
  });

  it('shares the repository lock with the CLI: a migration while another process holds it is refused with who holds it', async () => {
    const lock = join(root, '.git', 'stepwise', 'operation.lock');
    mkdirSync(dirname(lock), { recursive: true });
    // Held by a live process (this test's) on this host, as a running CLI would hold it.
    writeFileSync(
      lock,
      JSON.stringify({
        pid: process.pid,
        host: hostname(),
        since: Date.now(),
        what: 'migrating src/api/users.ts',
        by: 'the CLI',
        token: 'held',
      }),
    );
    const first = (await client.connection.sendRequest<WorkflowStatusRequest.Result>(WorkflowStatusRequest.method, {})).files[0].path;
    const head = readFileSync(join(root, '.git', 'refs', 'heads', 'main'), 'utf8');
    const refused = (await client.connection.sendRequest(ExecuteCommandRequest.type, {
      command: ServerCommands.migrate,
      arguments: [{ uri: client.uri(first), confirmations: 'return' }],
    })) as EngineResult;
    assert.equal(refused.ok, false);
    assert.match(
      refused.ok ? '' : refused.error,
      new RegExp(
        `^Another Stepwise operation is running: migrating src/api/users\\.ts \\(the CLI, pid ${process.pid} on .*\\); wait for it to finish \\(nothing was changed\\)\\.$`,
      ),
    );
    assert.equal(readFileSync(join(root, '.git', 'refs', 'heads', 'main'), 'utf8'), head, 'nothing was committed');
    // Its process gone (a pid that runs nothing), the lock is stale and taken over.
    writeFileSync(
      lock,
      JSON.stringify({ pid: 2 ** 22 + 17, host: hostname(), since: Date.now() - 60_000, what: 'migrating', by: 'the CLI', token: 'stale' }),
    );
    const taken = (await client.connection.sendRequest(ExecuteCommandRequest.type, {
      command: ServerCommands.migrate,
      arguments: [{ uri: client.uri(first), confirmations: 'return' }],
    })) as EngineResult;
    assert.ok(taken.ok, taken.ok ? '' : taken.error);
    assert.equal(existsSync(lock), false, 'the lock is released');
  });
});
