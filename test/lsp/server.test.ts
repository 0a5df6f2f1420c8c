// The built language server, started over stdio on a copy of the demo workspace and spoken to
// in LSP, as an editor would.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  CodeActionRequest,
  CodeActionResolveRequest,
  DidChangeWatchedFilesNotification,
  DocumentDiagnosticRequest,
  ExecuteCommandRequest,
  FileChangeType,
  WorkspaceDiagnosticRequest,
} from 'vscode-languageserver-protocol/node';
import type { CodeAction, Diagnostic, InitializeResult, TextDocumentEdit, CreateFile } from 'vscode-languageserver-protocol/node';
import {
  AnalyzeRequest,
  DossierRequest,
  IndexStatusRequest,
  PlanRequest,
  ServerCommands,
  RolloutRequest,
  WorkflowStatusRequest,
} from '../../server/src/protocol';
import type { EngineResult } from '../../server/src/protocol';
import { runCli } from '../../server/src/cli';
import { LineIndex } from '../../server/src/util/lineIndex';
import { prepareWorkspace, removeWorkspace } from '../support/workspace';
import { TestClient, pullCapabilities, pushCapabilities } from './lspClient';

async function workspaceDiagnostics(client: TestClient): Promise<Map<string, Diagnostic[]>> {
  const result = await client.connection.sendRequest(WorkspaceDiagnosticRequest.type, { previousResultIds: [] });
  const byUri = new Map<string, Diagnostic[]>();
  for (const item of result.items) if (item.kind === 'full') byUri.set(item.uri, item.items);
  return byUri;
}

/** Applies a WorkspaceEdit to disk the way an editor would (creating files, checking versions elsewhere). */
function applyToDisk(root: string, client: TestClient, changes: (TextDocumentEdit | CreateFile)[]): void {
  for (const change of changes) {
    if ('kind' in change) {
      assert.equal(change.kind, 'create');
      const file = join(root, decodeURIComponent(new URL(change.uri).pathname).slice(root.length + 1));
      assert.ok(!existsSync(file), 'the adapter does not exist before');
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, '');
      continue;
    }
    const file = decodeURIComponent(new URL(change.textDocument.uri).pathname);
    const text = readFileSync(file, 'utf8');
    const lines = new LineIndex(text);
    const edits = change.edits
      .map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), newText: 'newText' in e ? e.newText : '' }))
      .sort((a, b) => b.start - a.start);
    let result = text;
    for (const e of edits) result = result.slice(0, e.start) + e.newText + result.slice(e.end);
    writeFileSync(file, result);
  }
  void client;
}

