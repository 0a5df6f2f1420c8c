// Bundles the extension client, the language server, the CLI and the checklist webview with esbuild.
// Type checking is separate (`tsc -b`); this only produces what ships.
import { build } from 'esbuild';
import { generateRuntimeSource } from './genRuntime.mjs';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

const node = {
  ...common,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // jsonc-parser's UMD build loads its parts with dynamic require(); its ESM build bundles cleanly.
  mainFields: ['module', 'main'],
  external: ['vscode'],
};

// The adapter runtime's text, from its module, before anything compiles against it.
generateRuntimeSource();

const entries = [
  { ...node, entryPoints: ['client/src/extension.ts'], outfile: 'dist/extension.js' },
  { ...node, entryPoints: ['server/src/main.ts'], outfile: 'dist/server.js' },
];

// The `stepwise` command loads the core from the server's bundle rather than carrying a second
// copy of TypeScript and ts-morph.
const cliShim = `#!/usr/bin/env node
'use strict';
// The \`stepwise\` command (see \`stepwise --help\`): the CLI of the core bundled in server.js.
require('./server.js').cliMain();
`;
if (existsSync(join(root, 'media/src/checklist.ts'))) {
  entries.push({
    ...common,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    entryPoints: ['media/src/checklist.ts'],
    outfile: 'dist/media/checklist.js',
  });
}

mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(join(root, 'dist', 'cli.js'), cliShim);
chmodSync(join(root, 'dist', 'cli.js'), 0o755);
rmSync(join(root, 'dist', 'cli.js.map'), { force: true }); // left by builds from before the shim
if (watch) {
  const { context } = await import('esbuild');
  for (const e of entries) await (await context(e)).watch();
  console.log('esbuild: watching');
} else {
  await Promise.all(entries.map((e) => build(e)));
}
