// The reference of the benchmark, in a fresh Node process: TypeScript's own full type check of
// the workspace (what `tsc --noEmit -p tsconfig.json` does, minus process start and module load):
// read the tsconfig, create the program over all its files, collect the pre-emit diagnostics.
// Prints one JSON line on stdout.
//
// Usage: node --expose-gc bench/measureTsc.mjs <typescript module path> <workspace>
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const [typescriptPath, root] = process.argv.slice(2);
const ts = createRequire(import.meta.url)(typescriptPath);
const mb = (bytes) => bytes / (1024 * 1024);

globalThis.gc?.();
const rssBeforeMb = mb(process.memoryUsage().rss);

const started = performance.now();
const configPath = join(root, 'tsconfig.json');
const read = ts.readConfigFile(configPath, ts.sys.readFile);
if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configPath);
const program = ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, noEmit: true } });
const diagnostics = ts.getPreEmitDiagnostics(program);
const checkMs = performance.now() - started;

const maxRssMb = process.resourceUsage().maxRSS / 1024;
const heapUsedBeforeGcMb = mb(process.memoryUsage().heapUsed);
globalThis.gc?.();
const heapUsedMb = mb(process.memoryUsage().heapUsed);

const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
const first = errors[0];
process.stdout.write(
  `${JSON.stringify({
    checkMs,
    rssBeforeMb,
    maxRssMb,
    heapUsedMb,
    heapUsedBeforeGcMb,
    files: parsed.fileNames.length,
    errors: errors.length,
    firstError: first
      ? `${first.file ? `${first.file.fileName}: ` : ''}${ts.flattenDiagnosticMessageText(first.messageText, ' ')}`
      : undefined,
  })}\n`,
);
