import * as vscode from 'vscode';
import { Commands } from '../../server/src/protocol';
import type { IndexStatusRequest } from '../../server/src/protocol';

/** The status bar item: where indexing and the migration stand; click for the plan. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('stepwise.status', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'Stepwise';
    this.item.command = Commands.showPlan;
    this.item.text = '$(sync~spin) Stepwise';
    this.item.tooltip = 'Stepwise is starting';
    this.item.show();
  }

  update(result: IndexStatusRequest.Result): void {
    const { status } = result;
    this.item.backgroundColor = undefined;
    if (status.specErrors > 0 && status.state !== 'ready') {
      this.item.text = '$(error) Stepwise: spec error';
      this.item.tooltip = `.stepwise/migration.json has ${status.specErrors} error(s): ${result.specProblems[0]?.message ?? ''}`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      this.item.command = {
        title: 'Open spec',
        command: 'vscode.open',
        arguments: [vscode.Uri.file(`${result.root}/.stepwise/migration.json`)],
      };
      return;
    }
    this.item.command = Commands.showPlan;
    switch (status.state) {
      case 'starting':
      case 'indexing':
        this.item.text = '$(sync~spin) Stepwise: indexing';
        this.item.tooltip = `Indexing ${status.filesTotal} files (${status.analysed} analysed)`;
        return;
      case 'no-spec':
        this.item.text = '$(circle-slash) Stepwise: no spec';
        this.item.tooltip = 'No .stepwise/migration.json in this folder; run "npx stepwise init" to create one.';
        return;
      case 'ready':
        this.item.text = `$(checklist) Stepwise: ${status.usages} usages in ${status.filesWithUsages} files`;
        this.item.tooltip = new vscode.MarkdownString(
          `**${result.title ?? 'Migration'}**\n\n${status.usages} legacy usages in ${status.filesWithUsages} files; indexed ${status.filesTotal} files in ${status.indexMs} ms.${status.specErrors > 0 ? `\n\nThe spec has ${status.specErrors} error(s); the last valid spec is in use.` : ''}\n\nClick for the migration plan.`,
        );
        if (status.specErrors > 0) this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    }
  }

  dispose(): void {
    this.item.dispose();
  }
}
