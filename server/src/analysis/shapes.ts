import { ts } from 'ts-morph';
import type { ShapeRule, ShapeTest } from '../spec/shapeRules';
import type { ShapeFinding } from './types';

type Change = { start: number; end: number; newText: string };

export interface ShapeInput {
  /** The construction, factory call or member call (absent for an object a method returns). */
  call?: ts.CallExpression | ts.NewExpression;
  /** The values the rules look at, when they are not the call's arguments (a returned options object). */
  args?: readonly ts.Expression[];
  symbol: string;
  /** The member name for member calls; null for constructions and factory calls. */
  member: string | null;
  rules: readonly ShapeRule[];
  checker: ts.TypeChecker;
  sf: ts.SourceFile;
  /** Workspace-relative path of a file, or undefined outside the workspace. */
  relativePathOf(fileName: string): string | undefined;
  /**
   * `legacy`: a call of the legacy API; `framework`: a call of a framework's API (rules with
   * `on.modules`); `implements`: the object a method of a class implementing a framework's
   * interface returns (rules with `on.implements`).
   */
  via?: 'legacy' | 'framework' | 'implements';
}

/** The shape rules that match one call, each with where it points and, when safe, the new form. */
export function findShapes(input: ShapeInput): ShapeFinding[] {
  const found: ShapeFinding[] = [];
  for (const rule of input.rules) {
    const via = rule.on.implements ? 'implements' : rule.on.modules ? 'framework' : 'legacy';
    if (via !== (input.via ?? 'legacy') || !applies(rule, input.symbol, input.member)) continue;
    const match = new ShapeMatcher(input).test(rule.test);
    if (!match) continue;
    // A framework's options are not rewritten by any file's cleanup (the file may not use the legacy API at all).
    if (via !== 'legacy') match.rewrite = undefined;
    const start = match.node.getStart(input.sf);
    const pos = input.sf.getLineAndCharacterOfPosition(start);
    found.push({
      rule: rule.id,
      symbol: input.symbol,
      member: input.member,
      line: pos.line + 1,
      column: pos.character + 1,
      span: { start, end: match.node.getEnd() },
      message:
        rule.message +
        (match.at ? ` It is set in ${match.at}.` : '') +
        (match.rewrite
          ? ' The cleanup rewrite makes this change.'
          : match.elsewhere
            ? ` The cleanup rewrite makes this change there, in the same commit, when nothing else imports ${match.elsewhere.path}.`
            : via === 'legacy'
              ? ' Make this change by hand when the file moves to the new API.'
              : ' Make this change by hand when the project moves to the new version.'),
      rewrite: match.rewrite,
      at: match.at,
      elsewhere: match.elsewhere,
    });
  }
  return found;
}

function applies(rule: ShapeRule, symbol: string, member: string | null): boolean {
  if (rule.on.symbol !== symbol) return false;
  if (rule.on.member === undefined) return member === null;
  if (member === null) return false;
  if (rule.on.member === '*') return !(rule.on.except ?? []).includes(member);
  return rule.on.member === member;
}

interface Match {
  /** Where the finding points. */
  node: ts.Node;
  rewrite?: Change[];
  /** `src/options.js:9` when the shape is set away from the call. */
  at?: string;
  /** The new form, when the shape is set in another workspace file: changes to that file. */
  elsewhere?: { path: string; changes: Change[] };
}

/** An options object as far as it can be known: written here (a literal), or only its type. */
interface Options {
  literal?: ts.ObjectLiteralExpression;
  /** Whether the literal is in this file and can be changed by this file's rewrite. */
  local: boolean;
  type?: ts.Type;
}

class ShapeMatcher {
  private readonly args: readonly ts.Expression[];

  constructor(private readonly input: ShapeInput) {
    this.args = input.args ?? input.call?.arguments ?? [];
  }

