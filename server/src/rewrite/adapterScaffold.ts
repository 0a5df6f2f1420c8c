import { commentSafe, stringLiteral } from './literal';
import type { AdaptedClass, AdaptedFunction, AdaptedMember, AdapterModel } from '../analysis/adapterModel';
import { describeTemplate, fillTemplate, templateAwaits } from '../spec/templates';
import { relativeSpecifier } from './specifiers';
import type { ExtensionStyle } from './specifiers';
import { emitRuntimeModule, runtimePathOf } from './runtime/emit';
import type { StepwiseCompareRules } from './runtime/adapterRuntime';

export interface ScaffoldInput {
  model: AdapterModel;
  /** Workspace-relative path of the adapter module to write. */
  adapterPath: string;
  style: ExtensionStyle;
  /** `Class.member` → reason: members to keep on the legacy side (after a failed type check). */
  keepLegacy?: Record<string, string>;
  /** The spec's shadow comparison rules (`observation.compare`), written into the runtime. */
  compare?: StepwiseCompareRules;
}

export interface ScaffoldResult {
  text: string;
  /** The runtime module the adapter imports, beside it. */
  runtime: { path: string; text: string };
  /** 1-based line of each generated route → `Class.member`, to map type errors back to members. */
  routeLines: Map<number, string>;
  /** What a person should look at, in sentences. */
  notes: string[];
}

/** The adapter header's lines on the rollout modes (every generated adapter has them). */
export const rolloutModeLines: readonly string[] = [
  ' *   legacy   (default) the legacy implementation only',
  ' *   shadow   legacy answers; the new one runs alongside and its answers are compared',
  ' *   25       25 % of the keys (any number 0-100, by a stable hash of the key) use the new one',
  ' *   new      the new implementation answers, falling back to legacy on errors',
];

