import { ts } from 'ts-morph';
import type { LegacyContext, ModuleTarget } from './legacyContext';
import { describeUsage } from './messages';
import { adaptTemplate } from './factoryShape';
import { findShapes } from './shapes';
import { chooseCase } from '../spec/contexts';
import type {
  AppliedRule,
  DeclarationRef,
  ExpressionShape,
  FileAnalysis,
  ImportBinding,
  ImportSite,
  ImportSiteKind,
  RoutingIssue,
  RoutingIssueKind,
  ShapeFinding,
  Span,
  Usage,
  UsageKind,
} from './types';

// Read once: in the bundle every `ts.X` goes through a getter, and the visitor's switch runs per node.
const { SyntaxKind } = ts;

export interface AnalyzeInput {
  sourceFile: ts.SourceFile;
  /** Workspace-relative path of the file. */
  path: string;
  context: LegacyContext;
  /** Resolves a module specifier written in this file. */
  resolve(specifier: string): ModuleTarget;
  /** Workspace-relative path of the file a symbol is declared in, or undefined outside the workspace. */
  relativePathOf(fileName: string): string | undefined;
  /** Whether top-level `await` is legal in this file. */
  topLevelAwait: boolean;
  /** Whether this file's own package asks for a later major of a legacy package (it is on the new API already). */
  packagePastLegacy?(name: string): boolean;
  /** The most a file may cost (default: analysisBudget()); null: no limit. */
  budget?: AnalysisBudget | null;
}

/** What one file's analysis may cost: its size, and the uses of the legacy API found in it. */
export interface AnalysisBudget {
  maxBytes: number;
  maxUses: number;
}

/**
 * The default budget: 4 MB and 5 000 uses, or STEPWISE_ANALYSIS_MAX_USES (0: no limit). Past
 * it, TypeScript's flow analysis costs grow with the square of a file's statements (a minified
 * bundle: minutes), so one such file would stall the whole workspace.
 */
export function analysisBudget(env: NodeJS.ProcessEnv = process.env): AnalysisBudget | null {
  const written = env.STEPWISE_ANALYSIS_MAX_USES;
  const uses = written === undefined || written.trim() === '' ? 5000 : Number(written);
  if (uses === 0) return null;
  return { maxBytes: 4 * 1024 * 1024, maxUses: Number.isInteger(uses) && uses > 0 ? uses : 5000 };
}

/** Thrown inside the visit when the file's uses pass the budget. */
class OverBudget extends Error {}

/**
 * Finds every use of the legacy API in one file: import-like constructs, constructions, calls,
 * member uses on legacy instances and type references, plus the routing issues that make a
 * file's migration harder than re-pointing its imports.
 */
export function analyzeFile(input: AnalyzeInput): FileAnalysis {
  return new FileAnalyzer(input).run();
}

interface PendingUsage {
  kind: UsageKind;
  symbol: string;
  member: string | null;
  node: ts.Node;
  /** The identifier whose origin decides fixability (`undefined` = decided by `site`). */
  origin?: ts.Node;
  site?: ImportSite;
  rule?: AppliedRule;
  incompatible: boolean;
  receiver?: ts.Node;
  expression?: ExpressionShape;
  name?: ts.Node;
  detail?: string;
}

class FileAnalyzer {
  private readonly sf: ts.SourceFile;
  private readonly ctx: LegacyContext;
  private readonly checker: ts.TypeChecker;
  private readonly sites: ImportSite[] = [];
  private readonly siteFixable = new Map<ImportSite, boolean>();
  private readonly pending: PendingUsage[] = [];
  private readonly shapes: ShapeFinding[] = [];
  private readonly issues: RoutingIssue[] = [];
  private readonly issueKeys = new Set<string>();
  private carriesLegacy = false;

  constructor(private readonly input: AnalyzeInput) {
    this.sf = input.sourceFile;
    this.ctx = input.context;
    this.checker = input.context.checker;
    this.isJs = /\.[cm]?jsx?$/.test(this.sf.fileName);
  }

