import { ts } from 'ts-morph';

/**
 * How the target module's factory is called, read from its declarations: `CacheFactory.forWebApp()`
 * may be a static method, an instance method (`new CacheFactory().forWebApp()`, or a shared
 * instance the module exports), and asynchronous (`await …`). A preset writes its rules in one
 * form; `adaptTemplate` writes them in the form the target module really has.
 */
export interface FactoryMethod {
  /** The expression the method is called on: `CacheFactory`, `new CacheFactory()`, `cacheFactory`. */
  receiver: string;
  /** The target exports that expression needs imported. */
  imports: string[];
  /** Whether the method returns a promise (the call is awaited). */
  async: boolean;
  /** The option names its first parameter takes; undefined when any object goes (or it takes none). */
  options?: Set<string>;
  /** `a static method`, `an instance method`, `a method of the shared cacheFactory`. */
  form: string;
}

interface Export {
  name: string;
  symbol: ts.Symbol;
  isClass: boolean;
}

export class TargetFactories {
  private readonly exports: Export[];
  private readonly cache = new Map<string, FactoryMethod | null>();

  constructor(
    private readonly checker: ts.TypeChecker,
    targetFile: ts.SourceFile | undefined,
    resolveAlias: (symbol: ts.Symbol) => ts.Symbol,
  ) {
    const moduleSymbol = targetFile ? checker.getSymbolAtLocation(targetFile) : undefined;
    this.exports = (moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []).map((exported) => {
      const symbol = resolveAlias(exported);
      return { name: exported.name, symbol, isClass: (symbol.flags & ts.SymbolFlags.Class) !== 0 };
    });
  }

  /** The names the target module exports. */
  exportNames(): string[] {
    return this.exports.map((e) => e.name);
  }

  /** How `owner.method(…)` is really called, when `owner` is one of the target module's exports. */
  method(owner: string, method: string): FactoryMethod | undefined {
    const key = `${owner}.${method}`;
    if (!this.cache.has(key)) this.cache.set(key, this.find(owner, method) ?? null);
    return this.cache.get(key) ?? undefined;
  }

  private find(owner: string, method: string): FactoryMethod | undefined {
    const exported = this.exports.find((e) => e.name === owner);
    if (!exported) return undefined;
    const declaration = exported.symbol.valueDeclaration ?? exported.symbol.declarations?.[0];
    if (!declaration) return undefined;
    if (exported.isClass) {
      const statics = this.checker.getTypeOfSymbolAtLocation(exported.symbol, declaration);
      const ownStatic = this.signatureOf(statics, method, declaration);
      if (ownStatic) return { receiver: owner, imports: [owner], ...ownStatic, form: `a static method of ${owner}` };
      const instanceType = this.checker.getDeclaredTypeOfSymbol(exported.symbol);
      const onInstance = this.signatureOf(instanceType, method, declaration);
      if (!onInstance) return undefined;
      // A shared instance the module exports is what its authors mean callers to use.
      const shared = this.exports.find((e) => {
        if (e.isClass || !(e.symbol.flags & ts.SymbolFlags.Variable)) return false;
        const at = e.symbol.valueDeclaration;
        return at !== undefined && this.checker.getTypeOfSymbolAtLocation(e.symbol, at).getSymbol() === instanceType.getSymbol();
      });
      if (shared) return { receiver: shared.name, imports: [shared.name], ...onInstance, form: `a method of the shared ${shared.name}` };
      const constructs = statics.getConstructSignatures().some((s) => s.getParameters().every((p) => isOptional(p)));
      if (!constructs) return undefined;
      return { receiver: `new ${owner}()`, imports: [owner], ...onInstance, form: `an instance method of ${owner}` };
    }
    const valueType = this.checker.getTypeOfSymbolAtLocation(exported.symbol, declaration);
    const found = this.signatureOf(valueType, method, declaration);
    return found ? { receiver: owner, imports: [owner], ...found, form: `a method of ${owner}` } : undefined;
  }

  private signatureOf(type: ts.Type, method: string, at: ts.Node): { async: boolean; options?: Set<string> } | undefined {
    const property = type.getProperty(method);
    if (!property) return undefined;
    const signature = this.checker.getTypeOfSymbolAtLocation(property, at).getCallSignatures()[0];
    if (!signature) return undefined;
    const returned = this.checker.getReturnTypeOfSignature(signature);
    const async = returned.getSymbol()?.getName() === 'Promise';
    const first = signature.getParameters()[0];
    if (!first) return { async, options: new Set() };
    const declared = this.checker.getNonNullableType(this.checker.getTypeOfSymbolAtLocation(first, at));
    if (
      declared.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown) ||
      declared.getStringIndexType() ||
      !(declared.flags & ts.TypeFlags.Object)
    )
      return { async };
    return { async, options: new Set(declared.getProperties().map((p) => p.getName())) };
  }
}

function isOptional(parameter: ts.Symbol): boolean {
  const declaration = parameter.valueDeclaration;
  return (
    declaration !== undefined &&
    ts.isParameter(declaration) &&
    (declaration.questionToken !== undefined || declaration.initializer !== undefined)
  );
}

/** A factory call written in a template: `Owner.method(` with what comes before it. */
const factoryCall = /(^|[^\w$.])(await\s+)?(new\s+([A-Za-z_$][\w$]*)\(\)|[A-Za-z_$][\w$]*)\.([A-Za-z_$][\w$]*)\(/g;

export interface AdaptedTemplate {
  template: string;
  /** The factory method the template calls, as the target module declares it. */
  method?: FactoryMethod & { name: string; owner: string };
}

/**
 * A template written for one form of factory, rewritten to the form the target module has:
 * `CacheFactory.forWebApp({args})` becomes `await new CacheFactory().forWebApp({args})` when
 * forWebApp is an asynchronous instance method. Templates that call no target factory, or one
 * written already in its form, come back as they were.
 */
export function adaptTemplate(template: string, factories: TargetFactories | undefined): AdaptedTemplate {
  if (!factories) return { template };
  let method: AdaptedTemplate['method'];
  const adapted = template.replace(
    factoryCall,
    (whole, before: string, awaited: string | undefined, receiver: string, constructed: string | undefined, name: string) => {
      const owner = constructed ?? receiver;
      const found = factories.method(owner, name);
      if (!found || method) return whole;
      method = { ...found, name, owner };
      const written = constructed ? `new ${constructed}()` : receiver;
      // A receiver written as the module has it stays (`new CacheFactory()` for an instance method).
      const call =
        written === found.receiver || (constructed && !found.receiver.startsWith('new '))
          ? `${written}.${name}(`
          : `${found.receiver}.${name}(`;
      return `${before}${awaited ?? (found.async ? 'await ' : '')}${call}`;
    },
  );
  return { template: adapted, method };
}