/** The environment variable that selects an adapter's implementation. */
export function flagNameOf(migrationId: string): string {
  return `STEPWISE_FLAG_${migrationId.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

/**
 * Generates the adapter module: it re-exports everything the legacy modules export and replaces
 * the tracked classes and factories with versions whose instances keep the legacy contract but
 * can run on the new implementation, chosen at run time by a flag, with fallback and metrics.
 */
export function scaffoldAdapter(input: ScaffoldInput): ScaffoldResult {
  const { model, adapterPath, style } = input;
  const notes = [...model.notes];
  if (!/\.(m|c)?tsx?$/.test(adapterPath)) {
    throw new Error(
      `Stepwise generates TypeScript adapters; ${adapterPath} is not a .ts file. Write it by hand or point "adapter.module" at a .ts path.`,
    );
  }
  const flag = flagNameOf(model.migrationId);
  const lines: string[] = [];
  const legacyAlias = (i: number): string => (model.legacyFiles.length === 1 ? 'legacy' : `legacy${i}`);
  const spec = (to: string): string =>
    to.startsWith('.') || (!/\//.test(to) && !/\.(m|c)?[tj]sx?$/.test(to)) ? to : relativeSpecifier(adapterPath, to, style);
  const targetSpecifier = isPackage(model.targetModule) ? model.targetModule : relativeSpecifier(adapterPath, model.targetModule, style);

  const table: string[] = [];
  for (const cls of model.classes) {
    for (const member of cls.members) {
      const forced = input.keepLegacy?.[`${cls.name}.${member.name}`];
      const route = forced ? { kind: 'legacy' as const, reason: forced } : member.route;
      if (route.kind === 'legacy') {
        table.push(` *   ${cls.name}.${member.name}() stays on the legacy implementation: ${route.reason}.`);
        notes.push(`${cls.name}.${member.name}() stays on the legacy implementation: ${route.reason}.`);
      } else if (route.kind === 'call') {
        table.push(` *   ${cls.name}.${member.name}() → ${cls.targetClass}.${route.targetMember}()${member.both ? ' (runs on both)' : ''}`);
      } else {
        table.push(
          ` *   ${cls.name}.${member.name}() → ${describeTemplate(route.template, { receiver: 'next' })}${member.both ? ' (runs on both)' : ''}`,
        );
      }
    }
  }

  lines.push(
    '/**',
    ` * Stepwise adapter for "${commentSafe(model.title)}" (migration ${commentSafe(model.migrationId)}).`,
    ' *',
    ` * Files migrated by Stepwise import the legacy names from here instead of ${commentSafe([...model.legacyFiles, ...model.packages].join(', '))}.`,
    ' * Instances keep the legacy contract; the rollout mode chooses which implementation answers:',
    ...rolloutModeLines,
    ' * Writes and lifecycle calls also run on the legacy side, so rolling back is instant; a read the',
    ' * new side misses is answered by legacy and back-filled. The mode comes from',
    ` * stepwiseAdapter.setFlag(), else ${flag}, else the control store Stepwise steers`,
    ' * (.stepwise/control/, or Redis: stepwiseAdapter.useRedis(client)); the runtime is in',
    ` * ${commentSafe(runtimePathOf(adapterPath).split('/').pop() ?? 'stepwise-runtime.ts')} beside this file.`,
    ' *',
    ' * Members:',
    ...table.map(commentSafe),
    ' *',
    ' * Generated by Stepwise; it is yours to edit. Removing it is the last step of the migration.',
    ' */',
    '/* eslint-disable @typescript-eslint/no-explicit-any */',
  );
  model.legacyFiles.forEach((file, i) =>
    lines.push(`import * as ${legacyAlias(i)} from ${stringLiteral(relativeSpecifier(adapterPath, file, style))};`),
  );
  if (model.targetImports.length > 0) lines.push(`import { ${model.targetImports.join(', ')} } from ${stringLiteral(targetSpecifier)};`);
  const runtimePath = runtimePathOf(adapterPath);
  const runtimeSpecifier = relativeSpecifier(adapterPath, runtimePath, style);
  const later = [...model.classes.map((c) => c.createNext), ...model.functions.map((f) => f.createNext)].some(
    (t) => t !== undefined && templateAwaits(t),
  );
  const used = [
    ...(model.functions.length > 0 ? ['stepwiseAdapt'] : []),
    ...(model.classes.length > 0 ? ['stepwiseAdaptClass'] : []),
    ...(later ? ['stepwiseLater'] : []),
  ];
  if (used.length > 0) lines.push(`import { ${used.join(', ')} } from ${stringLiteral(runtimeSpecifier)};`);
  if (model.classes.length > 0) lines.push(`import type { StepwiseRoutes } from ${stringLiteral(runtimeSpecifier)};`);
  lines.push('');
  model.legacyFiles.forEach((file) => lines.push(`export * from ${stringLiteral(relativeSpecifier(adapterPath, file, style))};`));
  for (const pkg of model.packages) lines.push(`export * from ${stringLiteral(spec(pkg))};`);
  if (model.defaultExportFrom) {
    lines.push(`export { default } from ${stringLiteral(relativeSpecifier(adapterPath, model.defaultExportFrom, style))};`);
    notes.push(`The default export of ${model.defaultExportFrom} is passed through unchanged.`);
  }
  lines.push('', '/** Reads and steers the rollout at run time (the flag, metrics, the control store). */');
  lines.push(`export { stepwiseAdapter } from ${stringLiteral(runtimeSpecifier)};`);

  const routeLines = new Map<number, string>();
  for (const cls of model.classes) {
    lines.push('');
    const generated = adaptedClass(cls, legacyAlias(cls.moduleIndex), input.keepLegacy ?? {}, model.functions);
    for (const [index, key] of generated.routes) routeLines.set(lines.length + index + 1, key);
    lines.push(...generated.lines);
  }
  for (const fn of model.functions) {
    const text = adaptedFunction(fn, legacyAlias(fn.moduleIndex), model.classes);
    if (text.length > 0) lines.push('', ...text);
  }
  return {
    text: `${lines.join('\n')}\n`,
    runtime: { path: runtimePath, text: emitRuntimeModule(flag, model.migrationId, input.compare) },
    routeLines,
    notes,
  };
}

function isPackage(module: string): boolean {
  return !module.startsWith('.') && !/\.(m|c)?[tj]sx?$/.test(module);
}

function routesName(cls: AdaptedClass): string {
  return `${cls.name.charAt(0).toLowerCase()}${cls.name.slice(1)}Routes`;
}

function argList(arity: number, name = 'args'): string[] {
  if (arity < 0) return [`...${name}`];
  return Array.from({ length: arity }, (_, i) => `${name}[${i}]`);
}

function adaptedClass(
  cls: AdaptedClass,
  legacy: string,
  keepLegacy: Record<string, string>,
  functions: AdaptedFunction[],
): { lines: string[]; routes: Map<number, string> } {
  const lines: string[] = [];
  const routes = new Map<number, string>();
  const nextType = cls.targetClass
    ? `${cls.targetClass}${cls.targetTypeArity > 0 ? `<${Array(cls.targetTypeArity).fill('any').join(', ')}>` : ''}`
    : 'never';
  lines.push(`const ${routesName(cls)}: StepwiseRoutes<${nextType}> = {`);
  const anyArgs = cls.typeArguments
    ? `<${cls.typeArguments
        .slice(1, -1)
        .split(',')
        .map(() => 'any')
        .join(', ')}>`
    : '';
  const legacyInstance = `${legacy}.${cls.name}${anyArgs}`;
  // An asynchronous factory's instance exists only later: members answering at once stay on legacy.
  const later = [cls.createNext, ...functions.filter((f) => f.returnsClass === cls.name).map((f) => f.createNext)].some(
    (t) => t !== undefined && templateAwaits(t),
  );
  for (const member of cls.members) {
    if (later && !member.async) continue;
    const route = keepLegacy[`${cls.name}.${member.name}`] ? undefined : member.route;
    const body = route ? routeBody(member, route, legacyInstance) : undefined;
    if (!body) continue;
    routes.set(lines.length, `${cls.name}.${member.name}`);
    lines.push(`  ${JSON.stringify(member.name)}: { ${routeFlags(cls, member, keepLegacy)}call: ${body} },`);
  }
  lines.push('};', '');
  const createNext = cls.createNext ? `(args: any[]) => ${nextFrom(cls.createNext, argList(cls.constructorArity))}` : 'undefined';
  const legacyType = `typeof ${legacy}.${cls.name}`;
  const ctorParams = cls.typeParameters
    ? `ConstructorParameters<${legacyType}${cls.typeArguments}>`
    : `ConstructorParameters<${legacyType}>`;
  lines.push(
    `/** The legacy ${cls.name}, adapted: same contract, implementation chosen by the rollout flag. */`,
    `export interface ${cls.name}${cls.typeParameters} extends ${legacy}.${cls.name}${cls.typeArguments} {}`,
    `export const ${cls.name} = stepwiseAdaptClass(${legacy}.${cls.name}, ${createNext}, ${routesName(cls)}) as unknown as (new ${cls.typeParameters}(...args: ${ctorParams}) => ${cls.name}${cls.typeArguments}) &`,
    `  ${legacyType};`,
  );
  return { lines, routes };
}

/** What the runtime must know of a member beyond its call: a write, a read (and what back-fills it), a TTL. */
function routeFlags(cls: AdaptedClass, member: AdaptedMember, keepLegacy: Record<string, string>): string {
  if (member.both) return 'both: true, ';
  if (!member.read) return member.ttl ? 'ttl: true, ' : '';
  // The back-fill after a read-through: the class's routed set (or put), called with [key, value].
  const fill = cls.members.find(
    (m) =>
      /^(set|put)$/i.test(m.name) && m.route.kind !== 'legacy' && !keepLegacy[`${cls.name}.${m.name}`] && m.arity !== 0 && m.arity !== 1,
  );
  return `read: true, ${fill ? `fill: ${JSON.stringify(fill.name)}, ` : ''}`;
}

/**
 * One route: a function from the new instance and the call's arguments to the result. Its return
 * type is the legacy member's, so type-checking the adapter proves the new side keeps the contract.
 */
function routeBody(member: AdaptedMember, route: AdaptedMember['route'], legacyInstance: string): string | undefined {
  const args = argList(member.arity);
  if (route.kind === 'legacy') return undefined;
  let expression: string;
  let isAsync = false;
  if (route.kind === 'call') {
    expression = `next.${route.targetMember}(${args.join(', ')})`;
    if (route.awaitResult) expression = `Promise.resolve(${expression})`;
  } else {
    expression = fillTemplate(route.template, { receiver: 'next', args });
    isAsync = route.async;
  }
  const parameters = /\bargs\b/.test(expression) ? '(next, args)' : '(next)';
  const returnType = member.returnsVoid ? '' : `: ReturnType<${legacyInstance}[${JSON.stringify(member.name)}]>`;
  return `${isAsync ? 'async ' : ''}${parameters}${returnType} => ${expression}`;
}

function adaptedFunction(fn: AdaptedFunction, legacy: string, classes: AdaptedClass[]): string[] {
  const cls = classes.find((c) => c.name === fn.returnsClass);
  if (!cls) return [];
  const createNext = fn.createNext
    ? `() => ${nextFrom(fn.createNext, [])}`
    : cls.createNext
      ? `() => ${nextFrom(cls.createNext, [])}`
      : 'undefined';
  return [
    `/** The legacy ${fn.name}(), returning an adapted ${cls.name} (one per legacy instance). */`,
    `export function ${fn.name}(...args: Parameters<typeof ${legacy}.${fn.name}>): ${fn.returnTypeText ?? cls.name} {`,
    `  return stepwiseAdapt(${legacy}.${fn.name}(...args), ${createNext}, ${routesName(cls)}) as ${fn.returnTypeText ?? cls.name};`,
    '}',
  ];
}

/** The expression that makes the new side: the template filled, or, when it awaits, what stands for it until then. */
function nextFrom(template: string, args: string[]): string {
  const filled = fillTemplate(template, { args });
  if (!templateAwaits(template)) return filled;
  return `stepwiseLater(${filled.replace(/(^|[^\w$.])await\s+/, '$1')})`;
}