  test(test: ShapeTest): Match | undefined {
    switch (test.kind) {
      case 'positional':
        return this.positional(test.arg, test.wrapAs);
      case 'callback':
        return this.callback();
      case 'flags':
        return this.flags(test.arg, test.flags);
      case 'option':
        return this.option(test.arg, test.option, test.rename);
      case 'swapped-parameters':
        return this.swappedParameters(test.arg, test.option);
      case 'seconds-to-ms':
        return this.secondsToMs(test.arg, test.option, test.positional ?? false);
      case 'requires-one-of':
        return this.requiresOneOf(test.arg, test.options);
      case 'option-to-argument':
        return this.optionToArgument(test.arg, test.option);
      case 'positional-options':
        return this.positionalOptions(test.from, test.types, test.names);
      case 'first-argument': {
        const first = this.args[0];
        return first && ts.isStringLiteralLike(first) && test.values.includes(first.text) ? { node: first } : undefined;
      }
      case 'has-option': {
        const options = this.options(test.arg);
        const found = options ? [test.option, ...(test.or ?? [])].map((o) => this.property(options, o)).find(Boolean) : undefined;
        if (!found) return undefined;
        return found.local ? { node: found.node } : { node: this.args[test.arg], at: found.at };
      }
      case 'non-string-option': {
        const options = this.options(test.arg);
        const found = options ? this.property(options, test.option) : undefined;
        if (!found?.local || !ts.isPropertyAssignment(found.node) || ts.isStringLiteralLike(skipOuter(found.node.initializer)))
          return undefined;
        return { node: found.node };
      }
    }
  }

  // ---- tests ------------------------------------------------------------------------------

  private positional(index: number, wrapAs: string): Match | undefined {
    const arg = this.args[index];
    if (!arg || ts.isSpreadElement(arg) || !this.isPositionalValue(arg, index)) return undefined;
    const entry = ts.isIdentifier(arg) && arg.text === wrapAs ? wrapAs : `${wrapAs}: ${this.text(arg)}`;
    return { node: arg, rewrite: [{ start: this.start(arg), end: arg.getEnd(), newText: `{ ${entry} }` }] };
  }

  private callback(): Match | undefined {
    const last = this.args[this.args.length - 1];
    if (!last) return undefined;
    // A function, or an untyped value (plain JavaScript) where the legacy API takes a callback, or
    // named as one where an optional argument may stand before the callback (`get(key, callback)`
    // for `get(key, options?, cb?)`).
    const index = this.args.length - 1;
    const callable = (t: ts.Type): boolean => t.getCallSignatures().length > 0;
    if (this.isFunction(last)) return { node: last };
    if (!this.isUntyped(last)) return undefined;
    if (this.declaredParameter(index, callable)) return { node: last };
    const named = ts.isIdentifier(skipOuter(last)) && /^(cb|callback|done|next|respond|reply)$/i.test(skipOuter(last).getText());
    if (named && [1, 2].some((later) => this.declaredParameter(index + later, callable))) return { node: last };
    return undefined;
  }

  private flags(index: number, flags: string[]): Match | undefined {
    const rest = this.args.slice(index);
    if (rest.length === 0 || !ts.isStringLiteralLike(rest[0]) || !flags.includes(rest[0].text.toUpperCase())) return undefined;
    // Flags that take a value (EX n, PX n, EXAT n, PXAT n) and flags alone (NX, XX, KEEPTTL, GET).
    const withValue = new Set(['EX', 'PX', 'EXAT', 'PXAT']);
    const entries: string[] = [];
    let i = 0;
    while (i < rest.length) {
      const flag = rest[i];
      if (!ts.isStringLiteralLike(flag) || !flags.includes(flag.text.toUpperCase())) return { node: rest[0] };
      const name = flag.text.toUpperCase();
      if (withValue.has(name)) {
        const value = rest[i + 1];
        if (!value || this.isFunction(value)) return { node: rest[0] };
        entries.push(`${name}: ${this.text(value)}`);
        i += 2;
      } else {
        entries.push(`${name}: true`);
        i += 1;
      }
    }
    const first = rest[0];
    const last = rest[rest.length - 1];
    return { node: first, rewrite: [{ start: this.start(first), end: last.getEnd(), newText: `{ ${entries.join(', ')} }` }] };
  }