  run(): FileAnalysis {
    const parseErrors = this.parseErrors();
    const budget = this.input.budget === undefined ? analysisBudget() : this.input.budget;
    this.maxUses = budget?.maxUses ?? Infinity;
    let over: string | undefined;
    if (budget && this.sf.text.length > budget.maxBytes) {
      // Only the module's imports and exports: no semantic walk of the whole file.
      for (const statement of this.sf.statements)
        if (ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement) || ts.isExportDeclaration(statement))
          this.visit(statement);
      over = `${(this.sf.text.length / 1024 / 1024).toFixed(1)} MB, over the ${budget.maxBytes / 1024 / 1024} MB limit`;
    } else {
      try {
        // The parser recovers from errors; usages keep showing while a file is being typed.
        this.visit(this.sf);
      } catch (error) {
        if (!(error instanceof OverBudget)) throw error;
        over = `more than ${this.maxUses} uses of the legacy API`;
      }
    }
    if (over) {
      // What is known for certain: the imports (enough to route the file through the adapter).
      const imports = this.pending.filter((p) => p.kind === 'import' || p.kind === 'require' || p.kind === 'reexport');
      this.pending.splice(0, this.pending.length, ...imports);
      this.issues.splice(0, this.issues.length);
      this.shapes.splice(0, this.shapes.length);
      this.issues.push({
        kind: 'too-large',
        line: 1,
        column: 1,
        span: { start: 0, end: Math.min(this.sf.text.length, this.sf.text.indexOf('\n') < 0 ? 1 : this.sf.text.indexOf('\n')) },
        message: `${this.input.path} is too large to analyse with the rest of the workspace (${over}), so only its imports are shown. Analyse it in full with "stepwise analyze --max-uses 0" (it may take minutes).`,
      });
    }
    const usages = this.pending.map((p) => this.finish(p));
    usages.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
    this.issues.sort((a, b) => a.span.start - b.span.start);
    const declarations: Record<string, DeclarationRef> = {};
    for (const name of new Set(usages.map((u) => u.symbol))) {
      const declaration = name === '*' ? undefined : this.ctx.declarationOf(name);
      if (declaration) declarations[name] = declaration;
    }
    return {
      path: this.input.path,
      usages,
      routingIssues: this.issues,
      importSites: this.sites,
      shapes: this.shapes.sort((a, b) => a.span.start - b.span.start),
      carriesLegacy: this.carriesLegacy,
      declarations,
      parseErrors,
    };
  }

  private parseErrors(): FileAnalysis['parseErrors'] {
    const diagnostics = (this.sf as { parseDiagnostics?: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
    return diagnostics.map((d) => {
      const pos = this.sf.getLineAndCharacterOfPosition(d.start);
      return { line: pos.line + 1, column: pos.character + 1, message: ts.flattenDiagnosticMessageText(d.messageText, ' ') };
    });
  }

  private maxUses = Infinity;

  private visit(node: ts.Node): void {
    if (this.pending.length > this.maxUses) throw new OverBudget();
    switch (node.kind) {
      case SyntaxKind.ImportDeclaration:
        this.importDeclaration(node as ts.ImportDeclaration);
        return;
      case SyntaxKind.ImportEqualsDeclaration:
        this.importEquals(node as ts.ImportEqualsDeclaration);
        return;
      case SyntaxKind.ExportDeclaration:
        this.exportDeclaration(node as ts.ExportDeclaration);
        return;
      case SyntaxKind.ExportAssignment:
        this.exportAssignment(node as ts.ExportAssignment);
        break;
      case SyntaxKind.VariableStatement:
        this.exportedVariables(node as ts.VariableStatement);
        break;
      case SyntaxKind.FunctionDeclaration:
        this.exportedFunction(node as ts.FunctionDeclaration);
        break;
      case SyntaxKind.CallExpression:
        this.callExpression(node as ts.CallExpression);
        break;
      case SyntaxKind.NewExpression:
        this.newExpression(node as ts.NewExpression);
        break;
      case SyntaxKind.PropertyAccessExpression:
        this.propertyAccess(node as ts.PropertyAccessExpression);
        break;
      case SyntaxKind.ElementAccessExpression:
        this.elementAccess(node as ts.ElementAccessExpression);
        break;
      case SyntaxKind.TypeReference:
        this.typeName((node as ts.TypeReferenceNode).typeName, node);
        break;
      case SyntaxKind.ExpressionWithTypeArguments:
        this.heritage(node as ts.ExpressionWithTypeArguments);
        break;
      case SyntaxKind.ClassDeclaration:
        this.implementedShapes(node as ts.ClassDeclaration);
        break;
      case SyntaxKind.TypeQuery:
        this.typeName((node as ts.TypeQueryNode).exprName, node);
        break;
      case SyntaxKind.BinaryExpression:
        this.commonJsExport(node as ts.BinaryExpression);
        this.localsProvider(node as ts.BinaryExpression);
        break;
      case SyntaxKind.ObjectLiteralExpression:
        this.nestProvider(node as ts.ObjectLiteralExpression);
        break;
      case SyntaxKind.VariableDeclaration:
        this.anyTypedDeclaration(node as ts.VariableDeclaration);
        break;
      case SyntaxKind.AsExpression:
        this.anyCast(node as ts.AsExpression);
        break;
      default:
        break;
    }
    // JSDoc types are the types of a JavaScript file: `@type {LRU<string, Session>}`, `@param {LRU} cache`.
    const docs = this.isJs ? (node as { jsDoc?: ts.JSDoc[] }).jsDoc : undefined;
    if (docs) for (const doc of docs) this.visit(doc);
    ts.forEachChild(node, (child) => this.visit(child));
  }

  // ---- import-like constructs -------------------------------------------------------------

  private importDeclaration(node: ts.ImportDeclaration): void {
    if (!ts.isStringLiteral(node.moduleSpecifier)) return;
    const target = this.input.resolve(node.moduleSpecifier.text);
    const direct = this.isLegacyTarget(target);
    const clause = node.importClause;
    const typeOnlyDecl = clause?.isTypeOnly ?? false;
    const bindings: ImportBinding[] = [];
    let list: Span | undefined;
    if (!clause) {
      if (direct) bindings.push({ name: '*', imported: '*', isTypeOnly: false, legacy: true });
    } else {
      if (clause.name) {
        const name = this.ctx.exportNameAt(clause.name);
        const legacy = direct ? this.ctx.isTracked(name ?? 'default') : name !== undefined && this.ctx.isTracked(name);
        bindings.push({
          name: name ?? 'default',
          imported: 'default',
          local: clause.name.text,
          isTypeOnly: typeOnlyDecl,
          legacy,
          span: this.span(clause.name),
        });
      }
      const named = clause.namedBindings;
      if (named && ts.isNamespaceImport(named)) {
        const legacy = direct || this.moduleCarriesLegacy(node.moduleSpecifier);
        bindings.push({ name: '*', imported: '*', local: named.name.text, isTypeOnly: typeOnlyDecl, legacy, span: this.span(named) });
      } else if (named) {
        list = this.span(named);
        for (const element of named.elements) {
          const exported = (element.propertyName ?? element.name).text;
          const resolved = this.ctx.exportNameAt(element.name);
          const legacy = direct ? this.ctx.isTracked(resolved ?? exported) : resolved !== undefined && this.ctx.isTracked(resolved);
          bindings.push({
            name: direct ? exported : (resolved ?? exported),
            imported: exported,
            local: element.name.text,
            isTypeOnly: typeOnlyDecl || element.isTypeOnly,
            legacy,
            span: this.span(element),
          });
        }
      }
    }
    const site = this.addSite('import', node, node.moduleSpecifier, target, direct, typeOnlyDecl, bindings, list);
    if (!site) return;
    for (const binding of site.bindings) {
      if (!binding.legacy) continue;
      if (!direct && binding.name !== '*' && !this.ctx.isTracked(binding.name)) continue;
      const anchor = this.bindingNode(node, binding) ?? node.moduleSpecifier;
      this.pending.push({
        kind: binding.isTypeOnly ? 'type' : 'import',
        symbol: binding.name,
        member: null,
        node: anchor,
        site,
        incompatible: true,
        detail: direct ? undefined : `through ${describeTarget(target)}`,
      });
    }
  }

  private importEquals(node: ts.ImportEqualsDeclaration): void {
    const ref = node.moduleReference;
    if (!ts.isExternalModuleReference(ref) || !ts.isStringLiteral(ref.expression)) return;
    const target = this.input.resolve(ref.expression.text);
    const direct = this.isLegacyTarget(target);
    const legacy = direct || this.moduleCarriesLegacy(ref.expression);
    const bindings = [{ name: '*', imported: '*', local: node.name.text, isTypeOnly: node.isTypeOnly, legacy }];
    const site = this.addSite('import-equals', node, ref.expression, target, direct, node.isTypeOnly, bindings);
    if (!site) return;
    this.pending.push({ kind: 'require', symbol: '*', member: null, node: node.name, site, incompatible: true });
    this.issue(
      'commonjs-interop',
      node,
      `Loads ${describeTarget(target)} with \`import = require()\`; the adapter must keep a CommonJS-compatible shape.`,
    );
  }

  private exportDeclaration(node: ts.ExportDeclaration): void {
    const spec = node.moduleSpecifier;
    if (spec && ts.isStringLiteral(spec)) {
      const target = this.input.resolve(spec.text);
      const direct = this.isLegacyTarget(target);
      const bindings: ImportBinding[] = [];
      let list: Span | undefined;
      const clause = node.exportClause;
      if (!clause || ts.isNamespaceExport(clause)) {
        const legacy = direct || this.moduleCarriesLegacy(spec);
        bindings.push({ name: '*', imported: '*', local: clause ? clause.name.text : undefined, isTypeOnly: node.isTypeOnly, legacy });
      } else {
        list = this.span(clause);
        for (const element of clause.elements) {
          const exported = (element.propertyName ?? element.name).text;
          const resolved = this.ctx.exportNameAt(element.propertyName ?? element.name) ?? this.ctx.exportNameAt(element.name);
          const legacy = direct ? this.ctx.isTracked(resolved ?? exported) : resolved !== undefined && this.ctx.isTracked(resolved);
          bindings.push({
            name: direct ? exported : (resolved ?? exported),
            imported: exported,
            local: element.name.text,
            isTypeOnly: node.isTypeOnly || element.isTypeOnly,
            legacy,
            span: this.span(element),
          });
        }
      }
      const site = this.addSite('reexport', node, spec, target, direct, node.isTypeOnly, bindings, list);
      if (!site) return;
      this.carriesLegacy = true;
      const names: string[] = [];
      for (const binding of site.bindings) {
        if (!binding.legacy) continue;
        names.push(binding.name);
        this.pending.push({
          kind: 'reexport',
          symbol: binding.name,
          member: null,
          node: this.bindingNode(node, binding) ?? spec,
          site,
          incompatible: true,
          detail: direct ? undefined : `through ${describeTarget(target)}`,
        });
      }
      this.issue(
        'reexport',
        node,
        `Re-exports ${describeReexported(names, site.bindings)}; every file importing it through here changes when this file is migrated.`,
      );
      return;
    }
    // `export { cache, AsyncTTLCache }`: local bindings handed on.
    const clause = node.exportClause;
    if (!clause || !ts.isNamedExports(clause)) return;
    for (const element of clause.elements) {
      const local = element.propertyName ?? element.name;
      const exportName = this.ctx.exportNameAt(local);
      if (exportName !== undefined && this.ctx.isTracked(exportName)) {
        this.carriesLegacy = true;
        this.pending.push({ kind: 'reexport', symbol: exportName, member: null, node: element, origin: local, incompatible: true });
        this.issue('reexport', element, `Re-exports ${exportName} to the files that import this one.`);
        continue;
      }
      const owner = this.legacyInstanceAt(local);
      if (owner)
        this.escaping(
          element,
          `Exports \`${element.name.text}\`, a legacy ${owner} instance; files importing it use the legacy cache until this file is migrated.`,
        );
    }
  }

  private exportAssignment(node: ts.ExportAssignment): void {
    const exportName = this.exportNameOfExpression(node.expression);
    if (exportName !== undefined && this.ctx.isTracked(exportName)) {
      this.carriesLegacy = true;
      this.pending.push({
        kind: 'reexport',
        symbol: exportName,
        member: null,
        node: node.expression,
        origin: rootIdentifier(node.expression),
        incompatible: true,
      });
      this.issue('reexport', node, `Re-exports ${exportName} as this module's ${node.isExportEquals ? '`export =`' : 'default export'}.`);
      return;
    }
    const owner = this.legacyInstanceAt(node.expression);
    if (owner) this.escaping(node, `Exports a legacy ${owner} instance as the ${node.isExportEquals ? '`export =`' : 'default export'}.`);
  }

  private exportedVariables(node: ts.VariableStatement): void {
    if (!hasExportModifier(node)) return;
    for (const declaration of node.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name)) continue;
      const owner = this.legacyInstanceAt(declaration.name);
      if (owner)
        this.escaping(
          declaration.name,
          `Exports \`${declaration.name.text}\`, a legacy ${owner} instance; files importing it use the legacy cache until this file is migrated.`,
        );
    }
  }

  private exportedFunction(node: ts.FunctionDeclaration): void {
    if (!hasExportModifier(node) || !node.name) return;
    const signature = this.checker.getSignatureFromDeclaration(node);
    if (!signature) return;
    const returned = this.checker.getReturnTypeOfSignature(signature);
    const owner = this.ctx.instanceOwner(awaitedType(this.checker, returned));
    if (owner) this.escaping(node.name, `Exported function \`${node.name.text}()\` returns a legacy ${owner} instance to its callers.`);
    else {
      const held = this.legacyReturnedBy(
        this.checker.getTypeOfSymbolAtLocation(this.checker.getSymbolAtLocation(node.name) as ts.Symbol, node),
      );
      if (held) this.escaping(node.name, `Exported function \`${node.name.text}()\` returns ${held} to its callers.`);
    }
  }

  /**
   * What legacy instances a function type's result holds: the result itself, or its properties
   * one level down (`{ cache, staleCache }`), in words; undefined when none.
   */
  private legacyReturnedBy(type: ts.Type): string | undefined {
    const signature = type.getCallSignatures()[0];
    if (!signature) return undefined;
    const returned = awaitedType(this.checker, this.checker.getReturnTypeOfSignature(signature));
    const owner = this.ctx.instanceOwner(returned);
    if (owner) return `a legacy ${owner} instance`;
    if (!(returned.flags & ts.TypeFlags.Object)) return undefined;
    const held: string[] = [];
    for (const property of returned.getProperties().slice(0, 50)) {
      const declaration = property.valueDeclaration ?? property.declarations?.[0];
      if (!declaration) continue;
      const propertyOwner = this.ctx.instanceOwner(this.checker.getTypeOfSymbolAtLocation(property, declaration));
      if (propertyOwner) held.push(`\`${property.name}\` (a legacy ${propertyOwner})`);
    }
    return held.length > 0 ? `an object holding ${held.join(', ')}` : undefined;
  }

  private commonJsExport(node: ts.BinaryExpression): void {
    if (node.operatorToken.kind !== SyntaxKind.EqualsToken) return;
    const left = node.left;
    const isModuleExports =
      (ts.isPropertyAccessExpression(left) && isIdentifierNamed(left.expression, 'module') && left.name.text === 'exports') ||
      (ts.isPropertyAccessExpression(left) && isIdentifierNamed(left.expression, 'exports')) ||
      (ts.isPropertyAccessExpression(left) &&
        ts.isPropertyAccessExpression(left.expression) &&
        isIdentifierNamed(left.expression.expression, 'module') &&
        left.expression.name.text === 'exports');
    if (!isModuleExports) return;
    const values = ts.isObjectLiteralExpression(node.right)
      ? node.right.properties.map((p) =>
          ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : undefined,
        )
      : [node.right];
    for (const value of values) {
      if (!value) continue;
      const exportName = this.exportNameOfExpression(value);
      const owner = exportName === undefined ? this.legacyInstanceAt(value) : undefined;
      if (exportName === undefined && !owner) {
        // A factory handed on (`module.exports = buildCache`) whose result holds legacy instances.
        const held = this.legacyReturnedBy(this.checker.getTypeAtLocation(value));
        if (held)
          this.escaping(
            value,
            `Exports \`${value.getText(this.sf)}\`, which returns ${held}; files calling it use the legacy cache until this file is migrated.`,
          );
        continue;
      }
      this.carriesLegacy = true;
      this.issue(
        'commonjs-interop',
        value,
        `Hands ${exportName ?? `a legacy ${owner ?? ''} instance`} on through \`module.exports\`; importers see it through CommonJS interop.`,
      );
      if (owner) this.escaping(value, `Exports a legacy ${owner} instance through \`module.exports\`.`);
    }
  }

  // ---- expressions -------------------------------------------------------------------------

  private callExpression(node: ts.CallExpression): void {
    const callee = node.expression;
    if (callee.kind === SyntaxKind.ImportKeyword) {
      this.dynamicImport(node);
      return;
    }
    if (isIdentifierNamed(callee, 'require') && node.arguments.length === 1) {
      const arg = node.arguments[0];
      if (ts.isStringLiteralLike(arg)) this.requireCall(node, arg);
      return;
    }
    const exportName = this.exportNameOfExpression(callee);
    if (exportName !== undefined && this.ctx.isTracked(exportName)) {
      this.pending.push({
        kind: 'call',
        symbol: exportName,
        member: null,
        node: callee,
        origin: rootIdentifier(callee),
        incompatible: true,
        rule: this.constructorRule(exportName, node.arguments),
        expression: this.expressionShape(node, node.arguments),
      });
      this.checkShapes(node, exportName, null);
      return;
    }
    this.frameworkShapes(node);
    this.cacheModuleProvider(node);
    this.escapingArguments(node);
  }

  // ---- dependency-injection providers ------------------------------------------------------

  /** `{ provide: 'CACHE', useFactory: () => getCacheInstance() }` (or `useValue`): a NestJS provider of a legacy instance. */
  private nestProvider(node: ts.ObjectLiteralExpression): void {
    let provide: ts.Expression | undefined;
    let made: ts.Expression | undefined;
    let how = '';
    for (const property of node.properties) {
      if (!ts.isPropertyAssignment(property) || !ts.isIdentifier(property.name)) continue;
      const name = property.name.text;
      if (name === 'provide') provide = property.initializer;
      else if (name === 'useFactory' || name === 'useValue') {
        made = property.initializer;
        how = name;
      }
    }
    if (!provide || !made) return;
    const values =
      how === 'useValue'
        ? [made]
        : ts.isArrowFunction(made) || ts.isFunctionExpression(made)
          ? ts.isBlock(made.body)
            ? returnedExpressions(made.body)
            : [made.body]
          : [];
    const owner = values.map((v) => this.legacyValueOwner(v)).find((o) => o !== undefined);
    if (!owner) return;
    const token = ts.isStringLiteralLike(provide) ? provide.text : ts.isIdentifier(provide) ? provide.text : provide.getText(this.sf);
    this.provider(
      node,
      { kind: 'inject', name: token },
      `Provides a legacy ${owner} to NestJS injection as \`${token}\` (${how}): every class that injects it gets the legacy cache, so migrating this file migrates them all.`,
    );
  }

  /** `CacheModule.register(…)` when cache-manager is the legacy package: every `@Inject(CACHE_MANAGER)` gets its cache. */
  private cacheModuleProvider(call: ts.CallExpression): void {
    const callee = call.expression;
    if (
      !ts.isPropertyAccessExpression(callee) ||
      !/^register(Async)?$/.test(callee.name.text) ||
      !this.ctx.modules.packages.has('cache-manager')
    )
      return;
    if (!ts.isIdentifier(callee.expression) || callee.expression.text !== 'CacheModule') return;
    const imported = importedFrom(this.checker.getSymbolAtLocation(callee.expression));
    if (!imported || !/^@nestjs\/(common|cache-manager)$/.test(imported.module)) return;
    this.provider(
      call,
      { kind: 'inject', name: 'CACHE_MANAGER' },
      `CacheModule.${callee.name.text}() provides a legacy cache-manager cache as CACHE_MANAGER: every class that injects it gets the legacy cache, so migrating this file migrates them all.`,
    );
  }

  /** `app.locals.cache = getCacheInstance()`: Express hands a legacy instance to every handler that reads it. */
  private localsProvider(node: ts.BinaryExpression): void {
    if (node.operatorToken.kind !== SyntaxKind.EqualsToken) return;
    const left = node.left;
    if (!ts.isPropertyAccessExpression(left) || !ts.isPropertyAccessExpression(left.expression) || left.expression.name.text !== 'locals')
      return;
    const owner = this.legacyValueOwner(node.right);
    if (!owner) return;
    const name = left.name.text;
    this.provider(
      node,
      { kind: 'locals', name },
      `Hands a legacy ${owner} to every request handler through \`${left.getText(this.sf)}\`: the files that read \`locals.${name}\` use it, so migrating this file migrates them all.`,
    );
  }

  private provider(node: ts.Node, token: { kind: 'inject' | 'locals'; name: string }, message: string): void {
    this.carriesLegacy = true;
    this.issue('provider', node, message);
    const last = this.issues[this.issues.length - 1];
    if (last?.kind === 'provider' && last.span.start === node.getStart(this.sf)) last.token = token;
  }

  private newExpression(node: ts.NewExpression): void {
    const exportName = this.exportNameOfExpression(node.expression);
    if (exportName === undefined || !this.ctx.isTracked(exportName)) return;
    this.pending.push({
      kind: 'new',
      symbol: exportName,
      member: null,
      node: node.expression,
      origin: rootIdentifier(node.expression),
      incompatible: true,
      rule: this.constructorRule(exportName, node.arguments ?? []),
      expression: this.expressionShape(node, node.arguments ?? []),
    });
    this.checkShapes(node, exportName, null);
  }

  /**
   * The spec's constructors rule as it applies in this file: the first `when` case matching its
   * path (else the rule's own template), written in the form the target factory really has
   * (static, on an instance, awaited), with options the factory method does not take named.
   */
  private constructorRule(exportName: string, args: readonly ts.Expression[]): AppliedRule | undefined {
    const rule = this.ctx.spec.constructors[exportName];
    if (!rule) return undefined;
    const chosen = chooseCase(this.input.path, rule.when, this.ctx.spec.contexts);
    const written = chosen?.case.template ?? rule.template;
    const adapted = adaptTemplate(written, this.ctx.targetFactories());
    const applied: AppliedRule = {
      kind: 'constructor',
      template: adapted.template,
      note: chosen?.case.note ?? rule.note,
      ...(rule.shared ? { shared: true } : {}),
      ...(chosen ? { because: chosen.because } : {}),
    };
    const method = adapted.method;
    const options = args[0];
    if (method?.options && options && ts.isObjectLiteralExpression(options) && passesFirstArgument(written, method.name)) {
      const names = options.properties.flatMap((p) => {
        if (ts.isSpreadAssignment(p) || !p.name) return [];
        const name = ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name) ? p.name.text : undefined;
        return name === undefined || method.options?.has(name) ? [] : [name];
      });
      if (names.length > 0)
        applied.manual = `${method.owner}'s ${method.name}() takes no option ${names.map((n) => `\`${n}\``).join(', ')}; carry ${names.length === 1 ? 'it' : 'them'} over by hand or leave ${names.length === 1 ? 'it' : 'them'} out`;
    }
    return applied;
  }

  /** A member rule as it applies in this file: a `when` case matching its path replaces it. */
  private memberRule(owner: string, member: string): AppliedRule | undefined {
    const rule = this.ctx.spec.members[owner]?.[member];
    const chosen = rule && chooseCase(this.input.path, rule.when, this.ctx.spec.contexts);
    if (!chosen) return rule;
    return { kind: 'replace', template: chosen.case.template, note: chosen.case.note ?? rule.note, because: chosen.because };
  }

  private propertyAccess(node: ts.PropertyAccessExpression): void {
    const member = node.name.text;
    if (!this.isCandidateMember(member)) return;
    const owner = this.legacyInstanceAt(node.expression);
    if (!owner) return;
    this.memberUsage(node, owner, member, node.name);
  }

  private elementAccess(node: ts.ElementAccessExpression): void {
    const arg = node.argumentExpression;
    if (ts.isStringLiteralLike(arg)) {
      if (!this.isCandidateMember(arg.text)) return;
      const owner = this.legacyInstanceAt(node.expression);
      if (owner) this.memberUsage(node, owner, arg.text, undefined);
      return;
    }
    if (ts.isNumericLiteral(arg)) return;
    const owner = this.legacyInstanceAt(node.expression);
    if (!owner) return;
    this.pending.push({
      kind: 'member',
      symbol: owner,
      member: null,
      node,
      origin: rootIdentifier(node.expression),
      incompatible: false,
      receiver: node.expression,
      detail: 'computed',
    });
    this.issue(
      'computed-member',
      node,
      `Computed member access \`${node.getText(this.sf)}\` on a legacy ${owner}: Stepwise cannot tell which member is used, so renames and replacements may miss it.`,
    );
  }

  private memberUsage(
    node: ts.PropertyAccessExpression | ts.ElementAccessExpression,
    owner: string,
    member: string,
    name: ts.Node | undefined,
  ): void {
    const rule = this.memberRule(owner, member);
    const parent = node.parent;
    const isCall = ts.isCallExpression(parent) && parent.expression === node;
    const expression = isCall ? this.expressionShape(parent, parent.arguments) : this.expressionShape(node, null);
    this.pending.push({
      kind: 'member',
      symbol: owner,
      member,
      node: name ?? node,
      origin: rootIdentifier(node.expression),
      incompatible: rule !== undefined,
      rule,
      receiver: node.expression,
      expression,
      name,
    });
    if (isCall) this.checkShapes(parent, owner, member);
  }

  /** The preset's shape rules for this call: arguments whose meaning changed in the new API. */
  private checkShapes(call: ts.CallExpression | ts.NewExpression, symbol: string, member: string | null, framework = false): void {
    const rules = this.ctx.spec.shapes;
    if (rules.length === 0) return;
    this.shapes.push(
      ...findShapes({
        call,
        symbol,
        member,
        rules,
        checker: this.checker,
        sf: this.sf,
        relativePathOf: (fileName) => this.input.relativePathOf(fileName),
        via: framework ? 'framework' : 'legacy',
      }),
    );
  }

  /**
   * A class implementing a framework's interface whose method returns options for the legacy
   * package (NestJS's `CacheOptionsFactory.createCacheOptions`): the objects it returns.
   */
  private implementedShapes(node: ts.ClassDeclaration | ts.ClassExpression): void {
    const modules = this.frameworkModules();
    if (modules.size === 0) return;
    for (const clause of node.heritageClauses ?? []) {
      if (clause.token !== SyntaxKind.ImplementsKeyword) continue;
      for (const type of clause.types) {
        if (!ts.isIdentifier(type.expression)) continue;
        const imported = importedFrom(this.checker.getSymbolAtLocation(type.expression));
        if (!imported || !modules.has(imported.module)) continue;
        for (const member of node.members) {
          if (!ts.isMethodDeclaration(member) || !member.body || !member.name || !ts.isIdentifier(member.name)) continue;
          for (const returned of returnedExpressions(member.body))
            this.shapes.push(
              ...findShapes({
                args: [returned],
                symbol: imported.name,
                member: member.name.text,
                rules: this.ctx.spec.shapes,
                checker: this.checker,
                sf: this.sf,
                relativePathOf: (fileName) => this.input.relativePathOf(fileName),
                via: 'implements',
              }),
            );
        }
      }
    }
  }

  /**
   * `CacheModule.register({ ttl })` and the like: a framework's call that hands options to the
   * legacy package, matched by the name the framework module exports and the module's specifier.
   */
  private frameworkShapes(call: ts.CallExpression): void {
    const modules = this.frameworkModules();
    if (modules.size === 0) return;
    const callee = call.expression;
    if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.expression)) return;
    const imported = importedFrom(this.checker.getSymbolAtLocation(callee.expression));
    if (!imported || !modules.has(imported.module)) return;
    this.checkShapes(call, imported.name, callee.name.text, true);
  }

  private frameworkModuleSet: Set<string> | undefined;

  private frameworkModules(): Set<string> {
    this.frameworkModuleSet ??= new Set(this.ctx.spec.shapes.flatMap((r) => r.on.modules ?? []));
    return this.frameworkModuleSet;
  }

  private typeName(name: ts.EntityName | ts.Expression, node: ts.Node): void {
    const last = ts.isQualifiedName(name) ? name.right : ts.isPropertyAccessExpression(name) ? name.name : name;
    const exportName = this.ctx.exportNameAt(last);
    if (exportName === undefined || !this.ctx.isTracked(exportName)) return;
    this.pending.push({
      kind: 'type',
      symbol: exportName,
      member: null,
      node: name,
      origin: rootIdentifier(name),
      incompatible: true,
      detail: ts.isTypeQueryNode(node) ? 'typeof' : undefined,
    });
  }

  private heritage(node: ts.ExpressionWithTypeArguments): void {
    const exportName = this.exportNameOfExpression(node.expression);
    if (exportName === undefined || !this.ctx.isTracked(exportName)) return;
    const clause = node.parent;
    const extending = ts.isHeritageClause(clause) && clause.token === SyntaxKind.ExtendsKeyword;
    this.pending.push({
      kind: 'type',
      symbol: exportName,
      member: null,
      node: node.expression,
      origin: rootIdentifier(node.expression),
      incompatible: true,
      detail: extending ? 'extends' : 'implements',
    });
  }

  private dynamicImport(node: ts.CallExpression): void {
    const arg = node.arguments[0];
    if (!arg || !ts.isStringLiteralLike(arg)) {
      this.issue(
        'dynamic-import',
        node,
        'Dynamic `import()` with a computed specifier: Stepwise cannot tell whether it loads the legacy module.',
      );
      return;
    }
    const target = this.input.resolve(arg.text);
    const direct = this.isLegacyTarget(target);
    const pattern = destructuredAwait(node);
    const bindings = pattern
      ? this.patternBindings(pattern, direct)
      : [{ name: '*', imported: '*', isTypeOnly: false, legacy: direct || this.moduleCarriesLegacy(arg) }];
    const site = this.addSite('dynamic-import', node, arg, target, direct, false, bindings, pattern ? this.span(pattern) : undefined);
    if (!site) return;
    this.pending.push({
      kind: 'dynamic-import',
      symbol: legacyNames(site),
      member: null,
      node,
      site,
      incompatible: true,
      detail: direct ? undefined : `through ${describeTarget(target)}`,
    });
    this.issue(
      'dynamic-import',
      node,
      `Loads ${describeTarget(target)} lazily with \`import()\`; a broken adapter only shows when this path runs, so make sure a test reaches it.`,
    );
  }

  private requireCall(node: ts.CallExpression, arg: ts.StringLiteralLike): void {
    const target = this.input.resolve(arg.text);
    const direct = this.isLegacyTarget(target);
    const parent = node.parent;
    let bindings: ImportBinding[];
    let list: Span | undefined;
    if (ts.isVariableDeclaration(parent) && ts.isObjectBindingPattern(parent.name)) {
      bindings = this.patternBindings(parent.name, direct);
      list = this.span(parent.name);
    } else if (ts.isPropertyAccessExpression(parent) && parent.expression === node) {
      const name = parent.name.text;
      const legacy = direct ? this.ctx.isTracked(name) : this.isLegacyExportName(this.ctx.exportNameAt(parent.name));
      bindings = [{ name, imported: name, isTypeOnly: false, legacy }];
    } else {
      const local = ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name) ? parent.name.text : undefined;
      bindings = [{ name: '*', imported: '*', local, isTypeOnly: false, legacy: direct || this.moduleCarriesLegacy(arg) }];
    }
    const statement = ts.isVariableDeclaration(parent) ? parent.parent.parent : node;
    const site = this.addSite('require', statement, arg, target, direct, false, bindings, list);
    if (!site) return;
    for (const binding of site.bindings) {
      if (!binding.legacy) continue;
      this.pending.push({
        kind: 'require',
        symbol: binding.name,
        member: null,
        node: this.patternElement(parent, binding) ?? node,
        site,
        incompatible: true,
        detail: direct ? undefined : `through ${describeTarget(target)}`,
      });
    }
    if (!this.sf.fileName.match(/\.c?js$/)) {
      this.issue(
        'commonjs-interop',
        node,
        `Loads ${describeTarget(target)} with \`require()\` in an ES module file; the adapter must keep a CommonJS-compatible shape.`,
      );
    } else {
      this.issue(
        'commonjs-interop',
        node,
        `Loads ${describeTarget(target)} with CommonJS \`require()\`; the adapter must keep the same export shape for CommonJS callers.`,
      );
    }
  }

  private patternBindings(pattern: ts.ObjectBindingPattern, direct: boolean): ImportBinding[] {
    return pattern.elements.map((element) => {
      const property = element.propertyName && ts.isIdentifier(element.propertyName) ? element.propertyName.text : undefined;
      const local = ts.isIdentifier(element.name) ? element.name.text : undefined;
      const exported = property ?? local ?? '?';
      const resolved = ts.isIdentifier(element.name) ? this.exportNameOfExpression(element.name) : undefined;
      const legacy = direct ? this.ctx.isTracked(exported) : this.isLegacyExportName(resolved);
      return {
        name: direct ? exported : (resolved ?? exported),
        imported: exported,
        local,
        isTypeOnly: false,
        legacy,
        span: this.span(element),
      };
    });
  }

  // ---- routing issues ---------------------------------------------------------------------

  private escapingArguments(node: ts.CallExpression): void {
    if (node.arguments.length === 0) return;
    const candidates = node.arguments.filter((a) => ts.isIdentifier(a) || ts.isPropertyAccessExpression(a));
    if (candidates.length === 0) return;
    const calleeSymbol = this.checker.getSymbolAtLocation(
      ts.isPropertyAccessExpression(node.expression) ? node.expression.name : node.expression,
    );
    const declaration = calleeSymbol ? this.ctx.resolveAlias(calleeSymbol).declarations?.[0] : undefined;
    if (!declaration) return;
    const declaredIn = declaration.getSourceFile().fileName;
    if (declaredIn === this.sf.fileName || this.ctx.isLegacyFile(declaredIn)) return;
    const where = this.input.relativePathOf(declaredIn);
    if (where === undefined) return;
    for (const arg of candidates) {
      const owner = this.legacyInstanceAt(arg);
      if (!owner) continue;
      this.escaping(
        arg,
        `Passes a legacy ${owner} instance to \`${calleeText(node.expression, this.sf)}\` in ${where}; that code keeps using it whatever this file imports.`,
      );
    }
  }

  private anyTypedDeclaration(node: ts.VariableDeclaration): void {
    if (!node.type || node.type.kind !== SyntaxKind.AnyKeyword || !node.initializer) return;
    const owner = this.legacyValueOwner(node.initializer);
    if (!owner) return;
    this.issue(
      'any-receiver',
      node,
      `\`${node.name.getText(this.sf)}\` holds a legacy ${owner} typed as \`any\`: member uses through it cannot be checked or rewritten.`,
    );
  }

  private anyCast(node: ts.AsExpression): void {
    if (node.type.kind !== SyntaxKind.AnyKeyword) return;
    const owner = this.legacyValueOwner(node.expression);
    if (!owner) return;
    this.issue('any-receiver', node, `A legacy ${owner} is cast to \`any\`: member uses through it cannot be checked or rewritten.`);
  }

  private escaping(node: ts.Node, message: string): void {
    this.carriesLegacy = true;
    this.issue('escaping-instance', node, message);
  }

  private issue(kind: RoutingIssueKind, node: ts.Node, message: string): void {
    const start = node.getStart(this.sf);
    const key = `${kind}:${start}`;
    if (this.issueKeys.has(key)) return;
    this.issueKeys.add(key);
    const pos = this.sf.getLineAndCharacterOfPosition(start);
    this.issues.push({ kind, line: pos.line + 1, column: pos.character + 1, span: { start, end: node.getEnd() }, message });
  }

  // ---- helpers ----------------------------------------------------------------------------

  private addSite(
    kind: ImportSiteKind,
    statement: ts.Node,
    specifier: ts.StringLiteralLike,
    target: ModuleTarget,
    direct: boolean,
    isTypeOnly: boolean,
    bindings: ImportBinding[],
    list?: Span,
  ): ImportSite | undefined {
    if (!bindings.some((b) => b.legacy) && !direct) return undefined;
    const text = specifier.getText(this.sf);
    const quote = text[0] === '"' || text[0] === '`' ? text[0] : "'";
    const statementText = statement.getText(this.sf);
    const site: ImportSite = {
      kind,
      span: this.span(statement),
      specifier: this.span(specifier),
      specifierText: specifier.text,
      direct,
      resolved: target.kind === 'file' ? target.path : target.kind === 'package' ? target.name : target.specifier,
      isTypeOnly,
      bindings,
      list,
      quote,
      semicolon: statementText.trimEnd().endsWith(';'),
    };
    this.sites.push(site);
    this.siteFixable.set(site, siteIsFixable(site));
    return site;
  }

  private bindingNode(statement: ts.Node, binding: ImportBinding): ts.Node | undefined {
    if (!binding.span) return undefined;
    let found: ts.Node | undefined;
    const walk = (n: ts.Node): void => {
      if (found) return;
      if (n.getStart(this.sf) === binding.span?.start && n.getEnd() === binding.span.end) found = n;
      else ts.forEachChild(n, walk);
    };
    walk(statement);
    return found;
  }

  private patternElement(parent: ts.Node, binding: ImportBinding): ts.Node | undefined {
    if (!ts.isVariableDeclaration(parent)) return undefined;
    if (!ts.isObjectBindingPattern(parent.name)) return parent.name;
    return parent.name.elements.find((e) => e.getStart(this.sf) === binding.span?.start);
  }

  private moduleCarriesLegacy(specifier: ts.Expression): boolean {
    const moduleSymbol = this.checker.getSymbolAtLocation(specifier);
    if (!moduleSymbol) return false;
    return this.checker.getExportsOfModule(moduleSymbol).some((s) => this.isLegacyExportName(this.ctx.exportNameOf(s)));
  }

  private isLegacyExportName(name: string | undefined): boolean {
    return name !== undefined && this.ctx.isTracked(name);
  }

  /** The legacy export an expression names: by symbol (aliases, namespaces) or by its type. */
  private exportNameOfExpression(expression: ts.Expression): string | undefined {
    const nameNode = ts.isPropertyAccessExpression(expression) ? expression.name : expression;
    const bySymbol = this.ctx.exportNameAt(nameNode);
    if (bySymbol !== undefined) return bySymbol;
    if (!ts.isIdentifier(expression) && !ts.isPropertyAccessExpression(expression)) return undefined;
    // Values holding the class or function (destructured require, `const C = AsyncTTLCache`).
    const type = this.checker.getTypeAtLocation(expression);
    const symbol = type.getSymbol();
    if (!symbol || !(symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Function))) return undefined;
    if (type.getConstructSignatures().length === 0 && type.getCallSignatures().length === 0) return undefined;
    return this.ctx.exportNameOf(symbol);
  }

  private legacyInstanceAt(node: ts.Node): string | undefined {
    const owner = this.ctx.instanceOwner(this.checker.getTypeAtLocation(node));
    if (owner !== undefined || !this.isJs) return owner;
    return this.ownerFromCallers(node);
  }

  /** Whether the file is JavaScript, where values carry no declared types. */
  private readonly isJs: boolean;
  /** Owner inferred for untyped parameters, by parameter declaration. */
  private readonly parameterOwners = new Map<ts.ParameterDeclaration, string | undefined>();
  /** Calls in this file by the called function's name, built on first need. */
  private callsByName: Map<string, ts.CallExpression[]> | undefined;

  /**
   * An untyped JavaScript parameter holds a legacy instance when every call of its function in
   * this file that passes something there passes one (`function evict(c, key) { c.del(key) }`
   * called as `evict(cache, 'a')`): local flow, one level deep, where TypeScript infers `any`.
   */
  private ownerFromCallers(node: ts.Node): string | undefined {
    if (!ts.isIdentifier(node)) return undefined;
    const declaration = this.checker.getSymbolAtLocation(node)?.valueDeclaration;
    if (!declaration || !ts.isParameter(declaration) || declaration.getSourceFile() !== this.sf) return undefined;
    if (this.parameterOwners.has(declaration)) return this.parameterOwners.get(declaration);
    this.parameterOwners.set(declaration, undefined); // recursion guard
    const fn = declaration.parent;
    const index = fn.parameters.indexOf(declaration);
    const name =
      (ts.isFunctionDeclaration(fn) || ts.isFunctionExpression(fn)) && fn.name
        ? fn.name.text
        : (ts.isFunctionExpression(fn) || ts.isArrowFunction(fn)) && ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name)
          ? fn.parent.name.text
          : undefined;
    let owner: string | undefined;
    if (name !== undefined && !declaration.dotDotDotToken) {
      const owners = new Set<string | undefined>();
      for (const call of this.callsOf(name)) {
        const arg = call.arguments[index];
        if (!arg) continue;
        const callee = this.checker.getSymbolAtLocation(call.expression)?.valueDeclaration;
        if (callee !== fn && callee !== fn.parent) continue;
        owners.add(this.ctx.instanceOwner(this.checker.getTypeAtLocation(arg)) ?? this.ownerFromCallers(arg));
      }
      owner = owners.size === 1 ? [...owners][0] : undefined;
    }
    this.parameterOwners.set(declaration, owner);
    return owner;
  }

  private callsOf(name: string): ts.CallExpression[] {
    if (!this.callsByName) {
      const calls = new Map<string, ts.CallExpression[]>();
      const walk = (n: ts.Node): void => {
        if (ts.isCallExpression(n) && ts.isIdentifier(n.expression)) {
          const list = calls.get(n.expression.text);
          if (list) list.push(n);
          else calls.set(n.expression.text, [n]);
        }
        ts.forEachChild(n, walk);
      };
      walk(this.sf);
      this.callsByName = calls;
    }
    return this.callsByName.get(name) ?? [];
  }

  /** Owner of a legacy value, looking through `await` and calls of legacy factories. */
  private legacyValueOwner(node: ts.Expression): string | undefined {
    const inner = ts.isAwaitExpression(node) ? node.expression : node;
    return this.legacyInstanceAt(inner) ?? this.ctx.instanceOwner(awaitedType(this.checker, this.checker.getTypeAtLocation(inner)));
  }

  /** A legacy module, unless it is a package this file's own package already takes at the new major. */
  private isLegacyTarget(target: ModuleTarget): boolean {
    if (!this.ctx.isLegacyModule(target)) return false;
    return target.kind !== 'package' || !this.input.packagePastLegacy?.(target.name);
  }

  private isCandidateMember(name: string): boolean {
    return this.ctx.memberNames().has(name);
  }

  private expressionShape(node: ts.Node, args: readonly ts.Expression[] | null): ExpressionShape {
    const parent = node.parent;
    const usedAsObject =
      (ts.isPropertyAccessExpression(parent) && parent.expression === node) ||
      (ts.isElementAccessExpression(parent) && parent.expression === node) ||
      (ts.isCallExpression(parent) && parent.expression === node);
    const blocked = this.awaitBlocked(node);
    return {
      span: this.span(node),
      args: args ? args.map((a) => this.span(a)) : null,
      awaitAllowed: blocked === undefined,
      ...(blocked !== undefined ? { awaitBlocked: blocked } : {}),
      usedAsObject,
    };
  }

  /** Why `await` cannot be added at a node, or undefined where it can (an async function, an ES module's top level). */
  private awaitBlocked(node: ts.Node): string | undefined {
    for (let current = node.parent; current; current = current.parent) {
      if (ts.isFunctionLike(current)) {
        if ((ts.getCombinedModifierFlags(current) & ts.ModifierFlags.Async) !== 0) return undefined;
        const name = containerName(node, this.sf);
        if (ts.isConstructorDeclaration(current)) return `${name} is a constructor, which cannot be async`;
        if (ts.isGetAccessor(current) || ts.isSetAccessor(current)) return `${name} is an accessor, which cannot be async`;
        return `${name === 'top level' ? 'the function there' : name} is not async`;
      }
      if (ts.isClassStaticBlockDeclaration(current)) return 'a static block cannot await';
    }
    if (this.input.topLevelAwait) return undefined;
    const esm = this.sf.statements.some(
      (s) =>
        ts.isImportDeclaration(s) ||
        ts.isExportDeclaration(s) ||
        ts.isExportAssignment(s) ||
        (ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === SyntaxKind.ExportKeyword)),
    );
    return esm
      ? "it is at the top level of a module whose settings do not allow top-level await (tsconfig's module)"
      : 'it is at the top level of a CommonJS module, which cannot await';
  }

  private span(node: ts.Node): Span {
    return { start: node.getStart(this.sf), end: node.getEnd() };
  }

  private finish(p: PendingUsage): Usage {
    const start = p.node.getStart(this.sf);
    const pos = this.sf.getLineAndCharacterOfPosition(start);
    const origin = this.originOf(p);
    const usage: Usage = {
      kind: p.kind,
      symbol: p.symbol,
      member: p.member,
      line: pos.line + 1,
      column: pos.character + 1,
      span: { start, end: p.node.getEnd() },
      fixable: origin.fixable,
      incompatible: p.incompatible,
      message: '',
      rule: p.rule,
      receiver: p.receiver ? this.span(p.receiver) : undefined,
      expression: p.expression,
      name: p.name ? this.span(p.name) : undefined,
      container: containerName(p.node, this.sf),
      from: origin.from,
    };
    usage.message = describeUsage(usage, {
      module: this.ctx.moduleLabel,
      detail: p.detail,
      origin: origin.from,
      receiverText: p.receiver ? p.receiver.getText(this.sf) : undefined,
      argsText: p.expression?.args?.map((a) => this.sf.text.slice(a.start, a.end)),
    });
    return usage;
  }

  /** Whether routing this file's imports takes care of a usage, and where its value comes from. */
  private originOf(p: PendingUsage): { fixable: boolean; from?: string } {
    if (p.site) return { fixable: this.siteFixable.get(p.site) ?? false };
    const root = p.origin;
    if (!root) return { fixable: false };
    if (root.kind === SyntaxKind.ThisKeyword || root.kind === SyntaxKind.SuperKeyword) return { fixable: true };
    const symbol = this.checker.getSymbolAtLocation(root);
    const declaration = symbol?.declarations?.[0];
    if (!symbol || !declaration) return { fixable: false };
    if (declaration.getSourceFile() !== this.sf) {
      const from = this.input.relativePathOf(declaration.getSourceFile().fileName);
      return { fixable: false, from };
    }
    const position = declaration.getStart(this.sf);
    const site = this.sites.find((s) => s.span.start <= position && position < s.span.end);
    if (site) return { fixable: this.siteFixable.get(site) ?? false };
    if (symbol.flags & ts.SymbolFlags.Alias) {
      // Imported from a module that is neither legacy nor re-exports it: the value is made there.
      const aliased = this.ctx.resolveAlias(symbol).declarations?.[0];
      const from = aliased ? this.input.relativePathOf(aliased.getSourceFile().fileName) : undefined;
      return { fixable: false, from };
    }
    return { fixable: true };
  }
}

