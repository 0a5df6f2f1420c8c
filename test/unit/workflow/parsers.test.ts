// Reading what test runners, tsc and benchmarks print, and splitting spec commands without a shell:
// tables of real-looking outputs (as each tool prints them, with and without colours) and the
// figures the verification must read from them.
import * as assert from 'node:assert/strict';
import {
  compareBench,
  higherIsBetter,
  median,
  parseBenchOutput,
  parseTestCounts,
  parseTscErrors,
  stripAnsi,
} from '../../../server/src/workflow/parsers';
import type { TestCounts } from '../../../server/src/workflow/parsers';
import { CommandLineProblem, parseCommandLine } from '../../../server/src/workflow/runner';

const esc = '\u001b';

// ---- test runners ------------------------------------------------------------------------------

const mochaPassing = `

  cache
    ✔ gets
    ✔ sets
    ✔ expires


  3 passing (8ms)

`;

const mochaFailing = `

  cache
    ✔ gets
    ✔ sets
    1) stops
    - sizes


  2 passing (6ms)
  1 pending
  1 failing

  1) cache
       stops:

      AssertionError [ERR_ASSERTION]: 1 == 2
      + expected - actual

      -1
      +2

      at Context.<anonymous> (test/cache.spec.js:5:30)
      at process.processImmediate (node:internal/timers:483:21)



`;

const mochaColoured = [
  `${esc}[0m${esc}[0m`,
  `${esc}[0m  cache${esc}[0m`,
  `  ${esc}[32m  ${esc}[32m✔${esc}[39m${esc}[0m${esc}[90m gets${esc}[0m`,
  `  ${esc}[31m  1) stops${esc}[0m`,
  `  ${esc}[36m  - sizes${esc}[0m`,
  '',
  '',
  `${esc}[92m ${esc}[0m${esc}[32m 4 passing${esc}[0m${esc}[90m (7ms)${esc}[0m`,
  `${esc}[36m ${esc}[0m${esc}[36m 2 pending${esc}[0m`,
  `${esc}[31m  3 failing${esc}[0m`,
  '',
].join('\n');

const jestPassing = `PASS src/cache.test.ts
  cache
    ✓ gets (2 ms)
    ✓ sets (1 ms)

Test Suites: 1 passed, 1 total
Tests:       4 passed, 4 total
Snapshots:   0 total
Time:        0.512 s, estimated 1 s
Ran all test suites.
`;

const jestFailing = `FAIL src/cache.test.ts
  ● cache › stops

    expect(received).toBe(expected) // Object.is equality

    Expected: 2
    Received: 1

      4 |   it('stops', () => {
    > 5 |     expect(cache.size()).toBe(2);
        |                          ^

PASS src/other.test.ts

Test Suites: 1 failed, 1 passed, 2 total
Tests:       1 failed, 2 skipped, 1 todo, 5 passed, 9 total
Snapshots:   0 total
Time:        1.234 s
Ran all test suites.
`;

const jestColoured = [
  `${esc}[1mTest Suites: ${esc}[22m${esc}[1m${esc}[31m1 failed${esc}[39m${esc}[22m, 1 total`,
  `${esc}[1mTests:       ${esc}[22m${esc}[1m${esc}[31m2 failed${esc}[39m${esc}[22m, ${esc}[1m${esc}[32m3 passed${esc}[39m${esc}[22m, 5 total`,
  `${esc}[1mSnapshots:   ${esc}[22m0 total`,
  `${esc}[1mTime:${esc}[22m        0.8 s`,
].join('\n');

const vitestPassing = ` ✓ src/cache.test.ts (4 tests) 3ms

 Test Files  1 passed (1)
      Tests  4 passed (4)
   Start at  10:20:30
   Duration  412ms (transform 31ms, setup 0ms, collect 22ms, tests 3ms, environment 0ms, prepare 88ms)
`;

