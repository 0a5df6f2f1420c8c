import * as vscode from 'vscode';
import { FileUsagesRequest } from '../../server/src/protocol';
import type { FileStatus, FileUsageItem, WorkflowSnapshot } from '../../server/src/protocol';
import { groupOf, nextStepSentence, stateGroups, stateWords, viewItemOf } from '../../server/src/protocol';
import type { StateGroup } from '../../server/src/protocol';
import { formatRemaining } from '../../server/src/protocol/wording';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { StatusStore } from './store';

export const migrationViewId = 'stepwise.migration';

/** A node of the Migration view: a folder (several folders only), a state group, a file, one of its usages, a notice. */
export type MigrationNode =
  | { kind: 'folder'; root: string }
  | { kind: 'group'; root: string; group: StateGroup; label: string; files: FileStatus[] }
  | { kind: 'file'; root: string; file: FileStatus; uri: vscode.Uri; trusted: boolean }
  | { kind: 'usage'; uri: vscode.Uri; usage: FileUsageItem }
  | { kind: 'notice'; root: string; text: string; icon: string };

/** The file a tree node stands for (the workflow commands take a node, a URI or nothing). */
export function uriOfNode(node: unknown): vscode.Uri | undefined {
  if (typeof node !== 'object' || node === null || !('kind' in node)) return undefined;
  const n = node as MigrationNode;
  return n.kind === 'file' || n.kind === 'usage' ? n.uri : undefined;
}

const stateIcons: Record<FileStatus['state'], [string, string | undefined]> = {
  pending: ['circle-large-outline', undefined],
  analyzed: ['circle-large-outline', undefined],
  migrated: ['sync', 'stepwise.inFlightForeground'],
  verified: ['sync', 'stepwise.inFlightForeground'],
  failed: ['error', 'stepwise.failedForeground'],
  observing: ['eye', 'stepwise.observingForeground'],
  'awaiting-approval': ['bell', 'stepwise.awaitingForeground'],
  approved: ['pass-filled', 'stepwise.approvedForeground'],
  reverted: ['discard', 'stepwise.revertedForeground'],
};

/**
 * The Migration view: the plan's files grouped by state (in flight, under observation, awaiting
 * approval, pending in plan order, approved, reverted), each with its risk and its usages, from
 * the same store the checklist and the status bar read. Usages are asked for when a file opens.
 */
