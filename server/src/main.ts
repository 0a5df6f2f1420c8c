// Entry point of the language server process (bundled as dist/server.js).
import { startServer } from './lsp/server';

startServer();
