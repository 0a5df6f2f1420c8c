// One benchmark run of "time to first diagnostics": starts the built language server
// (dist/server.js --stdio) the way an editor does, announces pull diagnostics, opens one file that
// uses the legacy API and pulls its diagnostics (`textDocument/diagnostic`) right away, as VS Code
// does on open. The clock runs from spawning the server until a report with legacy diagnostics
// arrives. Prints one JSON line on stdout.
//
// Usage: node bench/measureFirstDiagnostics.mjs <dist/server.js> <protocol bundle> <workspace> <file>
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [serverPath, protocolBundle, root, rel] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const {
  ConfigurationRequest,
  DidOpenTextDocumentNotification,
  DocumentDiagnosticRequest,
  InitializeRequest,
  InitializedNotification,
  RegistrationRequest,
  WorkDoneProgressCreateRequest,
  createProtocolConnection,
} = require('vscode-languageserver-protocol/node');
const { DiagnosticCodes, StatusChangedNotification, diagnosticSource } = require(protocolBundle);

/** What a capable editor announces (the same as test/lsp/lspClient.ts's pullCapabilities). */
const capabilities = {
  textDocument: {
    diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false },
    codeAction: {
      codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source'] } },
      resolveSupport: { properties: ['edit'] },
      dataSupport: true,
    },
    synchronization: { didSave: true },
  },
  workspace: {
    workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'] },
    diagnostics: { refreshSupport: true },
    configuration: true,
    workspaceFolders: true,
  },
  window: { workDoneProgress: true },
};

const legacyCodes = new Set(
  Object.entries(DiagnosticCodes)
    .filter(([key]) => !['routingPrefix', 'specError', 'specWarning'].includes(key))
    .map(([, code]) => code),
);
const isLegacy = (d) => d.source === diagnosticSource && legacyCodes.has(d.code);

const rootUri = pathToFileURL(root).toString();
const uri = pathToFileURL(join(root, rel)).toString();
const text = readFileSync(join(root, rel), 'utf8');
const at = {};
let stderr = '';

const started = performance.now();
const server = spawn(process.execPath, [serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
server.stderr.on('data', (chunk) => (stderr += chunk.toString()));
const connection = createProtocolConnection(server.stdout, server.stdin);
let refreshed;
const refreshes = new Promise((resolve) => (refreshed = resolve));
connection.onRequest(WorkDoneProgressCreateRequest.type, () => null);
connection.onRequest(RegistrationRequest.type, () => null);
connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => ({})));
connection.onRequest('workspace/diagnostic/refresh', () => {
  refreshed();
  return null;
});
connection.onNotification(StatusChangedNotification.method, (params) => {
  if (params.status.state === 'ready' && at.indexReady === undefined) at.indexReady = performance.now() - started;
});
connection.onNotification('window/logMessage', () => undefined);
connection.listen();

const timeout = setTimeout(() => {
  process.stderr.write(`Timed out waiting for diagnostics of ${rel}. Server stderr:\n${stderr}\n`);
  server.kill();
  process.exit(1);
}, 180_000);

await connection.sendRequest(InitializeRequest.type, {
  processId: process.pid,
  rootUri,
  workspaceFolders: [{ uri: rootUri, name: 'bench' }],
  capabilities,
});
at.initialized = performance.now() - started;
await connection.sendNotification(InitializedNotification.type, {});
await connection.sendNotification(DidOpenTextDocumentNotification.type, {
  textDocument: { uri, languageId: 'typescript', version: 1, text },
});

// A report without legacy diagnostics would mean the file was not analysed yet: pull again after
// the server asks for a refresh (a few times at most; the report is checked below either way).
let report;
let pulls = 0;
for (;;) {
  pulls++;
  report = await connection.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri } });
  if ((report.items ?? []).some(isLegacy) || pulls >= 3) break;
  await refreshes;
}
const firstDiagnosticsMs = performance.now() - started;
clearTimeout(timeout);

// The server's peak resident set (Linux only: VmHWM in /proc).
let serverMaxRssMb;
try {
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  if (kb) serverMaxRssMb = Number(kb) / 1024;
} catch {
  // Not Linux, or the process is gone: no figure.
}

try {
  await connection.sendRequest('shutdown');
  await connection.sendNotification('exit');
} catch {
  // The process may already be gone.
}
connection.dispose();
server.kill();

process.stdout.write(
  `${JSON.stringify({
    firstDiagnosticsMs,
    initializeMs: at.initialized,
    indexReadyMs: at.indexReady,
    pulls,
    diagnostics: (report.items ?? []).length,
    legacyDiagnostics: (report.items ?? []).filter(isLegacy).length,
    serverMaxRssMb,
  })}\n`,
);
