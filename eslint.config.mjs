// ESLint flat config: type-aware rules, and import bans per folder that back the layering
// described in docs/ARCHITECTURE.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const lspOnly = {
  group: ['vscode-languageserver', 'vscode-languageserver/*', 'vscode-languageserver-protocol', 'vscode-languageserver-protocol/*'],
  message: 'Only server/src/lsp/ speaks LSP (architecture invariant).',
};
const noVscode = { name: 'vscode', message: 'The server core never imports vscode (architecture invariant).' };
const noTsMorph = {
  group: ['ts-morph', 'typescript'],
  message: 'ts-morph nodes stay in workspace/ and analysis/ (architecture invariant); work on plain data here.',
};
const noSession = {
  group: ['**/session/*', '**/lsp/*', '**/cli'],
  message: 'The session is above the core: only lsp/ and the CLI use it (architecture invariant).',
};
const noUpperLayers = {
  group: ['../*', '!../util/*'],
  message: 'util/ is the bottom layer: it imports nothing else from the server (architecture invariant).',
};

export default tseslint.config(
  {
    ignores: ['dist/**', 'out/**', 'node_modules/**', 'test/fixtures/**', '.bench/**', 'test-results/**', '**/*.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false, project: false },
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        document: 'readonly',
        performance: 'readonly',
      },
    },
  },
  {
    files: ['server/src/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-imports': ['error', { paths: [noVscode], patterns: [lspOnly] }],
    },
  },
  {
    files: ['server/src/lsp/**/*.ts', 'server/src/main.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noVscode], patterns: [noTsMorph] }] },
  },
  {
    files: [
      'server/src/rewrite/**/*.ts',
      'server/src/operations/**/*.ts',
      'server/src/spec/**/*.ts',
      'server/src/workflow/**/*.ts',
      'server/src/observe/**/*.ts',
    ],
    rules: { 'no-restricted-imports': ['error', { paths: [noVscode], patterns: [lspOnly, noTsMorph, noSession] }] },
  },
  {
    files: ['server/src/util/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noVscode], patterns: [lspOnly, noTsMorph, noUpperLayers] }] },
  },
  {
    files: ['server/src/session/**/*.ts', 'server/src/cli.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noVscode], patterns: [lspOnly, noTsMorph] }] },
  },
  {
    // The contract is a leaf: the wire types and the wording import nothing; protocol.ts imports
    // only them and the LSP protocol's handle classes (so clients get typed requests).
    files: ['server/src/protocol/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '.*', message: 'protocol/wire.ts and protocol/wording.ts import nothing (architecture invariant).' }] },
      ],
    },
  },
  {
    files: ['server/src/protocol.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./protocol/wire$|vscode-languageserver-protocol$)',
              message: 'protocol.ts imports only ./protocol/wire and vscode-languageserver-protocol (architecture invariant).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['server/src/cli.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // Tests read JSON and protocol payloads loosely typed on purpose; the assertions check them.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['client/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./\\.\\./server/src/(?!protocol$|protocol/wording$)',
              message:
                'The client only renders and relays: import the server only through server/src/protocol.ts (and protocol/wording.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    // The webview runs in a browser: it bundles the wording, and only the types of the protocol.
    files: ['media/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./\\.\\./server/src/(?!protocol$|protocol/wording$)',
              message: 'The webview imports the server only through protocol.ts (types) and protocol/wording.ts (architecture invariant).',
            },
            {
              regex: '^(vscode|vscode-languageclient.*|vscode-languageserver.*)$',
              message: 'The webview talks to its host by messages only.',
            },
          ],
        },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '../../server/src/protocol',
              allowTypeImports: true,
              message: 'The webview imports only types from protocol.ts (its handles would bundle the LSP protocol into the browser).',
            },
          ],
        },
      ],
    },
  },
);