/**
 * A site can be re-pointed at the adapter when it targets a legacy module, or when it names legacy
 * bindings of a barrel one by one (they can be split off); a namespace or default of a barrel can't.
 */
function siteIsFixable(site: ImportSite): boolean {
  if (site.direct) return true;
  const legacy = site.bindings.filter((b) => b.legacy);
  if (legacy.some((b) => b.name === '*' || b.name === 'default')) return false;
  if (site.kind === 'dynamic-import' || site.kind === 'import-equals') return legacy.length === site.bindings.length;
  if (site.kind === 'require') return legacy.length === site.bindings.length || site.list !== undefined;
  return true;
}

function legacyNames(site: ImportSite): string {
  const names = site.bindings.filter((b) => b.legacy).map((b) => b.name);
  return names.length === 1 ? names[0] : names.includes('*') || names.length === 0 ? '*' : names.join(', ');
}

function describeTarget(target: ModuleTarget): string {
  return target.kind === 'file' ? target.path : target.kind === 'package' ? `package "${target.name}"` : `"${target.specifier}"`;
}

function hasExportModifier(node: ts.Node): boolean {
  return (ts.getCombinedModifierFlags(node as ts.Declaration) & ts.ModifierFlags.Export) !== 0;
}

function isIdentifierNamed(node: ts.Node, name: string): boolean {
  return ts.isIdentifier(node) && node.text === name;
}

