import { stringLiteral } from './literal';
import type { FileAnalysis, ImportSite, Span } from '../analysis/types';
import { describeTemplate, fillTemplate, templateAwaits } from '../spec/templates';
import { LineIndex } from '../util/lineIndex';
import { removeListElements } from './adapterRouting';
import type { TextChange } from './textChange';

export interface NativeRewriteInput {
  /** The file's analysis against the old API (legacy modules and the adapter). */
  analysis: FileAnalysis;
  text: string;
  /** Old class name → the target type that replaces it in type positions. */
  typeMap: Record<string, string>;
  /** Names the target module exports. */
  targetExports: string[];
  /** The specifier of the target module from this file. */
  targetSpecifier: string;
  /**
   * Whether this rewrite may also change another file where an argument's shape is set (an
   * options helper): undefined when it may, else why not, as a clause.
   */
  blocksChangeIn?(path: string): string | undefined;
}

export interface NativeRewriteResult {
  changes: TextChange[];
  /** Usages that cannot be rewritten safely; when any, `changes` is empty. */
  manual: { line: number; message: string }[];
  /** How many usages were rewritten. */
  rewritten: number;
  /** Changes to other files where arguments' shapes are set, made in the same commit. */
  elsewhere: { path: string; changes: TextChange[] }[];
}

interface Edit extends TextChange {
  render(sub: (span: Span) => string): string;
}

/**
 * Rewrites a file's uses of the old API to the new one: member renames, `replace` templates
 * (with `await` only where it is legal), constructions and factory calls through the spec's
 * templates, type references to the target types, and the imports switched to the target module.
 * All or nothing: if one usage cannot be rewritten safely, no change is returned.
 */
