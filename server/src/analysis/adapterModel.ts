import { ts } from 'ts-morph';
import { describeTemplate, templateAwaits } from '../spec/templates';
import { adaptTemplate } from './factoryShape';
import type { LegacyContext } from './legacyContext';

/**
 * What the adapter generator needs to know about the legacy and target APIs, as plain data:
 * which exports to adapt, each legacy member and how (or whether) it can reach the new API.
 */
export interface AdapterModel {
  migrationId: string;
  title: string;
  /** Workspace-relative legacy module files (package legacy modules are listed in `packages`). */
  legacyFiles: string[];
  packages: string[];
  targetModule: string;
  /** Target exports the generated code refers to. */
  targetImports: string[];
  classes: AdaptedClass[];
  functions: AdaptedFunction[];
  /** Whether a legacy module has a default export to pass through. */
  defaultExportFrom?: string;
  /** Things a person has to look at, in sentences. */
  notes: string[];
}

export interface AdaptedClass {
  name: string;
  /** Index of the legacy module (in `legacyFiles`) that exports it. */
  moduleIndex: number;
  /** `<V = unknown>` as declared, or ''. */
  typeParameters: string;
  /** `<V>` to pass them on, or ''. */
  typeArguments: string;
  /** The target class the new instances have, when one was found. */
  targetClass?: string;
  /** How many type parameters the target class takes (filled with `any` in route signatures). */
  targetTypeArity: number;
  /** How the new instance is made: a template over `{args}`/`{argN}`, when the spec has one. */
  createNext?: string;
  /** Declared constructor parameter count (for `{args}`); -1 when it has a rest parameter. */
  constructorArity: number;
  members: AdaptedMember[];
}

export type MemberRoute =
  | { kind: 'call'; targetMember: string; awaitResult: boolean }
  | { kind: 'replace'; template: string; async: boolean }
  | { kind: 'legacy'; reason: string };

export interface AdaptedMember {
  name: string;
  /** Declared parameter count; -1 when it has a rest parameter. */
  arity: number;
  /** Whether the legacy member returns a promise. */
  async: boolean;
  /** Whether the legacy member returns nothing (its result is never used). */
  returnsVoid: boolean;
  /** Writes and lifecycle calls go to both implementations so the legacy one stays usable for rollback. */
  both: boolean;
  /** A keyed read (get-like, with a key): a miss on the new side reads through from legacy. */
  read: boolean;
  /** Its answer is a time to live: shadow compares it within the TTL skew. */
  ttl: boolean;
  route: MemberRoute;
}

export interface AdaptedFunction {
  name: string;
  moduleIndex: number;
  /** The adapted class the function returns an instance of, when it does. */
  returnsClass?: string;
  /** The return type's text (`AsyncTTLCache<string>`) when `returnsClass` is set. */
  returnTypeText?: string;
  createNext?: string;
}

/** Member names that change state: in "new" mode they run on both sides (dual write). */
const writeLike =
  /^(set|put|add|insert|update|upsert|delete|del|remove|evict|invalidate|clear|reset|flush|expire|touch|mset|hset|hmset|setex|incr|decr|load|prune)/i;
/** Keyed reads: a miss on the new side is answered by legacy during the switch. */
const readLike = /^(get|fetch|read|peek|lookup|find|has)/i;
const ttlLike = /ttl|expir/i;
/** Lifecycle members: both instances exist, so both must be stopped. */
const lifecycle = /^(stop|close|shutdown|destroy|dispose|quit|end|disconnect|terminate)$/i;

