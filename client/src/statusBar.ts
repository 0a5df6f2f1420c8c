import * as vscode from 'vscode';
import { Commands } from '../../server/src/protocol';
import type { IndexStatusRequest, WorkflowStatusRequest } from '../../server/src/protocol';

/** The status bar item: where indexing and the migration stand; click for the plan. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('stepwise.status', vscode.StatusBarAlignment.Left, 10);
  private readonly flight = vscode.window.createStatusBarItem('stepwise.inFlight', vscode.StatusBarAlignment.Left, 9);
  private workflow: WorkflowStatusRequest.Result | undefined;
  private clockOffset = 0;
  private readonly ticker = setInterval(() => this.renderFlight(), 60_000);

  constructor() {
    this.item.name = 'Stepwise';
    this.item.command = Commands.openChecklist;
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
    this.item.command = Commands.openChecklist;
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
          `**${result.title ?? 'Migration'}**\n\n${status.usages} legacy usages in ${status.filesWithUsages} files; indexed ${status.filesTotal} files in ${status.indexMs} ms.${status.specErrors > 0 ? `\n\nThe spec has ${status.specErrors} error(s); the last valid spec is in use.` : ''}\n\nClick for the migration checklist.`,
        );
        if (status.specErrors > 0) this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    }
  }

  /** The file in flight and its observation countdown; click opens the checklist. */
  updateWorkflow(status: WorkflowStatusRequest.Result): void {
    this.workflow = status;
    this.clockOffset = status.now - Date.now();
    this.renderFlight();
  }

  private renderFlight(): void {
    const status = this.workflow;
    const file = status?.files.find((f) => f.path === status.inFlight);
    this.flight.name = 'Stepwise: file in flight';
    this.flight.command = Commands.openChecklist;
    if (!status || !file) {
      this.flight.text = status && status.progress.done > 0 ? `$(pass) ${status.progress.done}/${status.files.length} approved` : '';
      this.flight.tooltip = 'Open the Stepwise migration checklist';
      if (this.flight.text) this.flight.show();
      else this.flight.hide();
      return;
    }
    const name = file.path.split('/').pop() ?? file.path;
    let text: string;
    switch (file.state) {
      case 'observing': {
        const left = Math.max(0, Date.parse(file.observeUntil ?? '') - (Date.now() + this.clockOffset));
        const totalMinutes = Math.ceil(left / 60_000);
        text = `$(watch) ${name}: ${Math.floor(totalMinutes / 60)} h ${totalMinutes % 60} min left`;
        break;
      }
      case 'awaiting-approval':
        text = `$(bell) ${name}: awaiting approval`;
        break;
      case 'failed':
        text = `$(error) ${name}: verification failed`;
        break;
      default:
        text = `$(sync) ${name}: ${file.state}`;
    }
    this.flight.text = text;
    this.flight.tooltip = `${file.path} is in flight (${file.state}). Click to open the migration checklist.`;
    this.flight.backgroundColor = file.state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.flight.show();
  }

  dispose(): void {
    clearInterval(this.ticker);
    this.item.dispose();
    this.flight.dispose();
  }
}