const vitestFailing = ` ❯ src/cache.test.ts (10 tests | 1 failed | 2 skipped) 7ms
   × cache > stops 3ms
     → expected 1 to be 2 // Object.is equality

⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯

 FAIL  src/cache.test.ts > cache > stops
AssertionError: expected 1 to be 2 // Object.is equality

 Test Files  1 failed | 1 passed (2)
      Tests  1 failed | 6 passed | 2 skipped | 1 todo (10)
   Start at  10:21:07
   Duration  388ms
`;

const vitestColoured = [
  ` ${esc}[2m Test Files ${esc}[22m ${esc}[1m${esc}[31m1 failed${esc}[39m${esc}[22m${esc}[2m | ${esc}[22m${esc}[1m${esc}[32m1 passed${esc}[39m${esc}[22m${esc}[90m (2)${esc}[39m`,
  ` ${esc}[2m      Tests ${esc}[22m ${esc}[1m${esc}[31m2 failed${esc}[39m${esc}[22m${esc}[2m | ${esc}[22m${esc}[1m${esc}[32m7 passed${esc}[39m${esc}[22m${esc}[90m (9)${esc}[39m`,
  ` ${esc}[2m   Start at ${esc}[22m 10:22:41`,
].join('\n');

// node --test with the TAP reporter (Node 20 when the output is not a terminal), as `npm test`
// prints it in the demo: npm's banner first.
const nodeTestTap = `
> resync-demo@1.4.2 test
> tsc -p tsconfig.json && node --test dist/test/*.test.js

TAP version 13
# Subtest: ok
ok 1 - ok
  ---
  duration_ms: 1.334044
  ...
# Subtest: bad
not ok 2 - bad
  ---
  duration_ms: 1.238092
  location: '/tmp/nt/a.test.js:4:1'
  failureType: 'testCodeFailure'
  error: '1 == 2'
  code: 'ERR_ASSERTION'
  ...
# Subtest: skipped
ok 3 - skipped # SKIP
  ---
  duration_ms: 0.159139
  ...
# Subtest: todo
ok 4 - todo # TODO
  ---
  duration_ms: 0.13433
  ...
1..4
# tests 4
# suites 0
# pass 1
# fail 1
# cancelled 0
# skipped 1
# todo 1
# duration_ms 198.050656
`;

// node --test with the spec reporter: the default on a terminal, and everywhere since Node 23.
const nodeTestSpec = `✔ ok (1.322565ms)
✖ bad (1.423641ms)
  AssertionError [ERR_ASSERTION]: 1 == 2
      at TestContext.<anonymous> (/tmp/nt/a.test.js:4:28)
    generatedMessage: true,
    code: 'ERR_ASSERTION',

﹣ skipped (0.146641ms) # SKIP
✔ todo (0.15156ms) # TODO
ℹ tests 4
ℹ suites 0
ℹ pass 1
ℹ fail 1
ℹ cancelled 0
ℹ skipped 1
ℹ todo 1
ℹ duration_ms 136.112165

✖ failing tests:

test at a.test.js:4:1
✖ bad (1.423641ms)
`;

const nodeTestSpecColoured = [
  `${esc}[32m✔ ok ${esc}[90m(1.1ms)${esc}[39m${esc}[39m`,
  `${esc}[34mℹ tests 12${esc}[39m`,
  `${esc}[34mℹ suites 2${esc}[39m`,
  `${esc}[34mℹ pass 12${esc}[39m`,
  `${esc}[34mℹ fail 0${esc}[39m`,
  `${esc}[34mℹ cancelled 0${esc}[39m`,
  `${esc}[34mℹ skipped 0${esc}[39m`,
  `${esc}[34mℹ todo 0${esc}[39m`,
  `${esc}[34mℹ duration_ms 80.2${esc}[39m`,
].join('\n');

// tape (the classic TAP producer): two spaces after "pass" and "fail".
const tapePassing = `TAP version 13
# cache gets
ok 1 should be equal
ok 2 should be equal

1..2
# tests 2
# pass  2

# ok

`;

