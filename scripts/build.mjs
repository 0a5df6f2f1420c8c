// Bundles the extension client, the language server, the CLI and the checklist webview with esbuild.
// Type checking is separate (`tsc -b`); this only produces what ships.
import { build } from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';
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

const entries = [
  { ...node, entryPoints: ['client/src/extension.ts'], outfile: 'dist/extension.js' },
  { ...node, entryPoints: ['server/src/main.ts'], outfile: 'dist/server.js' },
  {
    ...node,
    entryPoints: ['server/src/cli.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  },
];
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
if (watch) {
  const { context } = await import('esbuild');
  for (const e of entries) await (await context(e)).watch();
  console.log('esbuild: watching');
} else {
  await Promise.all(entries.map((e) => build(e)));
}
