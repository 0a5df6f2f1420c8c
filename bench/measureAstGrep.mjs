// A reference of the benchmark: `ast-grep scan` (the @ast-grep/cli dev dependency, a native
// binary) with one rule that finds what the index looks for in the generated workspace: imports of
// the legacy module or the barrel that re-exports it, constructions and calls of its exports, and
// the members the spec has rules for. Wall time around the process, peak RSS from GNU time when
// the machine has it. Prints one JSON line on stdout.
//
// Usage: node bench/measureAstGrep.mjs <workspace>
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const [root] = process.argv.slice(2);
const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const binary = join(repo, 'node_modules', '.bin', 'ast-grep');
if (!existsSync(binary)) throw new Error('ast-grep is not installed: run npm ci (it is a dev dependency)');

const rule = [
  'id: legacy-cache',
  'language: TypeScript',
  'rule:',
  '  any:',
  '    - kind: import_statement',
  '      has:',
  '        kind: string',
  '        regex: "async-cache|/core\'$|/core/index\'$"',
  '    - pattern: new AsyncTTLCache($$$ARGS)',
  '    - pattern: new $NS.AsyncTTLCache($$$ARGS)',
  '    - pattern: getCacheInstance($$$ARGS)',
  '    - pattern: $C.stop()',
  '    - pattern: $C.size()',
  '    - pattern: $C.getDetailedMetrics()',
  '',
].join('\n');
const dir = mkdtempSync(join(tmpdir(), 'stepwise-bench-sg-'));
const ruleFile = join(dir, 'rule.yml');
writeFileSync(ruleFile, rule);
const time = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const command = time ? time : binary;
const args = [...(time ? ['-f', 'stepwise-max-rss-kb %M', binary] : []), 'scan', '--rule', ruleFile, '--json=stream', join(root, 'src')];
const started = performance.now();
const run = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
const scanMs = performance.now() - started;
rmSync(dir, { recursive: true, force: true });
if (run.status !== 0 && run.status !== 1) throw new Error(`ast-grep failed (${run.status}): ${run.stderr}`);
const rss = /stepwise-max-rss-kb (\d+)/.exec(run.stderr ?? '');
const matches = run.stdout.split('\n').filter((line) => line.startsWith('{'));
const files = new Set(matches.map((line) => JSON.parse(line).file));
process.stdout.write(
  `${JSON.stringify({ scanMs, maxRssMb: rss ? Number(rss[1]) / 1024 : undefined, matches: matches.length, files: files.size })}\n`,
);