  private option(index: number, name: string, rename: string | undefined): Match | undefined {
    const options = this.options(index);
    if (!options) return undefined;
    const found = this.property(options, name);
    if (!found) return undefined;
    const rewrite = rename ? renameChanges(found.node, rename) : undefined;
    if (!found.local) return this.away(found, index, rewrite);
    return { node: found.node, rewrite };
  }

  /** A shape set in another file: the finding points at this call's argument; the change is that file's. */
  private away(found: { node: ts.Node; at?: string }, index: number, changes: Change[] | undefined): Match {
    const sf = found.node.getSourceFile();
    const path = sf === this.input.sf || sf.isDeclarationFile ? undefined : this.input.relativePathOf(sf.fileName);
    return { node: this.args[index], at: found.at, elsewhere: changes && path ? { path, changes } : undefined };
  }

  private swappedParameters(index: number, name: string): Match | undefined {
    const options = this.options(index);
    if (!options) return undefined;
    const found = this.property(options, name);
    if (!found) return undefined;
    const fn = functionOf(found.node);
    if (!fn) {
      // A function value made elsewhere (`dispose: other.set.bind(other)`): its order cannot be rewritten here.
      const value = ts.isPropertyAssignment(found.node) ? found.node.initializer : undefined;
      const signature = value ? this.input.checker.getTypeAtLocation(value).getCallSignatures()[0] : undefined;
      if (!signature || signature.getParameters().length < 2) return undefined;
      return found.local ? { node: found.node } : { node: this.args[index], at: found.at };
    }
    if (fn.parameters.length === 0 || inNewOrder(fn.parameters)) return undefined;
    const params = fn.parameters;
    const rewrite = params.some((p) => p.dotDotDotToken) ? undefined : this.swapChanges(fn);
    if (!found.local) return this.away(found, index, rewrite);
    return { node: found.node, rewrite };
  }

  /** `(key, value)` → `(value, key)`; a lone `key` → `(_value, key)`. */
  private swapChanges(fn: ts.SignatureDeclaration): Change[] {
    const params = fn.parameters;
    if (params.length >= 2) {
      return [
        { start: this.start(params[0]), end: params[0].getEnd(), newText: this.text(params[1]) },
        { start: this.start(params[1]), end: params[1].getEnd(), newText: this.text(params[0]) },
      ];
    }
    const only = params[0];
    const parenthesized = fn.getSourceFile().text.slice(this.start(fn), this.start(only)).includes('(');
    const newText = `_value, ${this.text(only)}`;
    return [{ start: this.start(only), end: only.getEnd(), newText: parenthesized ? newText : `(${newText})` }];
  }

  private secondsToMs(index: number, name: string, positional: boolean): Match | undefined {
    const arg = this.args[index];
    if (!arg || ts.isSpreadElement(arg)) return undefined;
    if (positional && this.isNumber(arg)) return { node: arg, rewrite: [this.timesThousand(arg)] };
    const options = this.options(index);
    if (!options) return undefined;
    const found = this.property(options, name);
    if (!found) return undefined;
    const property = found.node;
    if (!found.local) {
      const value = ts.isPropertyAssignment(property) ? property.initializer : undefined;
      // Only a number to multiply in place: the positional form replaces the whole options object.
      const changes = !positional && value && !this.isFunction(value) ? [this.timesThousand(value)] : undefined;
      return this.away(found, index, changes);
    }
    const value = ts.isPropertyAssignment(property)
      ? property.initializer
      : ts.isShorthandPropertyAssignment(property)
        ? property.name
        : undefined;
    if (!value || this.isFunction(value)) return { node: property };
    if (!positional) {
      if (ts.isShorthandPropertyAssignment(property))
        return { node: property, rewrite: [{ start: this.start(property), end: property.getEnd(), newText: `${name}: ${name} * 1000` }] };
      return { node: property, rewrite: [this.timesThousand(value)] };
    }
    // The whole options object becomes the number: only when ttl is all it says.
    const literal = options.literal;
    if (!literal || literal !== arg || literal.properties.length !== 1) return { node: property };
    return {
      node: property,
      rewrite: [{ start: this.start(arg), end: arg.getEnd(), newText: timesThousandText(this.text(value), value) }],
    };
  }