const tapeFailing = `TAP version 13
# cache stops
ok 1 should be equal
not ok 2 should be equal
  ---
    operator: equal
    expected: 2
    actual:   1
  ...
ok 3 should be truthy

1..3
# tests 3
# pass  2
# fail  1
`;

const tapGeneric = `TAP version 13
ok 1 - gets
ok 2 - sets # SKIP no redis
not ok 3 - stops
1..3
# pass 1
# fail 1
# skip 1
`;

interface CountsCase {
  name: string;
  output: string;
  expected: TestCounts | undefined;
}

const countCases: CountsCase[] = [
  { name: 'mocha, all passing', output: mochaPassing, expected: { framework: 'mocha', passed: 3, failed: 0, skipped: 0 } },
  { name: 'mocha, with pending and failing', output: mochaFailing, expected: { framework: 'mocha', passed: 2, failed: 1, skipped: 1 } },
  { name: 'mocha, in colour', output: mochaColoured, expected: { framework: 'mocha', passed: 4, failed: 3, skipped: 2 } },
  { name: 'jest, all passing', output: jestPassing, expected: { framework: 'jest', passed: 4, failed: 0, skipped: 0 } },
  {
    name: 'jest, failed with skipped and todo (both count as skipped)',
    output: jestFailing,
    expected: { framework: 'jest', passed: 5, failed: 1, skipped: 3 },
  },
  { name: 'jest, in colour', output: jestColoured, expected: { framework: 'jest', passed: 3, failed: 2, skipped: 0 } },
  { name: 'vitest, all passing', output: vitestPassing, expected: { framework: 'vitest', passed: 4, failed: 0, skipped: 0 } },
  {
    name: 'vitest, failed with skipped and todo (the "Test Files" line is not the tests)',
    output: vitestFailing,
    expected: { framework: 'vitest', passed: 6, failed: 1, skipped: 3 },
  },
  { name: 'vitest, in colour', output: vitestColoured, expected: { framework: 'vitest', passed: 7, failed: 2, skipped: 0 } },
  {
    name: 'node:test, TAP reporter after npm’s banner',
    output: nodeTestTap,
    expected: { framework: 'node:test', passed: 1, failed: 1, skipped: 2 },
  },
  {
    name: 'node:test, spec reporter (the default since Node 23)',
    output: nodeTestSpec,
    expected: { framework: 'node:test', passed: 1, failed: 1, skipped: 2 },
  },
  {
    name: 'node:test, spec reporter in colour',
    output: nodeTestSpecColoured,
    expected: { framework: 'node:test', passed: 12, failed: 0, skipped: 0 },
  },
  { name: 'tape, all passing', output: tapePassing, expected: { framework: 'tap', passed: 2, failed: 0, skipped: 0 } },
  { name: 'tape, with a failure', output: tapeFailing, expected: { framework: 'tap', passed: 2, failed: 1, skipped: 0 } },
  { name: 'plain TAP summary comments', output: tapGeneric, expected: { framework: 'tap', passed: 1, failed: 1, skipped: 1 } },
  {
    name: 'the last summary wins when a runner prints a progress summary first',
    output: `${mochaPassing}\n${mochaFailing}`,
    expected: { framework: 'mocha', passed: 2, failed: 1, skipped: 1 },
  },
  { name: 'a build log without test counts', output: 'Compiling 12 files\nDone in 3.2s, 0 errors\n', expected: undefined },
  { name: 'nothing at all', output: '', expected: undefined },
  {
    name: 'a test title that mentions "passing" is not a summary',
    output: '  cache\n    ✔ keeps 3 passing entries\n',
    expected: undefined,
  },
];

// ---- tsc ---------------------------------------------------------------------------------------

