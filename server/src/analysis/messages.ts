import { describeTemplate, templateAwaits } from '../spec/templates';
import type { Usage } from './types';

export interface MessageContext {
  /** The legacy modules, for "from …". */
  module: string;
  /** `through src/core/index.ts`, `extends`, `typeof`, `computed`. */
  detail?: string;
  /** The file a value comes from when it is not made in this file. */
  origin?: string;
  receiverText?: string;
  /** The call's arguments as written, for `{args}` in a constructor rule's template. */
  argsText?: string[];
}

/**
 * Whether a usage is shown as a diagnostic: everything that needs a change. Compatible member uses
 * (the new API keeps them) are only listed in the analysis; a computed member access shows as a
 * routing issue instead.
 */
export function isShownAsDiagnostic(usage: Usage): boolean {
  return usage.incompatible && !(usage.kind === 'member' && usage.member === null);
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
    case 'call':
      text = usage.kind === 'new' ? `Constructs the legacy ${usage.symbol}.` : `Calls the legacy ${usage.symbol}().`;
      if (usage.rule?.kind === 'constructor') {
        const replacement = describeTemplate(usage.rule.template, { args: ctx.argsText?.map(inline) });
        text += ` The new API: ${replacement}${usage.rule.because ? `, because ${usage.rule.because}` : ''}.`;
        if (usage.rule.manual) text += ` Needs a manual change: ${usage.rule.manual}.`;
        if (templateAwaits(usage.rule.template) && usage.expression?.awaitBlocked)
          text += ` Needs a manual change: ${replacement} needs await, but ${usage.expression.awaitBlocked}.`;
      }
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
    case 'replace': {
      const replacement = describeTemplate(rule.template, {
        receiver: ctx.receiverText === undefined ? undefined : inline(ctx.receiverText),
      });
      const awaitBlocked =
        templateAwaits(rule.template) && usage.expression?.awaitBlocked
          ? ` Needs a manual change: it needs await, but ${usage.expression.awaitBlocked}.`
          : '';
      return `${owner}.${member} has no direct equivalent; the new API uses ${replacement}${rule.because ? `, because ${rule.because}` : ''}.${awaitBlocked}`;
    }
    case 'manual':
      return `${owner}.${member} needs a manual change: ${rule.message}`;
  }
}

/** Code quoted in a one-line message: whitespace collapsed, and cut at 60 characters. */
function inline(code: string): string {
  const flat = code.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
}