/** `const { A } = await import('x')` → the binding pattern. */
function destructuredAwait(call: ts.CallExpression): ts.ObjectBindingPattern | undefined {
  let parent = call.parent;
  if (ts.isAwaitExpression(parent)) parent = parent.parent;
  if (ts.isParenthesizedExpression(parent)) parent = parent.parent;
  return ts.isVariableDeclaration(parent) && ts.isObjectBindingPattern(parent.name) ? parent.name : undefined;
}

/** The expressions a function body returns (not those of functions nested in it). */
function returnedExpressions(body: ts.Block): ts.Expression[] {
  const found: ts.Expression[] = [];
  const walk = (n: ts.Node): void => {
    if (ts.isFunctionLike(n)) return;
    if (ts.isReturnStatement(n) && n.expression) found.push(n.expression);
    ts.forEachChild(n, walk);
  };
  ts.forEachChild(body, walk);
  return found;
}

/** The module and exported name a local binding is imported (or required) from, when it is one. */
function importedFrom(symbol: ts.Symbol | undefined): { module: string; name: string } | undefined {
  const declaration = symbol?.declarations?.[0];
  if (!declaration) return undefined;
  if (ts.isImportSpecifier(declaration)) {
    const specifier = declaration.parent.parent.parent.moduleSpecifier;
    return ts.isStringLiteral(specifier)
      ? { module: specifier.text, name: (declaration.propertyName ?? declaration.name).text }
      : undefined;
  }
  if (ts.isBindingElement(declaration) && ts.isObjectBindingPattern(declaration.parent)) {
    const variable = declaration.parent.parent;
    const init = ts.isVariableDeclaration(variable) ? variable.initializer : undefined;
    if (!init || !ts.isCallExpression(init) || !isIdentifierNamed(init.expression, 'require')) return undefined;
    const arg = init.arguments[0];
    const property = declaration.propertyName ?? declaration.name;
    return arg && ts.isStringLiteralLike(arg) && ts.isIdentifier(property) ? { module: arg.text, name: property.text } : undefined;
  }
  return undefined;
}