const tscPlain = `src/a.ts(1,25): error TS2307: Cannot find module './c' or its corresponding type declarations.
src/a.ts(2,14): error TS2322: Type 'string' is not assignable to type 'number'.
src/a.ts(3,40): error TS2322: Type 'string' is not assignable to type 'number'.
src/my file.ts(1,14): error TS2322: Type 'number' is not assignable to type 'string'.
`;

const tscPretty = [
  `${esc}[96msrc/a.ts${esc}[0m:${esc}[93m1${esc}[0m:${esc}[93m25${esc}[0m - ${esc}[91merror${esc}[0m${esc}[90m TS2307: ${esc}[0mCannot find module './c' or its corresponding type declarations.`,
  '',
  `${esc}[7m1${esc}[0m import { missing } from './c';`,
  `${esc}[7m ${esc}[0m ${esc}[91m                        ~~~~~${esc}[0m`,
  '',
  `${esc}[96msrc/a.ts${esc}[0m:${esc}[93m2${esc}[0m:${esc}[93m14${esc}[0m - ${esc}[91merror${esc}[0m${esc}[90m TS2322: ${esc}[0mType 'string' is not assignable to type 'number'.`,
  '',
  `${esc}[7m2${esc}[0m export const n: number = 'one';`,
  `${esc}[7m ${esc}[0m ${esc}[91m             ~${esc}[0m`,
  '',
  `${esc}[96msrc/my file.ts${esc}[0m:${esc}[93m1${esc}[0m:${esc}[93m14${esc}[0m - ${esc}[91merror${esc}[0m${esc}[90m TS2322: ${esc}[0mType 'number' is not assignable to type 'string'.`,
  '',
  `${esc}[7m1${esc}[0m export const y: string = 2;`,
  `${esc}[7m ${esc}[0m ${esc}[91m             ~${esc}[0m`,
  '',
  '',
  'Found 3 errors in 2 files.',
  '',
  'Errors  Files',
  `     2  src/a.ts${esc}[90m:1${esc}[0m`,
  `     1  src/my file.ts${esc}[90m:1${esc}[0m`,
  '',
].join('\n');

const tscCases: { name: string; output: string; total: number; byFile: Record<string, number> }[] = [
  { name: 'a clean run', output: '', total: 0, byFile: {} },
  { name: 'plain output (also a path with a space)', output: tscPlain, total: 4, byFile: { 'src/a.ts': 3, 'src/my file.ts': 1 } },
  { name: 'pretty output in colour, with its summary table', output: tscPretty, total: 3, byFile: { 'src/a.ts': 2, 'src/my file.ts': 1 } },
  {
    name: 'pretty output without colour',
    output:
      "src/a.ts:2:14 - error TS2322: Type 'string' is not assignable to type 'number'.\n\n2 export const n: number = 'one';\n               ~\n\nFound 1 error in src/a.ts:2\n",
    total: 1,
    byFile: { 'src/a.ts': 1 },
  },
  {
    name: 'an elaboration line under an error is not another error',
    output:
      "src/a.ts(2,3): error TS2345: Argument of type '{ x: number; }' is not assignable to parameter of type '{ x: number; y: number; }'.\n  Property 'y' is missing in type '{ x: number; }' but required in type '{ x: number; y: number; }'.\n",
    total: 1,
    byFile: { 'src/a.ts': 1 },
  },
  {
    name: 'Windows separators and a ./ prefix name the same file',
    output: "src\\core\\a.ts(1,1): error TS1005: ';' expected.\n./src/core/a.ts(2,1): error TS1005: ';' expected.\n",
    total: 2,
    byFile: { 'src/core/a.ts': 2 },
  },
  {
    name: 'a config error without a file still counts',
    output: "error TS5058: The specified path does not exist: 'nope'.\n",
    total: 1,
    byFile: {},
  },
  {
    name: 'a pretty config error in colour',
    output: `${esc}[91merror${esc}[0m${esc}[90m TS5058: ${esc}[0mThe specified path does not exist: 'nope'.\n`,
    total: 1,
    byFile: {},
  },
  {
    name: 'warnings from other tools are not errors',
    output: 'npm warn config production Use `--omit=dev` instead.\n',
    total: 0,
    byFile: {},
  },
];