export function planNativeRewrite(input: NativeRewriteInput): NativeRewriteResult {
  const { analysis, text } = input;
  const manual: NativeRewriteResult['manual'] = [];
  const edits: Edit[] = [];
  const usedTargetNames = new Set<string>();
  const noteTargets = (template: string): void => {
    for (const name of input.targetExports) if (new RegExp(`(^|[^\\w$.])${escape(name)}\\b`).test(template)) usedTargetNames.add(name);
  };

  for (const usage of analysis.usages) {
    const where = `line ${usage.line}`;
    switch (usage.kind) {
      case 'import':
      case 'require':
        break;
      case 'reexport':
        manual.push({
          line: usage.line,
          message: `${where} re-exports ${usage.symbol}; decide what this module should export from the new API`,
        });
        break;
      case 'dynamic-import':
        manual.push({ line: usage.line, message: `${where} loads ${usage.symbol} with import(); rewrite the lazy load by hand` });
        break;
      case 'type': {
        // A name in an import (a type-only import's binding) changes with its import, below.
        if (analysis.importSites.some((site) => site.span.start <= usage.span.start && usage.span.end <= site.span.end)) break;
        const mapped = input.typeMap[usage.symbol];
        if (!mapped) {
          manual.push({
            line: usage.line,
            message: `${where} refers to the type of ${usage.symbol}, which has no counterpart type in the new API`,
          });
          break;
        }
        if (/^(Extends|Implements)/.test(usage.message)) {
          manual.push({
            line: usage.line,
            message: `${where} ${usage.message.startsWith('Extends') ? 'extends' : 'implements'} ${usage.symbol}; a subclass needs a person's judgement`,
          });
          break;
        }
        usedTargetNames.add(mapped);
        edits.push({ start: usage.span.start, end: usage.span.end, newText: mapped, render: () => mapped });
        break;
      }
      case 'new':
      case 'call': {
        const rule = usage.rule?.kind === 'constructor' ? usage.rule : undefined;
        const shape = usage.expression;
        if (!rule || !shape?.args) {
          manual.push({
            line: usage.line,
            message: `${where} ${usage.kind === 'new' ? 'constructs' : 'calls'} ${usage.symbol} and the spec has no "constructors" rule for it`,
          });
          break;
        }
        if (rule.manual) {
          manual.push({ line: usage.line, message: `${where}: ${rule.manual}` });
          break;
        }
        if (templateAwaits(rule.template) && !shape.awaitAllowed) {
          manual.push({
            line: usage.line,
            message: `${where}: ${describeTemplate(rule.template, { args: shape.args.map((a) => text.slice(a.start, a.end)) })} needs await, but ${shape.awaitBlocked ?? 'the code there is not in an async function'}`,
          });
          break;
        }
        noteTargets(rule.template);
        const args = shape.args;
        edits.push({
          start: shape.span.start,
          end: shape.span.end,
          newText: '',
          render: (sub) => wrap(fillTemplate(rule.template, { args: args.map(sub) }), shape.usedAsObject),
        });
        break;
      }
      case 'member': {
        const rule = usage.rule;
        if (usage.member === null) {
          manual.push({
            line: usage.line,
            message: `${where} uses a computed member on ${usage.symbol}; Stepwise cannot tell which member it is`,
          });
          break;
        }
        if (!rule || rule.kind === 'constructor') break;
        if (rule.kind === 'manual') {
          manual.push({ line: usage.line, message: `${where} ${usage.symbol}.${usage.member}: ${rule.message}` });
          break;
        }
        if (rule.kind === 'rename') {
          if (!usage.name) {
            manual.push({ line: usage.line, message: `${where} reaches ${usage.member} through a string key; rename it by hand` });
            break;
          }
          edits.push({ start: usage.name.start, end: usage.name.end, newText: rule.to, render: () => rule.to });
          break;
        }
        const shape = usage.expression;
        const receiver = usage.receiver;
        if (!shape || !receiver) {
          manual.push({ line: usage.line, message: `${where} ${usage.symbol}.${usage.member} cannot be replaced here` });
          break;
        }
        if (templateAwaits(rule.template) && !shape.awaitAllowed) {
          manual.push({
            line: usage.line,
            message: `${where} ${usage.member}() becomes ${describeTemplate(rule.template, {
              receiver: text.slice(receiver.start, receiver.end),
              args: shape.args?.map((a) => text.slice(a.start, a.end)),
            })}, which needs await, but ${shape.awaitBlocked ?? `${usage.container ?? 'the code there'} is not async`}`,
          });
          break;
        }
        noteTargets(rule.template);
        const args = shape.args ?? [];
        edits.push({
          start: shape.span.start,
          end: shape.span.end,
          newText: '',
          render: (sub) => wrap(fillTemplate(rule.template, { receiver: sub(receiver), args: args.map(sub) }), shape.usedAsObject),
        });
        break;
      }
    }
  }

  // Arguments whose meaning changed: their new form, nested inside the call's own rewrite.
  const seen = new Set<string>();
  const elsewhere = new Map<string, TextChange[]>();
  for (const finding of analysis.shapes) {
    const away = finding.elsewhere;
    const blocked = away && input.blocksChangeIn ? input.blocksChangeIn(away.path) : 'it is in another file';
    if (!finding.rewrite && away && !blocked) {
      const changes = elsewhere.get(away.path) ?? [];
      for (const change of away.changes) {
        if (!changes.some((c) => c.start === change.start && c.end === change.end && c.newText === change.newText)) changes.push(change);
      }
      elsewhere.set(away.path, changes);
      continue;
    }
    if (!finding.rewrite) {
      if (away) {
        manual.push({
          line: finding.line,
          message: `line ${finding.line}: ${finding.message.replace(/ The cleanup rewrite makes this change there.*$/, '').replace(/\.$/, '')}; the cleanup cannot change it there: ${blocked}`,
        });
        continue;
      }
      manual.push({
        line: finding.line,
        message: `line ${finding.line}: ${finding.message.replace(/ Make this change by hand.*$/, '').replace(/\.$/, '')}`,
      });
      continue;
    }
    for (const change of finding.rewrite) {
      // Two calls sharing one options object ask for the same change once.
      const key = `${change.start}:${change.end}:${change.newText}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edits.push({ ...change, render: () => change.newText });
    }
  }

  for (const site of analysis.importSites) {
    if (site.kind === 'dynamic-import' || site.kind === 'reexport') continue;
    if (site.bindings.some((b) => b.legacy && b.name === 'default')) {
      manual.push({
        line: lineOf(text, site.span.start),
        message: `line ${lineOf(text, site.span.start)} imports a default export of the old API; switch it by hand`,
      });
    }
  }
  if (manual.length > 0) return { changes: [], manual, rewritten: 0, elsewhere: [] };

  const rendered = renderNested(edits, text);
  if (rendered.lost.length > 0) {
    const lines = [...new Set(rendered.lost.map((e) => lineOf(text, e.start)))];
    return {
      changes: [],
      manual: lines.map((line) => ({ line, message: `line ${line}: two rewrites of the same code overlap; rewrite it by hand` })),
      rewritten: 0,
      elsewhere: [],
    };
  }
  const changes = rendered.changes;
  changes.push(...importChanges(analysis.importSites, text, [...usedTargetNames].sort(), input.targetSpecifier));
  const other = [...elsewhere].map(([path, list]) => ({ path, changes: list }));
  return { changes, manual: [], rewritten: edits.length + other.reduce((n, o) => n + o.changes.length, 0), elsewhere: other };
}

/**
 * Renders edits from the innermost out, so a template's receiver and arguments carry their own
 * rewrites. An edit inside another that the outer one's rendering did not take in (it lies between
 * the spans its template uses, or overlaps one) is returned as `lost`: applying both would drop it
 * or produce overlapping changes, so the caller refuses instead.
 */
function renderNested(edits: Edit[], text: string): { changes: TextChange[]; lost: TextChange[] } {
  const sorted = [...edits].sort((a, b) => a.end - a.start - (b.end - b.start) || a.start - b.start);
  const done: TextChange[] = [];
  const consumed = new Set<TextChange>();
  for (const edit of sorted) {
    const sub = (span: Span): string => {
      const within = done.filter((d) => d.start >= span.start && d.end <= span.end);
      for (const d of within) consumed.add(d);
      // Only the outermost of them: each already carries the ones nested in it.
      const inner = within.filter((d) => !within.some((o) => o !== d && contains(o, d)));
      let result = text.slice(span.start, span.end);
      for (const change of [...inner].sort((a, b) => b.start - a.start))
        result = result.slice(0, change.start - span.start) + change.newText + result.slice(change.end - span.start);
      return result;
    };
    const change = { start: edit.start, end: edit.end, newText: edit.render(sub) };
    // Inner changes the outer edit did not render into its text are lost to it.
    done.push(change);
  }
  const outermost = done.filter((d) => !done.some((o) => o !== d && contains(o, d)));
  const lost = done.filter((d) => !outermost.includes(d) && !consumed.has(d));
  const overlapping = outermost.filter((d) => outermost.some((o) => o !== d && o.start < d.end && d.start < o.end));
  return { changes: outermost, lost: [...lost, ...overlapping] };
}

/** Whether `outer` strictly encloses `inner` (an equal span is not nesting). */
function contains(outer: TextChange, inner: TextChange): boolean {
  return outer.start <= inner.start && inner.end <= outer.end && (outer.start !== inner.start || outer.end !== inner.end);
}

function importChanges(sites: ImportSite[], text: string, names: string[], targetSpecifier: string): TextChange[] {
  const changes: TextChange[] = [];
  let inserted = false;
  const lines = new LineIndex(text);
  for (const site of sites) {
    if (site.kind === 'dynamic-import' || site.kind === 'reexport') continue;
    const legacy = site.bindings.filter((b) => b.legacy || site.direct);
    if (legacy.length === 0) continue;
    const semicolon = site.semicolon ? ';' : '';
    const quote = site.quote;
    const replacement = (): string => {
      if (inserted || names.length === 0) return '';
      inserted = true;
      if (site.kind === 'require' || site.kind === 'import-equals') {
        const keyword =
          site.kind === 'require' ? (/^\s*(const|let|var)\b/.exec(text.slice(site.span.start, site.span.end))?.[1] ?? 'const') : 'const';
        return `${keyword} { ${names.join(', ')} } = require(${stringLiteral(targetSpecifier, quote)})${semicolon}`;
      }
      const typeOnly = site.isTypeOnly ? 'type ' : '';
      return `import ${typeOnly}{ ${names.join(', ')} } from ${stringLiteral(targetSpecifier, quote)}${semicolon}`;
    };
    if (legacy.length === site.bindings.length || site.direct) {
      const newText = replacement();
      if (newText) changes.push({ start: site.span.start, end: site.span.end, newText });
      else changes.push(removeLine(site.span, lines, text));
    } else {
      changes.push(...removeListElements(site));
      const newText = replacement();
      if (newText) changes.push({ start: site.span.end, end: site.span.end, newText: `\n${newText}` });
    }
  }
  return changes;
}

/** Removes a statement and its line break when it stands on lines of its own. */
function removeLine(span: Span, lines: LineIndex, text: string): TextChange {
  const startLine = lines.positionAt(span.start).line;
  const lineStart = lines.offsetAt({ line: startLine, character: 0 });
  const before = text.slice(lineStart, span.start);
  let end = span.end;
  if (text[end] === '\r') end++;
  if (text[end] === '\n') end++;
  return /^\s*$/.test(before) ? { start: lineStart, end, newText: '' } : { start: span.start, end: span.end, newText: '' };
}

function wrap(expression: string, usedAsObject: boolean): string {
  if (!usedAsObject || /^[\w$.]+(\(.*\))?$/.test(expression) || isParenthesized(expression)) return expression;
  return `(${expression})`;
}

function isParenthesized(expression: string): boolean {
  if (!expression.startsWith('(') || !expression.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < expression.length; i++) {
    if (expression[i] === '(') depth++;
    else if (expression[i] === ')') depth--;
    if (depth === 0 && i < expression.length - 1) return false;
  }
  return true;
}

function lineOf(text: string, offset: number): number {
  return new LineIndex(text).positionAt(offset).line + 1;
}

function escape(name: string): string {
  return name.replace(/[$]/g, '\\$');
}