  private requiresOneOf(index: number, names: string[]): Match | undefined {
    const arg = this.args[index];
    if (!arg) return this.input.call ? { node: this.input.call.expression } : undefined;
    if (ts.isSpreadElement(arg) || this.isNumber(arg)) return undefined;
    const options = this.options(index);
    if (!options) return undefined;
    if (options.literal && options.literal.properties.some((p) => ts.isSpreadAssignment(p))) return undefined;
    if (!options.literal && !options.type) return undefined;
    if (names.some((n) => this.property(options, n))) return undefined;
    return { node: arg };
  }

  private optionToArgument(index: number, name: string): Match | undefined {
    const options = this.options(index);
    const arg = this.args[index];
    if (!options || !arg) return undefined;
    const found = this.property(options, name);
    if (!found) return undefined;
    const literal = options.literal;
    if (!found.local || literal !== arg || !ts.isPropertyAssignment(found.node))
      return { node: found.local ? found.node : arg, at: found.at };
    const property = found.node;
    // A store package (`store: redisStore`) is built first in the new API, not named: a person's change.
    if (!ts.isStringLiteralLike(skipOuter(property.initializer))) return { node: property };
    const properties = literal.properties;
    const i = properties.indexOf(property);
    const text = this.input.sf.text;
    let removeStart = this.start(property);
    let removeEnd = property.getEnd();
    if (i < properties.length - 1) removeEnd = this.start(properties[i + 1]);
    else if (i > 0) removeStart = properties[i - 1].getEnd();
    else {
      const trailing = /^\s*,/.exec(text.slice(removeEnd));
      if (trailing) removeEnd += trailing[0].length;
    }
    return {
      node: property,
      rewrite: [
        { start: this.start(arg), end: this.start(arg), newText: `${this.text(property.initializer)}, ` },
        { start: removeStart, end: removeEnd, newText: '' },
      ],
    };
  }