// ---- benchmarks --------------------------------------------------------------------------------

const benchCases: { name: string; output: string; expected: Record<string, number> | undefined }[] = [
  { name: 'one JSON line', output: '{"opsPerSec":123456}\n', expected: { opsPerSec: 123456 } },
  {
    name: 'the demo’s bench after npm’s banner',
    output: '\n> resync-demo@1.4.2 bench\n> tsc -p tsconfig.json && node dist/bench/cache-bench.js\n\n{"opsPerSec":812345}\n',
    expected: { opsPerSec: 812345 },
  },
  {
    name: 'only the numeric fields of the object',
    output: '{"name":"get","meanMs":1.5,"ok":true,"nested":{"a":1},"p99":4}\n',
    expected: { meanMs: 1.5, p99: 4 },
  },
  { name: 'the last JSON line wins', output: '{"opsPerSec":1}\nwarm\n{"opsPerSec":2}\n', expected: { opsPerSec: 2 } },
  { name: 'text after the JSON line is ignored', output: '{"ms":5}\nDone in 0.3s\n', expected: { ms: 5 } },
  {
    name: 'a pretty-printed JSON object',
    output: 'bench: 20 rounds\n{\n  "opsPerSec": 1000,\n  "p99": 5\n}\n',
    expected: { opsPerSec: 1000, p99: 5 },
  },
  { name: 'a JSON line in colour', output: `${esc}[32m{"opsPerSec":42}${esc}[39m\n`, expected: { opsPerSec: 42 } },
  { name: 'a bare number', output: '12.5\n', expected: { value: 12.5 } },
  { name: 'the last number in a line of text', output: 'rounds: 20\nmean time: 8.25\n', expected: { value: 8.25 } },
  { name: 'scientific notation', output: 'throughput 1.2e6\n', expected: { value: 1200000 } },
  { name: 'a negative number', output: 'delta -3.5\n', expected: { value: -3.5 } },
  { name: 'a JSON line with no numbers falls back to the text', output: 'took 7\n{"status":"ok"}\n', expected: { value: 7 } },
  { name: 'no number at all', output: 'benchmark skipped\n', expected: undefined },
  { name: 'no output', output: '', expected: undefined },
];

const directions: [string, boolean][] = [
  ['opsPerSec', true],
  ['ops', true],
  ['requestsPerSec', true],
  ['throughput', true],
  ['hitRate', true],
  ['score', true],
  ['ms', false],
  ['meanMs', false],
  ['p99', false],
  ['p95Latency', false],
  ['durationMs', false],
  ['elapsed', false],
  ['heapUsedBytes', false],
  ['rss', false],
  // A bare number (what parseBenchOutput calls `value`) is a time.
  ['value', false],
];

