import * as vscode from 'vscode';
import type { StepwiseSettings } from '../../server/src/protocol';

/** The `stepwise.*` settings, read in one typed place. */
export class Config {
  static read(scope?: vscode.ConfigurationScope): StepwiseSettings {
    const c = vscode.workspace.getConfiguration('stepwise', scope);
    return {
      exclude: c.get<string[]>('exclude', []),
      diagnostics: {
        severity: c.get<StepwiseSettings['diagnostics']['severity']>('diagnostics.severity', 'warning'),
        routingIssues: c.get<boolean>('diagnostics.routingIssues', true),
      },
      verification: { autoRevert: c.get<boolean>('verification.autoRevert', false) },
      redis: { url: c.get<string>('redis.url', '') },
      codeLens: { enabled: c.get<boolean>('codeLens.enabled', true) },
    };
  }

  static affects(event: vscode.ConfigurationChangeEvent): boolean {
    return event.affectsConfiguration('stepwise');
  }
}
