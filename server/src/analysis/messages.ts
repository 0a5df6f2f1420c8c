import type { Usage } from './types';

export interface MessageContext {
  /** The legacy modules, for "from …". */
  module: string;
  /** `through src/core/index.ts`, `extends`, `typeof`, `computed`. */
  detail?: string;
  /** The file a value comes from when it is not made in this file. */
  origin?: string;
  receiverText?: string;
}

/** One sentence (or two) a person reads in the Problems panel and in `stepwise analyze`. */
export function describeUsage(usage: Usage, ctx: MessageContext): string {
  const through = ctx.detail?.startsWith('through ') ? ` ${ctx.detail}` : '';
  const note = usage.rule?.note ? ` ${usage.rule.note}` : '';
  let text: string;
  switch (usage.kind) {
    case 'import':
      text = usage.symbol === '*' ? `Imports the legacy module ${ctx.module}${through}.` : `Imports legacy ${usage.symbol}${through}.`;
      break;
    case 'require':
      text = usage.symbol === '*' ? `Requires the legacy module ${ctx.module}${through}.` : `Requires legacy ${usage.symbol}${through}.`;
      break;
    case 'reexport':
      text =
        usage.symbol === '*' ? `Re-exports the legacy module ${ctx.module}${through}.` : `Re-exports legacy ${usage.symbol}${through}.`;
      break;
    case 'dynamic-import':
      text = `Loads legacy ${usage.symbol === '*' ? ctx.module : usage.symbol} with import()${through}.`;
      break;
    case 'new':
      text = `Constructs the legacy ${usage.symbol}.`;
      if (usage.rule?.kind === 'constructor') text += ` The new API: ${usage.rule.template}.`;
      break;
    case 'call':
      text = `Calls the legacy ${usage.symbol}().`;
      if (usage.rule?.kind === 'constructor') text += ` The new API: ${usage.rule.template}.`;
      break;
    case 'type':
      text =
        ctx.detail === 'extends'
          ? `Extends the legacy ${usage.symbol}.`
          : ctx.detail === 'implements'
            ? `Implements the legacy ${usage.symbol}.`
            : `Uses the legacy type ${usage.symbol}.`;
      break;
    case 'member':
      text = describeMember(usage, ctx);
      break;
  }
  if (!usage.fixable && ctx.origin) {
    text += ` The value comes from ${ctx.origin}; it changes when that file is migrated.`;
  } else if (!usage.fixable && usage.kind !== 'member') {
    text += ' Migrating this file cannot re-point it automatically.';
  }
  return text + note;
}

function describeMember(usage: Usage, ctx: MessageContext): string {
  const owner = usage.symbol;
  if (usage.member === null) return `Computed member access on a legacy ${owner}.`;
  const member = usage.member;
  const rule = usage.rule;
  if (!rule || rule.kind === 'constructor') return `Uses ${owner}.${member}, which the new API keeps.`;
  switch (rule.kind) {
    case 'rename':
      return `${owner}.${member} is renamed to ${rule.to} in the new API.`;
    case 'replace':
      return `${owner}.${member} has no direct equivalent; the new API uses ${rule.template.replace('{receiver}', ctx.receiverText ?? '{receiver}')}.`;
    case 'manual':
      return `${owner}.${member} needs a manual change: ${rule.message}`;
  }
}
