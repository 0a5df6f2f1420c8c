import * as vscode from 'vscode';
import { Commands } from '../../server/src/protocol';
import { formatRemaining, msUntilCountdownChanges } from '../../server/src/protocol/wording';
import type { IndexSummary, WorkflowSnapshot } from '../../server/src/protocol';
import { folderRootOf } from './store';
import type { StatusStore } from './store';

/**
 * The status bar items: where indexing and the migration stand, for the folder of the active
 * editor (the first folder when none); click for the checklist. Rendered from the store.
 */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('stepwise.status', vscode.StatusBarAlignment.Left, 10);
  private readonly flight = vscode.window.createStatusBarItem('stepwise.inFlight', vscode.StatusBarAlignment.Left, 9);
  private workflow: WorkflowSnapshot | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private clockOffset = 0;
  // Re-rendered when the countdown's minute turns, as the checklist is, so the two never disagree.
  private ticker: NodeJS.Timeout | undefined;

  constructor(private readonly store: StatusStore) {
    const shown = (root: string): boolean => root === folderRootOf();
    this.disposables.push(
      store.onDidChangeIndex((summary) => {
        if (shown(summary.root)) this.update(summary);
      }),
      store.onDidChangeWorkflow((status) => {
        if (shown(status.root)) this.updateWorkflow(status);
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.renderActive()),
    );
    this.item.name = 'Stepwise';
    this.item.command = Commands.openChecklist;
    this.item.text = '$(sync~spin) Stepwise';
    this.item.tooltip = 'Stepwise is starting';
    this.item.accessibilityInformation = { label: 'Stepwise is starting', role: 'button' };
    this.item.show();
  }

  /** Shows the active folder's status (after the active editor moved to another folder). */
  private renderActive(): void {
    const root = folderRootOf();
    const summary = this.store.index(root);
    if (summary) this.update(summary);
    const workflow = this.store.workflow(root);
    if (workflow) this.updateWorkflow(workflow);
    else {
      this.workflow = undefined;
      this.renderFlight();
    }
  }

  update(result: IndexSummary): void {
    const { status } = result;
    this.item.backgroundColor = undefined;
    // Screen readers read this instead of the icon names and the markdown of the tooltip.
    const say = (label: string): void => {
      this.item.accessibilityInformation = { label, role: 'button' };
    };
    if (status.specErrors > 0 && status.state !== 'ready') {
      this.item.text = '$(error) Stepwise: spec error';
      this.item.tooltip = `.stepwise/migration.json has ${status.specErrors} error(s): ${result.specProblems[0]?.message ?? ''}`;
      say(`Stepwise: the migration spec has ${status.specErrors} error${status.specErrors === 1 ? '' : 's'}. Press to open it.`);
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
        say(`Stepwise is indexing ${status.filesTotal} files`);
        return;
      case 'no-spec':
        this.item.text = '$(circle-slash) Stepwise: no spec';
        this.item.tooltip =
          'No .stepwise/migration.json in this folder: "Create a Migration Spec" in the Stepwise view writes one (or run "npx stepwise init").';
        say('Stepwise: no migration spec in this folder');
        return;
      case 'ready': {
        this.item.text = `$(checklist) Stepwise: ${status.usages} usages in ${status.filesWithUsages} files`;
        const listed = status.usages - status.shownUsages;
        this.item.tooltip = new vscode.MarkdownString(
          [
            `**${result.title ?? 'Migration'}**`,
            `${status.usages} legacy usages in ${status.filesWithUsages} files; indexed ${status.filesTotal} files in ${status.indexMs} ms.`,
            `In the Problems panel: the ${status.shownUsages} usages that need a change` +
              (status.routingIssues > 0 ? `, plus ${status.routingIssues} routing issues as information` : '') +
              (listed > 0
                ? `. The other ${listed} are uses the new API keeps as they are; they are listed in each file's pre-move analysis, not squiggled.`
                : '.'),
            status.specErrors > 0 ? `The spec has ${status.specErrors} error(s); the last valid spec is in use.` : '',
            'Click for the migration checklist.',
          ]
            .filter(Boolean)
            .join('\n\n'),
        );
        say(
          `Stepwise: ${status.usages} legacy usages in ${status.filesWithUsages} files, ${status.shownUsages} of them need a change. Press to open the migration checklist.`,
        );
        if (status.specErrors > 0) this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
      }
    }
  }

  /** The file in flight and its observation countdown; click opens the checklist. */
  updateWorkflow(status: WorkflowSnapshot): void {
    this.workflow = status;
    this.clockOffset = status.now - Date.now();
    this.renderFlight();
  }

  private renderFlight(): void {
    clearTimeout(this.ticker);
    const status = this.workflow;
    // The file being worked on (its baseline runs before it is in flight), else the one in flight.
    const file = status?.files.find((f) => f.path === (status.activity?.file ?? status.inFlight));
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
    let spoken: string;
    const doing = status.activity?.file === file.path ? status.activity.doing : undefined;
    switch (doing ? 'running' : file.state) {
      case 'running':
        text = `$(sync~spin) ${name}: ${doing}…`;
        spoken = `Stepwise is ${doing} ${file.path}`;
        break;
      case 'observing': {
        const left = formatRemaining(Date.parse(file.observeUntil ?? ''), Date.now() + this.clockOffset);
        text = `$(watch) ${name}: observing, ${left}`;
        spoken = `${file.path} is under observation, ${left}`;
        break;
      }
      case 'awaiting-approval':
        text = `$(bell) ${name}: awaiting approval`;
        spoken = `${file.path} is awaiting approval`;
        break;
      case 'failed':
        text = `$(error) ${name}: verification failed`;
        spoken = `The verification of ${file.path} failed`;
        break;
      default:
        text = `$(sync) ${name}: ${file.state}`;
        spoken = `${file.path} is ${file.state}`;
    }
    this.flight.text = text;
    this.flight.tooltip = `${file.path} is in flight (${doing ? `${doing}…` : file.state}). Click to open the migration checklist.`;
    this.flight.accessibilityInformation = { label: `${spoken}. Press to open the migration checklist.`, role: 'button' };
    this.flight.backgroundColor = file.state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.flight.show();
    if (!doing && file.state === 'observing')
      this.ticker = setTimeout(
        () => this.renderFlight(),
        msUntilCountdownChanges(Date.parse(file.observeUntil ?? ''), Date.now() + this.clockOffset),
      );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    clearTimeout(this.ticker);
    this.item.dispose();
    this.flight.dispose();
  }
}
