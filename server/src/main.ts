// Entry point of dist/server.js, the one bundle of the core: the language server when an editor
// starts this file, and the CLI's engine when dist/cli.js (a few lines) loads it. One bundle means
// one copy of TypeScript and ts-morph in the extension and in the npm package.
import { cliMain } from './cli';
import { startServer } from './lsp/server';

export { cliMain };

if (require.main === module) startServer();
