// Placeholder; replaced by the LSP entry point.
export {};