  private positionalOptions(from: number, types: ('number' | 'string' | 'object')[], names: string[] | undefined): Match | undefined {
    const rest = this.args.slice(from);
    if (rest.length === 0 || rest.length > types.length) return undefined;
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i];
      const ok = types[i] === 'number' ? this.isNumber(arg) : types[i] === 'string' ? this.isString(arg) : this.isObject(arg);
      if (!ok) return undefined;
    }
    if (!names || rest.length > names.length) return { node: rest[0] };
    // Each argument becomes one entry of the options object; the separators between them stay as written.
    const entries = rest.map((arg, i) => `${names[i]}: ${this.text(arg)}`);
    const socket = names[0] === 'port';
    const open = socket ? '{ socket: { ' : '{ ';
    const close = socket ? ' } }' : ' }';
    const rewrite = rest.map((arg, i) => ({
      start: this.start(arg),
      end: arg.getEnd(),
      newText: `${i === 0 ? open : ''}${entries[i]}${i === rest.length - 1 ? close : ''}`,
    }));
    return { node: rest[0], rewrite };
  }

  // ---- values -----------------------------------------------------------------------------

  /** The options object passed at `index`: a literal (here or in a `const`), or what its type says. */
  private options(index: number): Options | undefined {
    const arg = this.args[index];
    if (!arg || ts.isSpreadElement(arg)) return undefined;
    const literal = this.objectLiteralOf(arg);
    if (literal) return { literal, local: literal.getSourceFile() === this.input.sf };
    if (this.isNumber(arg) || this.isString(arg) || this.isFunction(arg)) return undefined;
    const type = this.input.checker.getTypeAtLocation(arg);
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return undefined;
    if (!(type.flags & ts.TypeFlags.Object)) return undefined;
    return { local: false, type };
  }

  private objectLiteralOf(node: ts.Expression): ts.ObjectLiteralExpression | undefined {
    const inner = skipOuter(node);
    if (ts.isObjectLiteralExpression(inner)) return inner;
    if (!ts.isIdentifier(inner)) return undefined;
    // `const options = { … }` in this file: the rewrite changes the literal where it is.
    const symbol = this.input.checker.getSymbolAtLocation(inner);
    const declaration = symbol?.valueDeclaration;
    if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return undefined;
    if (!(ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const)) return undefined;
    if (declaration.getSourceFile() !== this.input.sf) return undefined;
    const init = skipOuter(declaration.initializer);
    return ts.isObjectLiteralExpression(init) ? init : undefined;
  }

  /** A property of the options, where it is written; `local` when this file's rewrite may change it. */
  private property(options: Options, name: string): { node: ts.Node; local: boolean; at?: string } | undefined {
    if (options.literal) {
      const property = options.literal.properties.find((p) => p.name !== undefined && propertyName(p.name) === name);
      if (property) return { node: property, local: options.local, at: options.local ? undefined : this.where(property) };
      return undefined;
    }
    const symbol = options.type?.getProperty(name);
    if (!symbol) return undefined;
    const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
    // Declared by the legacy API's own option types (an optional member), not set by the caller.
    if (!declaration || !isObjectLiteralMember(declaration)) return undefined;
    return { node: declaration, local: false, at: this.where(declaration) };
  }

  private where(node: ts.Node): string {
    const sf = node.getSourceFile();
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    if (sf === this.input.sf) return `line ${line}`;
    return `${this.input.relativePathOf(sf.fileName) ?? sf.fileName}:${line}`;
  }

  /** A value in a place that takes a number or an options object: a number, or anything but an object. */
  private isPositionalValue(arg: ts.Expression, index: number): boolean {
    if (this.isNumber(arg)) return true;
    if (this.objectLiteralOf(arg) || this.isFunction(arg)) return false;
    // Untyped (plain JavaScript): positional when the legacy signature takes only a number there.
    return this.isUntyped(arg) && this.declaredParameter(index, (t) => (t.flags & ts.TypeFlags.NumberLike) !== 0);
  }

  private isUntyped(node: ts.Expression): boolean {
    return (this.input.checker.getTypeAtLocation(node).flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0;
  }

  /** Whether the legacy signature's parameter at `index` (not a rest parameter) has a type that passes `test`. */
  private declaredParameter(index: number, test: (type: ts.Type) => boolean): boolean {
    if (!this.input.call) return false;
    const signature = this.input.checker.getResolvedSignature(this.input.call);
    const parameter = signature?.getParameters()[index];
    const declaration = parameter?.valueDeclaration;
    if (!parameter || (declaration && ts.isParameter(declaration) && declaration.dotDotDotToken)) return false;
    const declared = this.input.checker.getTypeOfSymbolAtLocation(parameter, this.input.call);
    return test(this.input.checker.getNonNullableType(declared));
  }

  private isNumber(node: ts.Expression): boolean {
    const inner = skipOuter(node);
    if (ts.isNumericLiteral(inner) || (ts.isPrefixUnaryExpression(inner) && ts.isNumericLiteral(inner.operand))) return true;
    const type = this.input.checker.getTypeAtLocation(node);
    return (type.flags & ts.TypeFlags.NumberLike) !== 0;
  }

  private isString(node: ts.Expression): boolean {
    const inner = skipOuter(node);
    if (ts.isStringLiteralLike(inner) || ts.isTemplateExpression(inner)) return true;
    // `process.env.REDIS_URL || 'redis://localhost'`: a string whatever the untyped side is.
    if (
      ts.isBinaryExpression(inner) &&
      (inner.operatorToken.kind === ts.SyntaxKind.BarBarToken || inner.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken) &&
      (ts.isStringLiteralLike(skipOuter(inner.left)) || ts.isStringLiteralLike(skipOuter(inner.right)))
    )
      return true;
    const type = this.input.checker.getTypeAtLocation(node);
    return (type.flags & ts.TypeFlags.StringLike) !== 0;
  }

  private isObject(node: ts.Expression): boolean {
    if (this.objectLiteralOf(node)) return true;
    const type = this.input.checker.getTypeAtLocation(node);
    return (type.flags & ts.TypeFlags.Object) !== 0 && type.getCallSignatures().length === 0;
  }

  private isFunction(node: ts.Expression): boolean {
    const inner = skipOuter(node);
    if (ts.isArrowFunction(inner) || ts.isFunctionExpression(inner)) return true;
    if (ts.isObjectLiteralExpression(inner) || ts.isLiteralExpression(inner)) return false;
    const type = this.input.checker.getTypeAtLocation(node);
    return !(type.flags & ts.TypeFlags.Any) && type.getCallSignatures().length > 0;
  }

  private timesThousand(node: ts.Expression): Change {
    return { start: this.start(node), end: node.getEnd(), newText: timesThousandText(this.text(node), node) };
  }

  private start(node: ts.Node): number {
    return node.getStart(node.getSourceFile());
  }

  private text(node: ts.Node): string {
    return node.getText(node.getSourceFile());
  }
}

