import type { Connection } from 'vscode-languageserver/node';
import { RedisPasswordNotification, RolloutRequest } from '../protocol';
import type { Sessions } from './sessions';

/**
 * The rollout controls over LSP: `stepwise/rollout` (next stage, set, roll back, drill) and the
 * Redis password the client keeps in its secret storage (`stepwise/redisPassword`, in memory only).
 */
export function wireRollout(connection: Connection, sessions: Sessions): { password(): string | undefined } {
  let password: string | undefined;
  connection.onNotification(RedisPasswordNotification.type, (params) => {
    password = typeof params?.password === 'string' && params.password !== '' ? params.password : undefined;
    // Sessions read it on their next look at the store; the change itself is the refresh.
    for (const session of sessions.all()) void session.observe();
  });
  connection.onRequest(RolloutRequest.type, async (params): Promise<RolloutRequest.Result> => {
    const session = sessions.forUri(params?.uri);
    if (!session) return { ok: false, error: 'No workspace folder is open.' };
    const reason = typeof params.reason === 'string' && params.reason.trim() ? params.reason.trim() : undefined;
    switch (params.action) {
      case 'next':
        return session.rolloutNext(reason);
      case 'rollback':
        return session.rollout('legacy', reason ?? 'rolled back from the editor');
      case 'set':
        if (typeof params.value !== 'string') return { ok: false, error: 'Say which mode: legacy, shadow, a percentage, or new.' };
        return session.rollout(params.value, reason);
      case 'drill':
        return session.drill();
      default:
        return { ok: false, error: `Unknown rollout action ${JSON.stringify(params.action)}.` };
    }
  });
  return { password: () => password };
}