describe('language server over stdio (demo workspace)', function () {
  let root: string;
  let client: TestClient;

  before(async () => {
    root = await prepareWorkspace('demo', { git: false });
    // As VS Code does: it implements the dossier view and the checklist, so they are offered.
    ({ client } = await TestClient.start(root, undefined, { clientCommands: true }));
  });

  after(async () => {
    await client?.stop();
    if (root) await removeWorkspace(root);
  });

  it('announces pull diagnostics, resolvable code actions and workspace diagnostics', async () => {
    const status = await client.connection.sendRequest<IndexStatusRequest.Result>(IndexStatusRequest.method, {});
    assert.equal(status.status.state, 'ready');
    assert.ok(status.status.filesWithUsages >= 10, `usages found in ${status.status.filesWithUsages} files`);
    assert.equal(status.title, 'AsyncTTLCache to ImprovedAsyncCache');
  });

  it('reports diagnostics for files that are not open', async () => {
    const byUri = await workspaceDiagnostics(client);
    const sessions = byUri.get(client.uri('src/api/sessions.ts')) ?? [];
    const codes = sessions.map((d) => `${d.range.start.line + 1}:${d.code as string}`);
    assert.ok(codes.includes('3:legacy-import') && codes.includes('13:legacy-call'), codes.join(', '));
    assert.ok(sessions.every((d) => d.source === 'stepwise'));
    const health = byUri.get(client.uri('src/services/health-service.ts')) ?? [];
    const stop = health.find((d) => d.code === 'incompatible-member' && d.message.includes('stop is renamed to shutdown'));
    assert.ok(stop, 'stop() is flagged with the spec rule');
    const related = stop.relatedInformation?.[0];
    assert.ok(related?.location.uri.endsWith('/src/core/async-cache.ts'), 'related information points at the legacy declaration');
    // Compatible members (get/set…) are use cases, not squiggles.
    assert.ok(!health.some((d) => /which the new API keeps/.test(d.message)));
    // Files that never touch the legacy API have nothing.
    assert.equal(byUri.get(client.uri('src/utils/strings.ts')), undefined);
  });

  it('answers a repeated workspace pull with "unchanged" reports', async () => {
    const first = await client.connection.sendRequest(WorkspaceDiagnosticRequest.type, { previousResultIds: [] });
    const previousResultIds = first.items.map((i) => ({
      uri: i.uri,
      value: i.resultId as string,
    }));
    const second = await client.connection.sendRequest(WorkspaceDiagnosticRequest.type, { previousResultIds });
    assert.ok(second.items.length > 0 && second.items.every((i) => i.kind === 'unchanged'));
  });

  it('offers the per-file migration, resolves it to a versioned edit, and the squiggles go away after it is applied', async () => {
    const rel = 'src/jobs/cleanup-job.ts';
    const text = readFileSync(join(root, rel), 'utf8');
    await client.open(rel, text, 3);
    const pulled = await client.connection.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri: client.uri(rel) } });
    assert.equal(pulled.kind, 'full');
    const diagnostics = pulled.kind === 'full' ? pulled.items : [];
    const importDiagnostic = diagnostics.find((d) => d.code === 'legacy-type');
    assert.ok(importDiagnostic, 'the type-only import is flagged');
    const actions = (await client.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: client.uri(rel) },
      range: importDiagnostic.range,
      context: { diagnostics: [importDiagnostic] },
    })) as CodeAction[];
    const migrate = actions.find((a) => a.title === 'Migrate this file through the adapter');
    assert.ok(migrate, `actions: ${actions.map((a) => a.title).join(', ')}`);
    assert.equal(migrate.edit, undefined, 'the edit is computed lazily');
    assert.ok(actions.some((a) => a.command?.command === 'stepwise.showDossier'));

    const resolved = await client.connection.sendRequest(CodeActionResolveRequest.type, migrate);
    const changes = resolved.edit?.documentChanges as (TextDocumentEdit | CreateFile)[];
    assert.ok(changes, 'the resolved action carries documentChanges');
    const create = changes.find((c): c is CreateFile => 'kind' in c && c.kind === 'create');
    assert.ok(create?.uri.endsWith('/src/core/cache-migration/legacy-adapter.ts'), 'the first migration creates the adapter');
    const fileEdit = changes.find((c): c is TextDocumentEdit => 'textDocument' in c && c.textDocument.uri === client.uri(rel));
    assert.equal(fileEdit?.textDocument.version, 3, 'the edit is versioned with the document version it was computed for');

    applyToDisk(root, client, changes);
    const after = readFileSync(join(root, rel), 'utf8');
    assert.match(after, /import type \{ AsyncTTLCache \} from '\.\.\/core\/cache-migration\/legacy-adapter';/);
    await client.change(rel, after, 4);
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: [{ uri: client.uri('src/core/cache-migration/legacy-adapter.ts'), type: FileChangeType.Created }],
    });
    const again = await client.connection.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri: client.uri(rel) } });
    assert.equal(again.kind, 'full');
    assert.deepEqual(
      again.kind === 'full' ? again.items.filter((d) => d.code !== undefined && String(d.code).startsWith('legacy')) : ['?'],
      [],
    );
  });

  it('refuses to resolve a fix for a document that changed since it was offered', async () => {
    const rel = 'src/llm/embedding-cache.ts';
    const text = readFileSync(join(root, rel), 'utf8');
    await client.open(rel, text, 1);
    const actions = (await client.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: client.uri(rel) },
      range: { start: { line: 0, character: 0 }, end: { line: 40, character: 0 } },
      context: { diagnostics: [] },
    })) as CodeAction[];
    const migrate = actions.find((a) => a.title === 'Migrate this file through the adapter');
    assert.ok(migrate);
    await client.change(rel, `${text}\n// edited\n`, 2);
    await assert.rejects(
      client.connection.sendRequest(CodeActionResolveRequest.type, migrate),
      (error: { code?: number; message?: string }) => {
        assert.equal(error.code, -32801, 'ContentModified');
        assert.match(error.message ?? '', /changed since this fix was offered/);
        return true;
      },
    );
    assert.equal(readFileSync(join(root, rel), 'utf8'), text, 'nothing was written');
  });

  it('answers the custom requests: plan, dossier, analyze', async () => {
    const plan = await client.connection.sendRequest<PlanRequest.Result>(PlanRequest.method, {});
    assert.ok(plan.entries.length >= 8);
    const scores = plan.entries.map((e) => e.risk.score);
    assert.deepEqual(
      scores,
      [...scores].sort((a, b) => a - b),
      'lowest risk first',
    );
    assert.ok(
      !plan.entries.some(
        (e) => e.path === 'src/core/async-cache.ts' || e.path.includes('improved-cache') || e.path.includes('legacy-adapter'),
      ),
    );

    const dossier = await client.connection.sendRequest<DossierRequest.Result>(DossierRequest.method, {
      uri: client.uri('src/services/health-service.ts'),
    });
    assert.ok('dossier' in dossier, JSON.stringify(dossier));
    assert.ok(dossier.dossier.useCases.some((u) => u.member === 'stop' && u.incompatible));
    assert.ok(dossier.dossier.rollback.steps.some((s) => s.includes('STEPWISE_FLAG_ASYNC_TTL_CACHE_TO_IMPROVED=legacy')));

    const analyze = await client.connection.sendRequest<AnalyzeRequest.Result>(AnalyzeRequest.method, {});
    let cliOut = '';
    await runCli(['analyze', '--json', '--root', root], { out: (t) => (cliOut += t), err: () => undefined });
    assert.deepEqual(analyze, JSON.parse(cliOut), 'the server and the CLI report the same analysis');
  });

  it('shows spec problems on the spec file and keeps the last good spec', async () => {
    const rel = '.stepwise/migration.json';
    const good = readFileSync(join(root, rel), 'utf8');
    const broken = good.replace('"rename": "shutdown"', '"rename": "shutdown", "replace": "x"');
    await client.open(rel, broken, 1, 'json');
    await client.until(() => client.refreshes.length > 0, 'a diagnostics refresh');
    const report = await client.connection.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri: client.uri(rel) } });
    const items = report.kind === 'full' ? report.items : [];
    const problem = items.find((d) => d.code === 'spec-error');
    assert.ok(problem, JSON.stringify(items));
    assert.match(problem.message, /has both "rename" and "replace"; keep exactly one/);
    assert.equal(problem.range.start.line, new LineIndex(broken).positionAt(broken.indexOf('"stop"')).line);
    const status = await client.connection.sendRequest<IndexStatusRequest.Result>(IndexStatusRequest.method, {});
    assert.equal(status.status.state, 'ready', 'the last good spec keeps the index running');
    assert.ok(status.status.usages > 0);
    await client.change(rel, good, 2);
    await client.until(() => client.refreshes.length > 1, 'another refresh');
    const fixed = await client.connection.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri: client.uri(rel) } });
    assert.deepEqual(fixed.kind === 'full' ? fixed.items : [], []);
  });

  it('picks up a file created on disk', async () => {
    const rel = 'src/api/new-endpoint.ts';
    writeFileSync(join(root, rel), "import { getCacheInstance } from '../core/async-cache';\nexport const c = getCacheInstance();\n");
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: [{ uri: client.uri(rel), type: FileChangeType.Created }],
    });
    const status = await client.connection.sendRequest<IndexStatusRequest.Result>(IndexStatusRequest.method, {});
    assert.ok(status.status.filesTotal > 0);
    const byUri = await workspaceDiagnostics(client);
    assert.ok((byUri.get(client.uri(rel)) ?? []).some((d) => d.code === 'legacy-call'));
    rmSync(join(root, rel));
  });
});