// A figure is one run (a number) or several (an array): one run a side is judged on the tolerance
// alone, several runs also on their spread.
const comparisons: {
  name: string;
  baseline: Record<string, number | number[]>;
  current: Record<string, number | number[]>;
  tolerance: number;
  expected: { key: string; regression: number; ok: boolean; withinNoise?: boolean }[];
}[] = [
  {
    // What a busy 2-core machine printed for an unchanged code path (issue: "regressed 22.9 %").
    name: 'noisy runs of unchanged code that overlap are within the noise, however far the medians are',
    baseline: { opsPerSec: [1536337, 574000, 1720000, 1100000, 980000] },
    current: { opsPerSec: [1185239, 700000, 610000, 1650000, 760000] },
    tolerance: 0.1,
    expected: [{ key: 'opsPerSec', regression: 0.309091, ok: true, withinNoise: true }],
  },
  {
    name: 'steady runs that all got slower beyond the tolerance regress',
    baseline: { opsPerSec: [1000, 1010, 990, 1005, 995] },
    current: { opsPerSec: [800, 810, 790, 805, 795] },
    tolerance: 0.1,
    expected: [{ key: 'opsPerSec', regression: 0.2, ok: false, withinNoise: false }],
  },
  {
    name: 'runs that separate but stay within the tolerance pass',
    baseline: { meanMs: [10, 10.1, 10.2, 9.9, 10] },
    current: { meanMs: [10.5, 10.6, 10.5, 10.7, 10.4] },
    tolerance: 0.1,
    expected: [{ key: 'meanMs', regression: 0.05, ok: true, withinNoise: false }],
  },
  {
    name: 'one migrated run as good as the worst baseline run keeps a slowdown within the noise',
    baseline: { meanMs: [100, 101, 99, 140, 100] },
    current: { meanMs: [130, 131, 129, 140, 128] },
    tolerance: 0.1,
    expected: [{ key: 'meanMs', regression: 0.3, ok: true, withinNoise: true }],
  },
  {
    name: 'throughput a little lower, within tolerance',
    baseline: { opsPerSec: 1000 },
    current: { opsPerSec: 950 },
    tolerance: 0.1,
    expected: [{ key: 'opsPerSec', regression: 0.05, ok: true }],
  },
  {
    name: 'throughput beyond tolerance',
    baseline: { opsPerSec: 1000 },
    current: { opsPerSec: 850 },
    tolerance: 0.1,
    expected: [{ key: 'opsPerSec', regression: 0.15, ok: false }],
  },
  {
    name: 'throughput higher is better',
    baseline: { opsPerSec: 1000 },
    current: { opsPerSec: 1200 },
    tolerance: 0,
    expected: [{ key: 'opsPerSec', regression: -0.2, ok: true }],
  },
  {
    name: 'a time a little higher, within tolerance',
    baseline: { meanMs: 100 },
    current: { meanMs: 105 },
    tolerance: 0.1,
    expected: [{ key: 'meanMs', regression: 0.05, ok: true }],
  },
  {
    name: 'a time beyond tolerance',
    baseline: { meanMs: 100 },
    current: { meanMs: 125 },
    tolerance: 0.1,
    expected: [{ key: 'meanMs', regression: 0.25, ok: false }],
  },
  {
    name: 'a time lower is better',
    baseline: { meanMs: 100 },
    current: { meanMs: 80 },
    tolerance: 0,
    expected: [{ key: 'meanMs', regression: -0.2, ok: true }],
  },
  {
    name: 'exactly at the tolerance passes',
    baseline: { ms: 100 },
    current: { ms: 110 },
    tolerance: 0.1,
    expected: [{ key: 'ms', regression: 0.1, ok: true }],
  },
  {
    name: 'a zero tolerance fails any regression',
    baseline: { p99: 10 },
    current: { p99: 10.1 },
    tolerance: 0,
    expected: [{ key: 'p99', regression: 0.01, ok: false }],
  },
  {
    name: 'a bare number is compared as a time',
    baseline: { value: 10 },
    current: { value: 12 },
    tolerance: 0.1,
    expected: [{ key: 'value', regression: 0.2, ok: false }],
  },
  {
    name: 'a hit rate that drops regresses',
    baseline: { hitRate: 0.9 },
    current: { hitRate: 0.72 },
    tolerance: 0.1,
    expected: [{ key: 'hitRate', regression: 0.2, ok: false }],
  },
  {
    name: 'each figure in its own direction',
    baseline: { opsPerSec: 1000, p99: 10 },
    current: { opsPerSec: 1100, p99: 12 },
    tolerance: 0.1,
    expected: [
      { key: 'opsPerSec', regression: -0.1, ok: true },
      { key: 'p99', regression: 0.2, ok: false },
    ],
  },
  {
    name: 'a figure missing now is not compared',
    baseline: { opsPerSec: 1000, p99: 10 },
    current: { opsPerSec: 1000 },
    tolerance: 0.1,
    expected: [{ key: 'opsPerSec', regression: 0, ok: true }],
  },
  {
    name: 'a new figure has nothing to compare with',
    baseline: { opsPerSec: 1000 },
    current: { opsPerSec: 1000, p99: 99 },
    tolerance: 0.1,
    expected: [{ key: 'opsPerSec', regression: 0, ok: true }],
  },
  { name: 'a zero baseline cannot give a ratio', baseline: { errors: 0 }, current: { errors: 3 }, tolerance: 0.1, expected: [] },
];

