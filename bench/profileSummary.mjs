// Summarises a .cpuprofile (from `npm run bench -- --cpu-prof`): the functions with the most self
// time, and the functions with the most total time (time with the function anywhere on the stack).
//
// Usage: node bench/profileSummary.mjs FILE.cpuprofile [--top N]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const topIndex = args.indexOf('--top');
const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 25;
if (!file) {
  console.error('Usage: node bench/profileSummary.mjs FILE.cpuprofile [--top N]');
  process.exit(1);
}

const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);

const keyOf = (n) => {
  const { functionName, url, lineNumber } = n.callFrame;
  return `${functionName || '(anonymous)'} ${url ? `${basename(url)}:${lineNumber + 1}` : ''}`.trim();
};

const self = new Map();
const total = new Map();
let all = 0;
profile.samples.forEach((id, i) => {
  const ms = (profile.timeDeltas[i] ?? 0) / 1000;
  all += ms;
  const node = nodes.get(id);
  self.set(keyOf(node), (self.get(keyOf(node)) ?? 0) + ms);
  const seen = new Set();
  for (let current = id; current !== undefined; current = parent.get(current)) {
    const key = keyOf(nodes.get(current));
    if (seen.has(key)) continue;
    seen.add(key);
    total.set(key, (total.get(key) ?? 0) + ms);
  }
});

const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [key, ms] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${ms.toFixed(0).padStart(8)} ms ${((ms / all) * 100).toFixed(1).padStart(5)} %  ${key}`);
  }
};
console.log(`${file}: ${all.toFixed(0)} ms sampled`);
print('Self time', self);
print('Total time (on the stack)', total);
