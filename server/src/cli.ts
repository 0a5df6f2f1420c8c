// Placeholder; replaced by the CLI.
export {};
