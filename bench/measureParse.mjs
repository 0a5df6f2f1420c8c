// A reference of the benchmark, in a fresh Node process: TypeScript's parse of every source file
// of the workspace (read from disk, `ts.createSourceFile`), with no program, binding or checking:
// what any syntactic scanner must at least do. Prints one JSON line on stdout.
//
// Usage: node --expose-gc bench/measureParse.mjs <typescript module path> <workspace>
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const [typescriptPath, root] = process.argv.slice(2);
const ts = createRequire(import.meta.url)(typescriptPath);

const started = performance.now();
const configPath = join(root, 'tsconfig.json');
const read = ts.readConfigFile(configPath, ts.sys.readFile);
if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configPath);
let statements = 0;
for (const file of parsed.fileNames) {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  statements += sf.statements.length;
}
const parseMs = performance.now() - started;
const maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ parseMs, maxRssMb, files: parsed.fileNames.length, statements })}\n`);
