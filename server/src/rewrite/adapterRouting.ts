import { stringLiteral } from './literal';
import type { FileAnalysis, ImportBinding, ImportSite } from '../analysis/types';
import { LineIndex } from '../util/lineIndex';
import type { TextChange } from './textChange';

export interface RoutingPlan {
  changes: TextChange[];
  /** How many import-like constructs were re-pointed or split. */
  routed: number;
  /** Constructs that cannot be routed safely, with why; when any, `changes` is empty. */
  blocked: { line: number; message: string }[];
}

/**
 * Re-points a file's legacy imports, requires, re-exports and dynamic imports at the adapter.
 * A site on a legacy module just gets the adapter's specifier (the adapter re-exports everything
 * the legacy module does); a site on a barrel that mixes legacy and other names is split in two.
 * Local names, comments and formatting stay as they were; a second run finds nothing to do.
 */
export function planAdapterRouting(analysis: FileAnalysis, text: string, adapterSpecifier: (site: ImportSite) => string): RoutingPlan {
  const lines = new LineIndex(text);
  const changes: TextChange[] = [];
  const blocked: RoutingPlan['blocked'] = [];
  let routed = 0;
  for (const site of analysis.importSites) {
    const legacy = site.bindings.filter((b) => b.legacy);
    if (!site.direct && legacy.length === 0) continue;
    const line = lines.positionAt(site.span.start).line + 1;
    const specifier = adapterSpecifier(site);
    const quoted = stringLiteral(specifier, site.quote);
    if (site.direct) {
      changes.push({ start: site.specifier.start, end: site.specifier.end, newText: quoted });
      routed++;
      continue;
    }
    if (legacy.some((b) => b.name === '*' || b.name === 'default')) {
      blocked.push({
        line,
        message: `line ${line} takes the legacy API from ${site.resolved} as a ${legacy.some((b) => b.name === '*') ? 'whole module' : 'default export'}; import the legacy names from ${site.resolved} by name, or migrate ${site.resolved} first`,
      });
      continue;
    }
    if (legacy.length === site.bindings.length) {
      // Every name is legacy: point the whole construct at the adapter, spelling out renames the barrel made.
      changes.push({ start: site.specifier.start, end: site.specifier.end, newText: quoted });
      for (const binding of legacy) {
        if (binding.imported === binding.name || !binding.span) continue;
        changes.push({ start: binding.span.start, end: binding.span.end, newText: elementText(site, binding) });
      }
      routed++;
      continue;
    }
    if (!site.list || site.kind === 'dynamic-import' || site.kind === 'import-equals') {
      blocked.push({ line, message: `line ${line} mixes legacy and other names from ${site.resolved} in a way Stepwise cannot split` });
      continue;
    }
    changes.push(...removeListElements(site));
    changes.push({
      start: site.span.end,
      end: site.span.end,
      newText: `\n${indentOf(lines, site.span.start)}${splitStatement(site, legacy, quoted, text)}`,
    });
    routed++;
  }
  if (blocked.length > 0) return { changes: [], routed: 0, blocked };
  return { changes, routed, blocked };
}

function elementText(site: ImportSite, binding: ImportBinding): string {
  const local = binding.local ?? binding.imported;
  const typePrefix = binding.isTypeOnly && !site.isTypeOnly && site.kind !== 'require' ? 'type ' : '';
  if (site.kind === 'require' || site.kind === 'dynamic-import') return binding.name === local ? local : `${binding.name}: ${local}`;
  return `${typePrefix}${binding.name === local ? local : `${binding.name} as ${local}`}`;
}

/** Removes the legacy elements from a `{ … }` list, keeping the others and their separators tidy. */
export function removeListElements(site: ImportSite): TextChange[] {
  const elements = site.bindings.filter((b) => b.span);
  const changes: TextChange[] = [];
  let i = 0;
  while (i < elements.length) {
    if (!elements[i].legacy) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < elements.length && elements[j + 1].legacy) j++;
    const first = elements[i].span as { start: number; end: number };
    const last = elements[j].span as { start: number; end: number };
    const nextKept = elements[j + 1];
    const previousKept = elements[i - 1];
    if (nextKept?.span) changes.push({ start: first.start, end: nextKept.span.start, newText: '' });
    else if (previousKept?.span) changes.push({ start: previousKept.span.end, end: last.end, newText: '' });
    i = j + 1;
  }
  return changes;
}

function splitStatement(site: ImportSite, legacy: ImportBinding[], quoted: string, text: string): string {
  const semicolon = site.semicolon ? ';' : '';
  const names = legacy.map((b) => elementText(site, b)).join(', ');
  const typeOnly = site.isTypeOnly ? 'type ' : '';
  if (site.kind === 'reexport') return `export ${typeOnly}{ ${names} } from ${quoted}${semicolon}`;
  if (site.kind === 'require') {
    const keyword = /^\s*(const|let|var)\b/.exec(text.slice(site.span.start, site.span.end))?.[1] ?? 'const';
    return `${keyword} { ${names} } = require(${quoted})${semicolon}`;
  }
  return `import ${typeOnly}{ ${names} } from ${quoted}${semicolon}`;
}

function indentOf(lines: LineIndex, offset: number): string {
  const line = lines.positionAt(offset).line;
  return /^\s*/.exec(lines.lineText(line))?.[0] ?? '';
}