function rootIdentifier(node: ts.Node): ts.Node | undefined {
  let current: ts.Node = node;
  for (;;) {
    if (ts.isIdentifier(current) || current.kind === SyntaxKind.ThisKeyword || current.kind === SyntaxKind.SuperKeyword) return current;
    if (ts.isPropertyAccessExpression(current) || ts.isElementAccessExpression(current)) current = current.expression;
    else if (ts.isCallExpression(current) || ts.isNewExpression(current)) current = current.expression;
    else if (ts.isParenthesizedExpression(current) || ts.isNonNullExpression(current) || ts.isAwaitExpression(current))
      current = current.expression;
    else if (ts.isAsExpression(current) || ts.isTypeAssertionExpression(current)) current = current.expression;
    else if (ts.isQualifiedName(current)) current = current.left;
    else return undefined;
  }
}

function awaitedType(checker: ts.TypeChecker, type: ts.Type): ts.Type {
  return checker.getAwaitedType(type) ?? type;
}

function calleeText(node: ts.Expression, sf: ts.SourceFile): string {
  const text = node.getText(sf);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

/** `Class.method`, `function`, or `top level`, for the dossier's use cases. */
function containerName(node: ts.Node, sf: ts.SourceFile): string {
  const parts: string[] = [];
  for (let current: ts.Node | undefined = node.parent; current && current !== sf; current = current.parent) {
    if ((ts.isFunctionDeclaration(current) || ts.isClassDeclaration(current) || ts.isMethodDeclaration(current)) && current.name) {
      parts.unshift(current.name.getText(sf));
    } else if ((ts.isGetAccessor(current) || ts.isSetAccessor(current) || ts.isPropertyDeclaration(current)) && current.name) {
      parts.unshift(current.name.getText(sf));
    } else if (ts.isConstructorDeclaration(current)) {
      parts.unshift('constructor');
    } else if (
      (ts.isArrowFunction(current) || ts.isFunctionExpression(current)) &&
      ts.isVariableDeclaration(current.parent) &&
      ts.isIdentifier(current.parent.name)
    ) {
      parts.unshift(current.parent.name.text);
      current = current.parent;
    }
  }
  return parts.length > 0 ? parts.join('.') : 'top level';
}

/** What a re-export hands on, in words: its legacy names, else the names it takes from the legacy module. */
function describeReexported(legacyNames: string[], bindings: readonly ImportBinding[]): string {
  if (legacyNames.includes('*')) return 'the legacy module';
  if (legacyNames.length > 0) return legacyNames.join(', ');
  const names = bindings.map((b) => (b.imported === '*' ? 'the legacy module' : b.name));
  return names.length > 0 ? `${names.join(', ')} from the legacy module` : 'the legacy module';
}

/** Whether a template hands the call's first argument (its options) to the factory method as its own first. */
function passesFirstArgument(template: string, method: string): boolean {
  return new RegExp(`\\.${method}\\(\\s*\\{(args|arg0)\\}`).test(template);
}
