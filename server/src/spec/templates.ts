/**
 * Replacement templates such as `(await {receiver}.getKeys()).length` or
 * `CacheFactory.forWebApp({args})`. A placeholder is `{name}`; anything else is literal text.
 */
export type TemplateContext = 'member' | 'constructor';

export interface Placeholder {
  name: string;
  /** Index of the `{` in the template. */
  index: number;
}

const placeholderPattern = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function placeholdersOf(template: string): Placeholder[] {
  const found: Placeholder[] = [];
  for (const match of template.matchAll(placeholderPattern)) {
    found.push({ name: match[1], index: match.index ?? 0 });
  }
  return found;
}

/** Whether `name` may appear in a template used in `context`. */
export function isKnownPlaceholder(name: string, context: TemplateContext): boolean {
  if (name === 'args' || /^arg[0-9]+$/.test(name)) return true;
  return context === 'member' && name === 'receiver';
}

export function knownPlaceholdersText(context: TemplateContext): string {
  return context === 'member' ? '{receiver}, {args}, {arg0}, {arg1}…' : '{args}, {arg0}, {arg1}…';
}

export interface TemplateValues {
  receiver?: string;
  args: string[];
}

/** Fills a template; a missing `{argN}` becomes `undefined` so the call keeps its arity. */
export function fillTemplate(template: string, values: TemplateValues): string {
  return template.replace(placeholderPattern, (whole, name: string) => {
    if (name === 'receiver') return values.receiver ?? whole;
    if (name === 'args') return values.args.join(', ');
    const index = /^arg([0-9]+)$/.exec(name);
    if (index) return values.args[Number(index[1])] ?? 'undefined';
    return whole;
  });
}

/** Whether the template's result is produced with `await` (so it needs an async context). */
export function templateAwaits(template: string): boolean {
  return /(^|[^A-Za-z0-9_$.])await\s/.test(template);
}

/**
 * A template as a person reads it: filled with the text of the call where it is known, and with
 * words where it is not (`cache` for the receiver, `…` for arguments), so no `{placeholder}`
 * ever reaches a message, the adapter's header or a report.
 */
export function describeTemplate(template: string, values: { receiver?: string; args?: string[] } = {}): string {
  return template.replace(placeholderPattern, (whole, name: string) => {
    if (name === 'receiver') return values.receiver ?? 'cache';
    if (name === 'args') return values.args ? values.args.join(', ') : '…';
    const index = /^arg([0-9]+)$/.exec(name);
    if (index) return values.args ? (values.args[Number(index[1])] ?? 'undefined') : '…';
    return whole;
  });
}