describe('language server with a client that cannot pull diagnostics', () => {
  it('pushes diagnostics for every file that uses the legacy API', async () => {
    const root = await prepareWorkspace('edge/members', { git: false });
    const { client, init } = await TestClient.start(root, pushCapabilities);
    try {
      assert.equal(init.capabilities.diagnosticProvider, undefined);
      await client.until(() => client.published.has(client.uri('src/consumer.ts')), 'diagnostics for src/consumer.ts');
      const consumer = client.published.get(client.uri('src/consumer.ts'))?.diagnostics ?? [];
      assert.ok(consumer.some((d) => d.message.includes('The value comes from src/shared.ts')));
    } finally {
      await client.stop();
      await removeWorkspace(root);
    }
  });
});

describe('language server: shape findings from a preset, in JavaScript without node_modules', () => {
  it('squiggles the arguments whose meaning changed, each with its own code, beside the usages', async () => {
    const root = await prepareWorkspace('lru-service', { git: false });
    const { client } = await TestClient.start(root, pullCapabilities);
    try {
      await client.until(() => client.readyRoots.has(root), 'the index');
      const report = await client.connection.sendRequest(DocumentDiagnosticRequest.type, {
        textDocument: { uri: client.uri('src/session-store.js') },
      });
      const items = report.kind === 'full' ? report.items : [];
      const shapes = items.filter((d) => String(d.code).startsWith('shape-')).map((d) => `${d.range.start.line + 1} ${String(d.code)}`);
      assert.deepEqual(shapes, ['9 shape-lru-cache/max-age', '9 shape-lru-cache/dispose-order', '18 shape-lru-cache/positional-ttl']);
      const ttl = items.find((d) => d.code === 'shape-lru-cache/positional-ttl');
      assert.match(ttl?.message ?? '', /reads set\(\)'s third argument as options/);
      assert.ok(
        items.some((d) => d.code === 'incompatible-member' && d.message.includes('del is renamed to delete')),
        'the usages are still there',
      );
    } finally {
      await client.stop();
      await removeWorkspace(root);
    }
  });
});

describe('language server: factory migrations (factory-service, seed 004)', () => {
  it('says the configuration the auto-detection reads, the test fixture that sets it, and the construction a person must change', async () => {
    const root = await prepareWorkspace('factory-service', { git: false });
    const { client } = await TestClient.start(root, pullCapabilities);
    try {
      await client.until(() => client.readyRoots.has(root), 'the index');
      const pull = async (rel: string): Promise<Diagnostic[]> => {
        const report = await client.connection.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri: client.uri(rel) } });
        return report.kind === 'full' ? report.items : [];
      };
      const said = (items: Diagnostic[]): string[] => items.map((d) => `${d.range.start.line + 1} ${d.severity} ${String(d.code)}`);
      // Information (3): what the settings read, which the auto-detection reads too; PORT is not cache configuration.
      assert.deepEqual(said(await pull('src/config/settings.ts')), ['4 3 legacy-configuration', '5 3 legacy-configuration']);
      const env = await pull('test/support/env.ts');
      assert.deepEqual(said(env), ['2 3 legacy-configuration-fixture', '3 3 legacy-configuration-fixture']);
      assert.match(env[0].message, /a test fixture to replace with CacheFactory\.forTesting\(\)/);
      const fixture = (await pull('test/support/caches.ts')).find((d) => d.code === 'manual-construction');
      assert.match(
        fixture?.message ?? '',
        /because it is a test file .* Needs a manual change: CacheFactory's forTesting\(\) takes no option `maxSize`/,
      );
      const web = (await pull('src/web/sessions.ts')).find((d) => d.code === 'legacy-call');
      assert.match(web?.message ?? '', /The new API: await new CacheFactory\(\)\.forWebApp\(\)\./);
      // Files with only configuration are in the workspace pull too.
      const byUri = await workspaceDiagnostics(client);
      assert.ok(byUri.get(client.uri('src/config/settings.ts'))?.length === 2, [...byUri.keys()].join(', '));
    } finally {
      await client.stop();
      await removeWorkspace(root);
    }
  });
});