// ---- command lines -----------------------------------------------------------------------------

const commandLines: { name: string; command: string; values?: Record<string, string>; expected: string[] }[] = [
  { name: 'words', command: 'npm test', expected: ['npm', 'test'] },
  { name: 'flags and values', command: 'npx tsc --noEmit -p tsconfig.json', expected: ['npx', 'tsc', '--noEmit', '-p', 'tsconfig.json'] },
  { name: 'runs of spaces and tabs', command: '  node\t  scripts/a.js   b  ', expected: ['node', 'scripts/a.js', 'b'] },
  { name: 'double quotes keep spaces', command: 'node -e "console.log(1 + 1)"', expected: ['node', '-e', 'console.log(1 + 1)'] },
  { name: 'single quotes keep spaces', command: "node -e 'process.exit(3)'", expected: ['node', '-e', 'process.exit(3)'] },
  {
    name: 'an escaped quote inside double quotes',
    command: 'node -e "console.log(\\"hi\\")"',
    expected: ['node', '-e', 'console.log("hi")'],
  },
  { name: 'single quotes keep backslashes', command: "node -e 'a\\b'", expected: ['node', '-e', 'a\\b'] },
  { name: 'an empty quoted argument stays', command: 'node a.js ""', expected: ['node', 'a.js', ''] },
  { name: 'quoted parts join the word around them', command: 'a"b c"d', expected: ['ab cd'] },
  { name: 'a backslash-escaped space', command: 'node my\\ file.js', expected: ['node', 'my file.js'] },
  { name: 'an escaped operator is a plain character', command: 'node a.js \\| \\>', expected: ['node', 'a.js', '|', '>'] },
  {
    name: 'operators inside quotes are plain characters',
    command: `mocha --grep "get|set" -e 'a && b; c > d'`,
    expected: ['mocha', '--grep', 'get|set', '-e', 'a && b; c > d'],
  },
  {
    name: '{file} is one argument even with spaces',
    command: 'mocha {file}',
    values: { file: 'src/my file.ts', root: '/w' },
    expected: ['mocha', 'src/my file.ts'],
  },
  {
    name: '{file} inside a word',
    command: 'jest --findRelatedTests={file}',
    values: { file: 'src/a.ts' },
    expected: ['jest', '--findRelatedTests=src/a.ts'],
  },
  {
    name: '{root} and {file} in quotes',
    command: 'node "{root}/bench.js" \'{file}\'',
    values: { file: 'src/a.ts', root: '/w s' },
    expected: ['node', '/w s/bench.js', 'src/a.ts'],
  },
  { name: 'a value is not expanded again', command: 'echo {file}', values: { file: '{root}', root: '/w' }, expected: ['echo', '{root}'] },
];

