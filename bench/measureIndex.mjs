// One benchmark run of the workspace index, in a fresh Node process (started by scripts/bench.mjs
// with --expose-gc). Measures the cold index (start + whenIdle), its memory, then edits: each edit
// is setDocument() with a new text followed by whenIdle(). Prints one JSON line on stdout.
//
// Usage: node --expose-gc bench/measureIndex.mjs <bundle.js> <workspace> <edits per kind> [profile dir]
// With a profile dir, each phase (the cold index, each kind of edit) is CPU-profiled on its own and
// written there as <phase>.cpuprofile; the profiler slows the run, so its timings are not comparable.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const [bundle, root, editsArg, profileDir] = process.argv.slice(2);
const editsPerKind = Number(editsArg ?? 5);
const { WorkspaceIndex } = createRequire(import.meta.url)(bundle);
const manifest = JSON.parse(readFileSync(join(root, '.bench-manifest.json'), 'utf8'));

const gc = () => globalThis.gc?.();
const mb = (bytes) => bytes / (1024 * 1024);
const usageFiles = (index) =>
  index
    .allAnalyses()
    .filter((a) => a.usages.length > 0)
    .map((a) => a.path)
    .sort();

/** Starts profiling a phase when profiling was asked for; the returned function ends it. */
let session;
async function profile(phase) {
  if (!profileDir) return async () => undefined;
  if (!session) {
    mkdirSync(profileDir, { recursive: true });
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
  }
  await session.post('Profiler.start');
  return async () => {
    const { profile: result } = await session.post('Profiler.stop');
    writeFileSync(join(profileDir, `${phase}.cpuprofile`), JSON.stringify(result));
  };
}

gc();
const rssBeforeMb = mb(process.memoryUsage().rss);

let endProfile = await profile('cold-index');
const started = performance.now();
const index = new WorkspaceIndex(root);
await index.start();
await index.whenIdle();
const coldMs = performance.now() - started;
await endProfile();

// Memory of the cold index: the peak resident set so far, and the heap the index keeps (after a
// collection, so garbage left by the indexing itself is not counted).
const maxRssMb = process.resourceUsage().maxRSS / 1024;
const heapUsedBeforeGcMb = mb(process.memoryUsage().heapUsed);
gc();
const heapUsedMb = mb(process.memoryUsage().heapUsed);
const status = index.status();
const found = usageFiles(index);

const edits = {};
for (const [kind, edit] of Object.entries(manifest.edits)) {
  const original = index.textOf(edit.rel);
  if (original === undefined) throw new Error(`${edit.rel} is not in the index`);
  let changed = 0;
  const unsubscribe = index.onDidChangeAnalyses.on((rels) => (changed += rels.length));
  const times = [];
  endProfile = await profile(`edit-${kind}`);
  for (let v = 1; v <= editsPerKind; v++) {
    const text = original + edit.append.replaceAll('__V__', String(v));
    const t = performance.now();
    index.setDocument(edit.rel, text, v + 1);
    await index.whenIdle();
    times.push(performance.now() - t);
  }
  await endProfile();
  unsubscribe();
  // Back to the disk's text, so the next kind of edit starts from the generated workspace.
  index.setDocument(edit.rel, original, editsPerKind + 2);
  await index.whenIdle();
  await index.closeDocument(edit.rel);
  await index.whenIdle();
  edits[kind] = { rel: edit.rel, times, analysesChanged: changed };
}

const afterEdits = usageFiles(index);
// How much of the workspace the analysis program holds (the import closure of the analysed files).
const programFiles = index.projects
  .programFor(manifest.edits.legacyUser.rel)
  .getSourceFiles()
  .filter((sf) => index.paths.contains(sf.fileName)).length;
process.stdout.write(
  `${JSON.stringify({
    coldMs,
    indexMs: status.indexMs,
    rssBeforeMb,
    maxRssMb,
    heapUsedMb,
    heapUsedBeforeGcMb,
    status,
    programFiles,
    filesWithUsages: found,
    filesWithUsagesAfterEdits: afterEdits,
    edits,
  })}\n`,
);
