// Placeholder entry so the tooling can load the extension; replaced by the real client.
import type * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {}

export function deactivate(): void {}