describe('language server: the workflow over LSP (git workspace)', () => {
  let root: string;
  let client: TestClient;
  let init: InitializeResult;

  before(async () => {
    root = await prepareWorkspace('demo');
    ({ client, init } = await TestClient.start(root));
  });

  after(async () => {
    await client?.stop();
    if (root) await removeWorkspace(root);
  });

  it('reports every plan file as pending with what each allows, lowest risk first', async () => {
    const status = await client.connection.sendRequest<WorkflowStatusRequest.Result>(WorkflowStatusRequest.method, {});
    assert.equal(status.blocked, undefined);
    assert.equal(status.inFlight, null);
    assert.equal(status.trusted, false, 'without a word from the client, commands do not run');
    assert.ok(status.files.length >= 8);
    assert.ok(status.files.every((f) => f.state === 'pending'));
    assert.ok(status.files.every((f) => f.allowed.migrate.ok && !f.allowed.approve.ok && !f.allowed.revert.ok));
    assert.match(status.files[0].allowed.approve.reason ?? '', /needs a passing verification/);
  });

  it('offers the migration as a command (the guarded workflow step), not as a bare edit', async () => {
    const rel = 'src/jobs/cleanup-job.ts';
    await client.open(rel, readFileSync(join(root, rel), 'utf8'), 7);
    const actions = (await client.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: client.uri(rel) },
      range: { start: { line: 3, character: 0 }, end: { line: 3, character: 60 } },
      context: { diagnostics: [] },
    })) as CodeAction[];
    const migrate = actions.find((a) => a.title === 'Migrate this file through the adapter');
    assert.ok(migrate?.command, JSON.stringify(actions));
    assert.equal(migrate.command.command, ServerCommands.migrate, 'a command the server runs, for any client');
    assert.deepEqual(migrate.command.arguments, [{ uri: client.uri(rel), version: 7 }]);
    assert.equal(migrate.edit, undefined);
    // This client did not say it implements the checklist, so nothing it cannot run is offered.
    assert.ok(!actions.some((a) => a.command?.command === 'stepwise.openChecklist'), JSON.stringify(actions));
  });

  it('announces its commands for workspace/executeCommand', () => {
    assert.deepEqual(init.capabilities.executeCommandProvider?.commands.sort(), Object.values(ServerCommands).sort());
  });

  it('refuses an action the engine does not allow, with the reason, and changes nothing', async () => {
    const result = (await client.connection.sendRequest(ExecuteCommandRequest.type, {
      command: ServerCommands.approve,
      arguments: [{ uri: client.uri('src/jobs/cleanup-job.ts'), confirmations: 'return' }],
    })) as EngineResult;
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.error, /no migration commit to approve/);
  });

  it('refuses a migration offered for an older document version', async () => {
    const result = (await client.connection.sendRequest(ExecuteCommandRequest.type, {
      command: ServerCommands.migrate,
      arguments: [{ uri: client.uri('src/jobs/cleanup-job.ts'), version: 3, confirmations: 'return' }],
    })) as EngineResult;
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.error, /changed since this was offered/);
  });

  it('steers the rollout over LSP (stepwise/rollout): the next stage from legacy, in the file store; the pushed status carries it', async () => {
    const next = await client.connection.sendRequest(RolloutRequest.type, { action: 'next' });
    assert.ok(next.ok, next.ok ? '' : next.error);
    assert.match(next.message, /legacy → shadow/);
    const control = JSON.parse(readFileSync(join(root, '.stepwise', 'control', 'async-ttl-cache-to-improved.json'), 'utf8')) as {
      mode: string;
    };
    assert.equal(control.mode, 'shadow');
    await client.until(() => client.workflows.some((w) => w.rollout?.mode === 'shadow'), 'a pushed status with the rollout in shadow');
    const bad = await client.connection.sendRequest(RolloutRequest.type, { action: 'set', value: 'half' });
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.error, /"half" is not a rollout mode/);
    const back = await client.connection.sendRequest(RolloutRequest.type, { action: 'rollback' });
    assert.ok(back.ok && /shadow → legacy/.test(back.message), JSON.stringify(back));
  });
});