const refusedCommands: { name: string; command: string; message: RegExp }[] = [
  { name: 'a pipe', command: 'npm test | tee out.txt', message: /needs a shell/ },
  { name: '&&', command: 'npm run build && npm test', message: /needs a shell/ },
  { name: '||', command: 'npm test || true', message: /needs a shell/ },
  { name: ';', command: 'npm run build; npm test', message: /needs a shell/ },
  { name: 'an output redirection', command: 'npm test > out.txt', message: /needs a shell/ },
  { name: 'stderr redirected', command: 'npm test 2>&1', message: /needs a shell/ },
  { name: 'an input redirection', command: 'node x.js < in.txt', message: /needs a shell/ },
  { name: 'backticks', command: 'node x.js `date`', message: /needs a shell/ },
  { name: 'a command substitution', command: 'node x.js $(date)', message: /needs a shell/ },
  { name: 'a command substitution inside double quotes', command: 'node x.js "$(date)"', message: /needs a shell/ },
  { name: 'an unclosed quote', command: 'node -e "console.log(1)', message: /has an unclosed " quote/ },
  { name: 'an empty command', command: '', message: /^The command is empty\.$/ },
  { name: 'only spaces', command: '   ', message: /^The command is empty\.$/ },
  {
    name: 'an unknown placeholder',
    command: 'mocha {dir}',
    message: /uses \{dir\}, which is not a known placeholder \(\{file\}, \{root\}\)/,
  },
];

describe('workflow parsers', () => {
  describe('parseTestCounts', () => {
    for (const c of countCases) {
      it(c.name, () => {
        assert.deepEqual(parseTestCounts(c.output), c.expected);
      });
    }
  });

  describe('parseTscErrors', () => {
    for (const c of tscCases) {
      it(c.name, () => {
        assert.deepEqual(parseTscErrors(c.output), { total: c.total, byFile: c.byFile });
      });
    }
  });

  describe('parseBenchOutput', () => {
    for (const c of benchCases) {
      it(c.name, () => {
        assert.deepEqual(parseBenchOutput(c.output), c.expected);
      });
    }
  });

  describe('higherIsBetter', () => {
    it('throughput goes up, times, sizes and bare numbers go down', () => {
      assert.deepEqual(
        directions.map(([key]) => [key, higherIsBetter(key)]),
        directions,
      );
    });
  });

  describe('compareBench', () => {
    for (const c of comparisons) {
      it(c.name, () => {
        const runs = (figures: Record<string, number | number[]>): Record<string, number[]> =>
          Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, [v].flat()]));
        const result = compareBench(runs(c.baseline), runs(c.current), c.tolerance);
        assert.deepEqual(
          result.map((r) => ({
            key: r.key,
            regression: Number(r.regression.toFixed(6)),
            ok: r.ok,
            ...(c.expected.find((e) => e.key === r.key)?.withinNoise === undefined ? {} : { withinNoise: r.withinNoise }),
          })),
          c.expected,
        );
        for (const r of result) {
          assert.deepEqual([r.baseline, r.value], [median(runs(c.baseline)[r.key]), median(runs(c.current)[r.key])]);
          assert.deepEqual(r.baselineRange, [Math.min(...runs(c.baseline)[r.key]), Math.max(...runs(c.baseline)[r.key])]);
        }
      });
    }
  });

  describe('median and stripAnsi', () => {
    it('median of odd and even counts, unsorted input left alone', () => {
      const input = [4, 1, 3, 2];
      assert.equal(median(input), 2.5);
      assert.equal(median([3, 1, 2]), 2);
      assert.deepEqual(input, [4, 1, 3, 2]);
    });

    it('stripAnsi removes colour codes and keeps the text', () => {
      assert.equal(stripAnsi(`${esc}[1m${esc}[31m1 failed${esc}[39m${esc}[22m, 2 passed`), '1 failed, 2 passed');
    });
  });

  describe('parseCommandLine', () => {
    for (const c of commandLines) {
      it(c.name, () => {
        assert.deepEqual(parseCommandLine(c.command, c.values), c.expected);
      });
    }

    describe('refuses what needs a shell, or cannot run', () => {
      for (const c of refusedCommands) {
        it(c.name, () => {
          assert.throws(
            () => parseCommandLine(c.command, { file: 'src/a.ts', root: '/w' }),
            (error: unknown) => error instanceof CommandLineProblem && c.message.test(error.message),
          );
        });
      }

      it('the refusal says how to do it instead', () => {
        assert.throws(() => parseCommandLine('npm run build && npm test'), /put it in a package\.json script and run that/);
      });
    });
  });
});
