import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { RedisPasswordNotification, RemoveAdapterRequest, RolloutRequest, WorkflowStatusRequest } from '../../server/src/protocol';
import type { RolloutAction } from '../../server/src/protocol';

/** Where the Redis password lives: the editor's secret storage, never the settings. */
export const redisPasswordKey = 'stepwise.redis.password';

const titles: Record<RolloutAction, string> = {
  next: 'Moving to the next rollout stage',
  set: 'Setting the rollout mode',
  rollback: 'Rolling back to legacy',
  drill: 'Running a rollback drill (legacy, then back to the stage)',
};

/**
 * Relays one rollout control to the server (which decides whether it may happen) with progress,
 * and says how it went. The result is also what the checklist shows next, pushed by the server.
 */
export async function runRollout(
  client: LanguageClient | undefined,
  action: RolloutAction,
  root: string | undefined,
  options: { value?: string; reason?: string } = {},
): Promise<RolloutRequest.Result | undefined> {
  if (!client) {
    void vscode.window.showErrorMessage('The Stepwise language server is not running; see the Stepwise log.');
    return undefined;
  }
  const result = await vscode.window.withProgress(
    {
      location: action === 'drill' ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
      title: `Stepwise: ${titles[action]}`,
    },
    () => client.sendRequest(RolloutRequest.type, { uri: root ? vscode.Uri.file(root).toString() : undefined, action, ...options }),
  );
  if (result.ok) void vscode.window.showInformationMessage(result.message);
  else void vscode.window.showWarningMessage(result.error);
  return result;
}

/** Sends the stored Redis password (or none) to the server. */
export async function sendRedisPassword(client: LanguageClient | undefined, secrets: vscode.SecretStorage): Promise<void> {
  if (!client) return;
  const password = (await secrets.get(redisPasswordKey)) ?? null;
  await client.sendNotification(RedisPasswordNotification.type, { password });
}

/** Asks for the Redis password (hidden as typed), keeps it in secret storage, and tells the server. */
export async function setRedisPassword(client: LanguageClient | undefined, secrets: vscode.SecretStorage): Promise<void> {
  const password = await vscode.window.showInputBox({
    title: 'Stepwise: Redis password',
    prompt: 'Kept in the editor\u2019s secret storage; never written to settings, logs or the evidence.',
    password: true,
    ignoreFocusOut: true,
  });
  if (password === undefined) return;
  if (password === '') await secrets.delete(redisPasswordKey);
  else await secrets.store(redisPasswordKey, password);
  await sendRedisPassword(client, secrets);
  void vscode.window.showInformationMessage(
    password === '' ? 'Stepwise: the Redis password was cleared.' : 'Stepwise: the Redis password is set.',
  );
}

/**
 * Removes the adapter of a folder's migration once nothing imports it: a one-way door (the runtime
 * rollback goes with it), so the person types the adapter's path first. The server checks every
 * condition again and says why when it refuses.
 */
export async function removeAdapter(client: LanguageClient | undefined, root: string | undefined): Promise<void> {
  if (!client) {
    void vscode.window.showErrorMessage('The Stepwise language server is not running; see the Stepwise log.');
    return;
  }
  const uri = root ? vscode.Uri.file(root).toString() : undefined;
  const status = await client.sendRequest(WorkflowStatusRequest.type, { uri });
  if (!status.removeAdapter?.ok || !status.adapter) {
    void vscode.window.showInformationMessage(
      `The adapter cannot be removed yet: ${status.removeAdapter?.reason ?? 'the cleanup phase starts once every file is approved on the adapter.'}`,
    );
    return;
  }
  const adapter = status.adapter;
  const typed = await vscode.window.showInputBox({
    title: 'Stepwise: Remove the Adapter (One-Way)',
    prompt: `Nothing imports ${adapter} any more. Removing it deletes it, its runtime and the legacy package from package.json in one commit; the runtime rollback goes with it. Type the adapter's path to confirm.`,
    placeHolder: adapter,
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() === adapter ? undefined : `Type ${adapter} exactly to confirm.`),
  });
  if (typed === undefined) return;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Stepwise: Removing the adapter' },
    () => client.sendRequest(RemoveAdapterRequest.type, { uri, confirmation: typed }),
  );
  if (result.ok) void vscode.window.showInformationMessage(result.message);
  else void vscode.window.showWarningMessage(result.error);
}
