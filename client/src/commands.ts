import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Commands, DossierRequest, PlanRequest } from '../../server/src/protocol';
import type { DossierDocuments } from './dossierView';

export interface CommandContext {
  client(): LanguageClient | undefined;
  restart(): Promise<void>;
  log: vscode.LogOutputChannel;
  dossiers: DossierDocuments;
}

type Handler = (ctx: CommandContext, ...args: unknown[]) => unknown;

const riskIcon: Record<string, string> = { low: '$(pass)', medium: '$(info)', high: '$(warning)', critical: '$(error)' };

/** Every command of the extension, registered from this one table. */
export const commandTable: Record<string, Handler> = {
  [Commands.showDossier]: async (ctx, uriArg) => {
    const client = ctx.client();
    const uri =
      typeof uriArg === 'string'
        ? uriArg
        : ((uriArg as vscode.Uri | undefined)?.toString() ?? vscode.window.activeTextEditor?.document.uri.toString());
    if (!client || !uri) {
      void vscode.window.showInformationMessage('Open a file that uses the legacy API to see its pre-move analysis.');
      return;
    }
    const result = await client.sendRequest<DossierRequest.Result>(DossierRequest.method, { uri });
    if ('error' in result) {
      void vscode.window.showInformationMessage(result.error);
      return;
    }
    const doc = ctx.dossiers.show(result.dossier);
    await vscode.commands.executeCommand('markdown.showPreview', doc);
  },
  [Commands.showPlan]: async (ctx) => {
    const client = ctx.client();
    if (!client) return;
    const plan = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Stepwise: computing the plan' }, () =>
      client.sendRequest<PlanRequest.Result | null>(PlanRequest.method, {}),
    );
    if (!plan || plan.entries.length === 0) {
      void vscode.window.showInformationMessage('Stepwise found no file left to migrate.');
      return;
    }
    const picked = await vscode.window.showQuickPick(
      plan.entries.map((e, i) => ({
        label: `${riskIcon[e.risk.level] ?? ''} ${i + 1}. ${e.path}`,
        description: `${e.risk.level} risk · ${e.usages} usages`,
        detail: e.risk.reasons.join(' '),
        path: e.path,
      })),
      { title: 'Stepwise: migration plan (lowest risk first)', matchOnDetail: true },
    );
    if (picked) await vscode.window.showTextDocument(vscode.Uri.file(`${plan.root}/${picked.path}`));
  },
  [Commands.showLog]: (ctx) => ctx.log.show(),
  [Commands.restartServer]: (ctx) => ctx.restart(),
};