export function buildAdapterModel(context: LegacyContext, targetModuleFile: string | undefined): AdapterModel {
  const { checker, program, spec } = context;
  const notes: string[] = [];
  const legacyFiles = [...context.modules.files].sort();
  const classes: AdaptedClass[] = [];
  const functions: AdaptedFunction[] = [];
  const targetImports = new Set<string>();
  let defaultExportFrom: string | undefined;

  const targetSf = targetModuleFile ? program.getSourceFile(targetModuleFile) : undefined;
  const targetExports = new Map<string, ts.Symbol>();
  if (targetSf) {
    const moduleSymbol = checker.getSymbolAtLocation(targetSf);
    for (const exported of moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []) {
      targetExports.set(exported.name, context.resolveAlias(exported));
    }
  } else {
    notes.push(
      `The target module ${spec.target.module} is not part of the workspace yet; every member stays on the legacy implementation.`,
    );
  }
  const targetClasses = [...targetExports.entries()].filter(([, s]) => s.flags & ts.SymbolFlags.Class);

  legacyFiles.forEach((file, moduleIndex) => {
    const sf = program.getSourceFiles().find((s) => context.isLegacyFile(s.fileName) && s.fileName.endsWith(`/${file}`));
    if (!sf) {
      notes.push(`The legacy module ${file} could not be read.`);
      return;
    }
    const moduleSymbol = checker.getSymbolAtLocation(sf);
    if (!moduleSymbol) return;
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = context.resolveAlias(exported);
      if (exported.name === 'default') {
        defaultExportFrom = file;
        continue;
      }
      if (!context.isTracked(exported.name)) continue;
      if (symbol.flags & ts.SymbolFlags.Class) {
        classes.push(modelClass(exported.name, symbol, moduleIndex));
      }
    }
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = context.resolveAlias(exported);
      if (exported.name === 'default' || !context.isTracked(exported.name)) continue;
      if (symbol.flags & ts.SymbolFlags.Function && !(symbol.flags & ts.SymbolFlags.Class)) {
        functions.push(modelFunction(exported.name, symbol, moduleIndex));
      }
    }
  });
  for (const pkg of context.modules.packages) {
    notes.push(`Legacy package "${pkg}": the generated adapter passes it through; route its members to the new API by hand.`);
  }

  function modelClass(name: string, symbol: ts.Symbol, moduleIndex: number): AdaptedClass {
    const declaration = symbol.declarations?.find(ts.isClassDeclaration);
    const sf = declaration?.getSourceFile();
    const typeParameters = declaration?.typeParameters ? `<${declaration.typeParameters.map((p) => p.getText(sf)).join(', ')}>` : '';
    const typeParameterNames = declaration?.typeParameters?.map((p) => p.name.text) ?? [];
    const typeArguments = typeParameterNames.length > 0 ? `<${typeParameterNames.join(', ')}>` : '';
    const ctor = declaration?.members.find(ts.isConstructorDeclaration);
    const constructorArity = ctor ? arityOf(ctor) : 0;
    const instanceType = checker.getDeclaredTypeOfSymbol(symbol);
    const target = pickTargetClass(name, instanceType);
    const targetType = target ? checker.getDeclaredTypeOfSymbol(target[1]) : undefined;
    if (target) targetImports.add(target[0]);
    const rule = spec.constructors[name];
    let createNext: string | undefined;
    if (rule) {
      createNext = adaptTemplate(rule.template, context.targetFactories()).template;
      for (const identifier of identifiersIn(createNext)) if (targetExports.has(identifier)) targetImports.add(identifier);
      if (templateAwaits(createNext))
        notes.push(
          `${name}: the new side is made by an asynchronous factory; only ${name}'s members that return promises are routed to it.`,
        );
    } else if (target) {
      createNext = `new ${target[0]}({args})`;
      notes.push(`${name}: no "constructors" rule; the adapter builds the new instance with new ${target[0]}(…) and the same arguments.`);
    } else {
      notes.push(`${name}: no target class found among ${spec.target.module}'s exports; every member stays on the legacy implementation.`);
    }
    const members: AdaptedMember[] = [];
    for (const property of checker.getPropertiesOfType(instanceType)) {
      const memberDeclaration = property.valueDeclaration ?? property.declarations?.[0];
      if (!memberDeclaration) continue;
      const modifiers = ts.getCombinedModifierFlags(memberDeclaration);
      if (modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected) || property.name.startsWith('#')) continue;
      if (!ts.isMethodDeclaration(memberDeclaration) && !ts.isMethodSignature(memberDeclaration)) continue;
      const legacyType = checker.getTypeOfSymbolAtLocation(property, memberDeclaration);
      const signature = legacyType.getCallSignatures()[0];
      if (!signature) continue;
      const legacyReturn = checker.getReturnTypeOfSignature(signature);
      const async = isPromise(legacyReturn);
      const arity = arityOf(memberDeclaration);
      const both = writeLike.test(property.name) || lifecycle.test(property.name);
      const route = routeFor(name, property.name, signature, legacyReturn, async, targetType, typeParameterNames);
      const read = !both && arity !== 0 && readLike.test(property.name) && !ttlLike.test(property.name);
      const ttl = !both && ttlLike.test(property.name);
      members.push({
        name: property.name,
        arity,
        async,
        returnsVoid: (legacyReturn.flags & ts.TypeFlags.Void) !== 0,
        both,
        read,
        ttl,
        route,
      });
    }
    const targetDeclaration = target?.[1].declarations?.find(ts.isClassDeclaration);
    const targetTypeArity = targetDeclaration?.typeParameters?.length ?? 0;
    return {
      name,
      moduleIndex,
      typeParameters,
      typeArguments,
      targetClass: target?.[0],
      targetTypeArity,
      createNext,
      constructorArity,
      members,
    };
  }

  function routeFor(
    owner: string,
    member: string,
    legacySignature: ts.Signature,
    legacyReturn: ts.Type,
    async: boolean,
    targetType: ts.Type | undefined,
    typeParameterNames: string[],
  ): MemberRoute {
    // Generic classes have their own type parameters on each side; the checker cannot compare
    // those directly, so such members are checked by type-checking the generated adapter instead.
    const generic = typeParameterNames.length > 0 ? new RegExp(`\\b(${typeParameterNames.join('|')})\\b`) : undefined;
    const fits = (from: ts.Type, to: ts.Type): boolean =>
      checker.isTypeAssignableTo(from, to) ||
      (generic !== undefined && (generic.test(checker.typeToString(from)) || generic.test(checker.typeToString(to))));
    if (!targetType) return { kind: 'legacy', reason: 'no target class' };
    const rule = spec.members[owner]?.[member];
    if (rule?.kind === 'manual') return { kind: 'legacy', reason: `needs a manual change: ${rule.message}` };
    if (rule?.kind === 'replace') {
      const awaits = templateAwaits(rule.template);
      if (awaits && !async) {
        return {
          kind: 'legacy',
          reason: `${member}() is synchronous but its replacement (${describeTemplate(rule.template)}) needs await; it stays on the legacy implementation until its callers are rewritten`,
        };
      }
      return { kind: 'replace', template: rule.template, async: awaits || async };
    }
    const targetMember = rule?.kind === 'rename' ? rule.to : member;
    const property = targetType.getProperty(targetMember);
    if (!property) return { kind: 'legacy', reason: `the new API has no ${targetMember}()` };
    const declaration = property.valueDeclaration ?? property.declarations?.[0];
    const targetSignature = declaration ? checker.getTypeOfSymbolAtLocation(property, declaration).getCallSignatures()[0] : undefined;
    if (!targetSignature) return { kind: 'legacy', reason: `${targetMember} is not a method in the new API` };
    // Every argument a legacy caller passes must be acceptable to the new member.
    const legacyParams = legacySignature.getParameters();
    const targetParams = targetSignature.getParameters();
    for (let i = 0; i < legacyParams.length; i++) {
      const legacyParam = legacyParams[i];
      const targetParam = targetParams[Math.min(i, targetParams.length - 1)];
      if (!targetParam) return { kind: 'legacy', reason: `${targetMember}() takes fewer arguments than ${member}()` };
      const from = checker.getTypeOfSymbol(legacyParam);
      const to = checker.getTypeOfSymbol(targetParam);
      if (!fits(from, to)) {
        return {
          kind: 'legacy',
          reason: `argument ${legacyParam.name} of ${member}() (${checker.typeToString(from)}) does not fit ${targetMember}() (${checker.typeToString(to)})`,
        };
      }
    }
    const targetReturn = checker.getReturnTypeOfSignature(targetSignature);
    if (legacyReturn.flags & ts.TypeFlags.Void) {
      return { kind: 'call', targetMember, awaitResult: false };
    }
    const targetAsync = isPromise(targetReturn);
    if (targetAsync && !async) {
      return { kind: 'legacy', reason: `${member}() is synchronous but ${targetMember}() returns a promise` };
    }
    const from = async ? (checker.getAwaitedType(targetReturn) ?? targetReturn) : targetReturn;
    const to = async ? (checker.getAwaitedType(legacyReturn) ?? legacyReturn) : legacyReturn;
    if (!fits(from, to)) {
      return {
        kind: 'legacy',
        reason: `${targetMember}() returns ${checker.typeToString(from)}, not the ${checker.typeToString(to)} legacy callers expect; translate it in the adapter`,
      };
    }
    return { kind: 'call', targetMember, awaitResult: async && !targetAsync };
  }

  function modelFunction(name: string, symbol: ts.Symbol, moduleIndex: number): AdaptedFunction {
    const declaration = symbol.declarations?.find(ts.isFunctionDeclaration);
    const signature = declaration ? checker.getSignatureFromDeclaration(declaration) : undefined;
    const returned = signature ? checker.getReturnTypeOfSignature(signature) : undefined;
    const owner = returned ? context.instanceOwner(returned) : undefined;
    const adapted = owner ? classes.find((c) => c.name === owner) : undefined;
    const rule = spec.constructors[name];
    const template = rule && adaptTemplate(rule.template, context.targetFactories()).template;
    if (template) for (const identifier of identifiersIn(template)) if (targetExports.has(identifier)) targetImports.add(identifier);
    if (!adapted) {
      return { name, moduleIndex };
    }
    const text = returned ? checker.typeToString(returned) : owner;
    return {
      name,
      moduleIndex,
      returnsClass: adapted.name,
      returnTypeText: text && new RegExp(`^${adapted.name}(<.*>)?$`).test(text) ? text : adapted.name,
      createNext: template,
    };
  }

  /** The target class most like the legacy one: most members in common (renames counted). */
  function pickTargetClass(owner: string, legacyType: ts.Type): [string, ts.Symbol] | undefined {
    let best: [string, ts.Symbol] | undefined;
    let bestScore = -1;
    const legacyNames = checker.getPropertiesOfType(legacyType).map((p) => {
      const rule = spec.members[owner]?.[p.name];
      return rule?.kind === 'rename' ? rule.to : p.name;
    });
    for (const [name, symbol] of targetClasses) {
      const names = new Set(checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol)).map((p) => p.name));
      const score = legacyNames.filter((n) => names.has(n)).length;
      if (score > bestScore) {
        best = [name, symbol];
        bestScore = score;
      }
    }
    return best;
  }

  function isPromise(type: ts.Type): boolean {
    const awaited = checker.getAwaitedType(type);
    return awaited !== undefined && awaited !== type;
  }

  return {
    migrationId: spec.id,
    title: spec.title,
    legacyFiles,
    packages: [...context.modules.packages],
    targetModule: spec.target.module,
    targetImports: [...targetImports].sort(),
    classes,
    functions,
    defaultExportFrom,
    notes,
  };
}

function arityOf(declaration: ts.SignatureDeclarationBase): number {
  if (declaration.parameters.some((p) => p.dotDotDotToken)) return -1;
  return declaration.parameters.length;
}

function identifiersIn(template: string): string[] {
  const withoutPlaceholders = template.replace(/\{[A-Za-z0-9_]+\}/g, ' ');
  return [...new Set(withoutPlaceholders.match(/[A-Za-z_$][A-Za-z0-9_$]*/g) ?? [])];
}