/**
 * Parameters already in the new order, by what they are called: a third one (the reason), a value
 * first, or a key second (`(value, key) =>` as a person writes it after the change).
 */
function inNewOrder(parameters: readonly ts.ParameterDeclaration[]): boolean {
  const names = parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text.replace(/^_+/, '') : ''));
  if (parameters.length >= 3) return true;
  return /^(v|val|value|item|entry|data|obj|object)$/i.test(names[0]) || /^(k|key|id|name)$/i.test(names[1] ?? '');
}

function timesThousandText(text: string, node: ts.Expression): string {
  const inner = skipOuter(node);
  const simple = ts.isNumericLiteral(inner) || ts.isIdentifier(inner) || ts.isPropertyAccessExpression(inner) || ts.isCallExpression(inner);
  return `${simple ? text : `(${text})`} * 1000`;
}

function skipOuter(node: ts.Expression): ts.Expression {
  let current = node;
  while (ts.isParenthesizedExpression(current) || ts.isAsExpression(current) || ts.isSatisfiesExpression(current))
    current = current.expression;
  return current;
}

function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) ? name.text : undefined;
}

/** An option renamed where it is written: `maxAge: n` → `ttl: n`, `maxAge` → `ttl: maxAge`. */
function renameChanges(property: ts.Node, rename: string): Change[] | undefined {
  const sf = property.getSourceFile();
  if (ts.isShorthandPropertyAssignment(property))
    return [{ start: property.getStart(sf), end: property.getEnd(), newText: `${rename}: ${property.name.text}` }];
  if ((ts.isPropertyAssignment(property) || ts.isMethodDeclaration(property)) && isPlainName(property.name))
    return [{ start: property.name.getStart(sf), end: property.name.getEnd(), newText: rename }];
  return undefined;
}

function isPlainName(name: ts.PropertyName): boolean {
  return ts.isIdentifier(name) || ts.isStringLiteral(name);
}

function isObjectLiteralMember(node: ts.Node): boolean {
  return (
    (ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node) || ts.isMethodDeclaration(node)) &&
    ts.isObjectLiteralExpression(node.parent)
  );
}

/** The function an option holds: `dispose: (k, v) => …`, `dispose(k, v) {…}`, `dispose: function (k, v) {…}`. */
function functionOf(node: ts.Node): ts.SignatureDeclaration | undefined {
  if (ts.isMethodDeclaration(node)) return node;
  if (ts.isPropertyAssignment(node)) {
    const value = skipOuter(node.initializer);
    if (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) return value;
  }
  return undefined;
}
