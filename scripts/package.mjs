// `npm run package`: the VS Code extension as stepwise-<version>.vsix (installable in VS Code,
// VSCodium and code-server, and valid for Open VSX), from a production build: minified bundles,
// no source maps. What goes in is .vscodeignore's list; the file list is printed at the end.
//
// Usage: node scripts/package.mjs [--out FILE]
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const outFlag = process.argv.indexOf('--out');
const out = resolve(outFlag >= 0 ? process.argv[outFlag + 1] : join(root, `stepwise-${manifest.version}.vsix`));

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[package] ${cmd} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--production']);
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const args = ['package', '--no-dependencies', '--out', out];
// With a repository in package.json, vsce makes README links absolute so images show on the
// marketplace page. Without one there is nothing to point them at: they stay relative (they work
// in VS Code's own Extensions view, which reads the packaged README and images).
if (!manifest.repository) args.push('--allow-missing-repository', '--no-rewrite-relative-links');
run(process.execPath, [vsce, ...args]);
console.log(`[package] ${out} (${(statSync(out).size / 1024 / 1024).toFixed(2)} MB)`);