export class MigrationTree implements vscode.TreeDataProvider<MigrationNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<MigrationNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  /** Usages per file, with the count they were read at (read again when it changes). */
  private readonly usages = new Map<string, { count: number; items: Promise<FileUsageItem[]> }>();

  constructor(
    private readonly store: StatusStore,
    private readonly client: () => LanguageClient | undefined,
  ) {
    this.disposables.push(
      store.onDidChangeWorkflow(() => this.changed.fire(undefined)),
      store.onDidChangeIndex(() => this.changed.fire(undefined)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire(undefined)),
    );
  }

  private roots(): string[] {
    const open = new Set((vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath));
    return this.store.roots().filter((root) => open.size === 0 || open.has(root));
  }

  getChildren(node?: MigrationNode): vscode.ProviderResult<MigrationNode[]> {
    if (!node) {
      const roots = this.roots();
      if (roots.length > 1) return roots.map((root) => ({ kind: 'folder', root }));
      return roots.length === 1 ? this.folderChildren(roots[0]) : [];
    }
    switch (node.kind) {
      case 'folder':
        return this.folderChildren(node.root);
      case 'group':
        return node.files.map((file) => this.fileNode(node.root, file));
      case 'file':
        return this.usagesOf(node);
      default:
        return [];
    }
  }

  private folderChildren(root: string): MigrationNode[] {
    const summary = this.store.index(root);
    const status = this.store.workflow(root);
    // No spec: the welcome view (viewsWelcome) says what to do, so the tree stays empty.
    if (summary?.status.state === 'no-spec') return [];
    if (!status || summary?.status.state === 'indexing' || summary?.status.state === 'starting')
      return [{ kind: 'notice', root, text: 'Indexing the workspace…', icon: 'sync~spin' }];
    const notices: MigrationNode[] = status.blocked ? [{ kind: 'notice', root, text: status.blocked, icon: 'warning' }] : [];
    if (status.files.length === 0)
      return [...notices, { kind: 'notice', root, text: 'No file uses the legacy API: nothing left to migrate.', icon: 'pass' }];
    const groups = stateGroups
      .map(({ group, label }) => ({ group, label, files: status.files.filter((f) => groupOf(f.state) === group) }))
      .filter((g) => g.files.length > 0)
      .map((g) => ({ kind: 'group' as const, root, ...g }));
    for (const g of groups) if (g.group === 'pending') g.files.sort((a, b) => (a.planPosition ?? Infinity) - (b.planPosition ?? Infinity));
    return [...notices, ...groups];
  }

  private fileNode(root: string, file: FileStatus): MigrationNode {
    return {
      kind: 'file',
      root,
      file,
      uri: vscode.Uri.joinPath(vscode.Uri.file(root), ...file.path.split('/')),
      trusted: vscode.workspace.isTrusted,
    };
  }

  private usagesOf(node: Extract<MigrationNode, { kind: 'file' }>): Promise<MigrationNode[]> {
    const key = node.uri.toString();
    let entry = this.usages.get(key);
    if (!entry || entry.count !== node.file.usages) {
      const client = this.client();
      const items = client
        ? client.sendRequest(FileUsagesRequest.type, { uri: key }).then(
            (r) => r.usages,
            () => [],
          )
        : Promise.resolve([]);
      entry = { count: node.file.usages, items };
      this.usages.set(key, entry);
    }
    return entry.items.then((items) => items.map((usage) => ({ kind: 'usage', uri: node.uri, usage })));
  }

  getTreeItem(node: MigrationNode): vscode.TreeItem {
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(vscode.Uri.file(node.root), vscode.TreeItemCollapsibleState.Expanded);
        item.contextValue = 'stepwiseFolder';
        return item;
      }
      case 'group': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `${node.root}#${node.group}`;
        item.description = String(node.files.length);
        item.contextValue = `stepwiseGroup:${node.group}`;
        item.accessibilityInformation = { label: `${node.label}: ${node.files.length} file${node.files.length === 1 ? '' : 's'}` };
        return item;
      }
      case 'file':
        return this.fileItem(node);
      case 'usage': {
        const { usage } = node;
        const item = new vscode.TreeItem(usage.label, vscode.TreeItemCollapsibleState.None);
        const line = usage.range.start.line + 1;
        item.description = `line ${line}${usage.container ? ` · ${usage.container}` : ''}`;
        item.tooltip = new vscode.MarkdownString().appendText(usage.detail);
        item.iconPath = new vscode.ThemeIcon(usage.needsChange ? 'warning' : 'symbol-reference');
        item.accessibilityInformation = { label: `${usage.label}, line ${line}${usage.needsChange ? ', needs a change' : ''}` };
        const start = new vscode.Position(usage.range.start.line, usage.range.start.character);
        const end = new vscode.Position(usage.range.end.line, usage.range.end.character);
        item.command = {
          title: 'Go to the usage',
          command: 'vscode.open',
          arguments: [node.uri, { selection: new vscode.Range(start, end) } satisfies vscode.TextDocumentShowOptions],
        };
        item.contextValue = 'stepwiseUsage';
        return item;
      }
      case 'notice': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.tooltip = node.text;
        item.contextValue = 'stepwiseNotice';
        return item;
      }
    }
  }

  private fileItem(node: Extract<MigrationNode, { kind: 'file' }>): vscode.TreeItem {
    const { file } = node;
    const status = this.store.workflow(node.root);
    const item = new vscode.TreeItem(
      file.path,
      file.usages > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = `${node.root}#file#${file.path}`;
    item.resourceUri = node.uri;
    const [icon, colour] = stateIcons[file.state];
    item.iconPath = new vscode.ThemeIcon(icon, colour ? new vscode.ThemeColor(colour) : undefined);
    const risk = file.risk ? `${file.risk.level} risk` : undefined;
    const count = `${file.usages} usage${file.usages === 1 ? '' : 's'}`;
    const left =
      file.state === 'observing' && file.observeUntil && status ? formatRemaining(Date.parse(file.observeUntil), status.now) : undefined;
    item.description = [left, risk, count].filter(Boolean).join(' · ');
    const activity = status?.activity?.file === file.path ? `${status.activity.doing}…` : undefined;
    const untrusted =
      !vscode.workspace.isTrusted && (file.allowed.migrate.ok || file.allowed.verify.ok)
        ? 'This workspace is not trusted, so Migrate and Verify are hidden: they run the project’s tests. Trust the workspace to use them.'
        : undefined;
    const tooltip = new vscode.MarkdownString();
    tooltip.appendMarkdown(`**${escape(file.path)}** — ${activity ?? stateWords[file.state]}\n\n`);
    tooltip.appendText(`${nextStepSentence(file)}\n\n`);
    if (file.risk) tooltip.appendText(`${file.risk.level} risk${file.risk.reasons.length ? `: ${file.risk.reasons.join(' ')}` : ''}\n\n`);
    if (untrusted) tooltip.appendText(untrusted);
    item.tooltip = tooltip;
    item.contextValue = viewItemOf(file);
    item.command = { title: 'Open the file', command: 'vscode.open', arguments: [node.uri] };
    item.accessibilityInformation = {
      label: `${file.path}, ${activity ?? stateWords[file.state]}${risk ? `, ${risk}` : ''}, ${count}. ${nextStepSentence(file)}`,
    };
    return item;
  }

  getParent(): undefined {
    return undefined;
  }

  /** How many files are still to migrate in a status (pending or in flight): the view's badge. */
  static remaining(status: WorkflowSnapshot | undefined): number {
    return status ? status.progress.pending + status.progress.inFlight : 0;
  }

  dispose(): void {
    this.changed.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** Registers the view with its badge (files still to migrate, over every folder). */
export function registerMigrationView(store: StatusStore, client: () => LanguageClient | undefined): vscode.Disposable {
  const tree = new MigrationTree(store, client);
  const view = vscode.window.createTreeView(migrationViewId, { treeDataProvider: tree, showCollapseAll: true });
  const badge = (): void => {
    const remaining = store.roots().reduce((sum, root) => sum + MigrationTree.remaining(store.workflow(root)), 0);
    view.badge =
      remaining > 0 ? { value: remaining, tooltip: `${remaining} file${remaining === 1 ? '' : 's'} still to migrate` } : undefined;
  };
  const listener = store.onDidChangeWorkflow(badge);
  return vscode.Disposable.from(tree, view, listener);
}
