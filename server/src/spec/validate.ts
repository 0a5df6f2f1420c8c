import Ajv from 'ajv';
import type { ErrorObject } from 'ajv';
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { Node as JsonNode, ParseError } from 'jsonc-parser';
import schema from '../../../schemas/migration.schema.json';
import { LineIndex } from '../util/lineIndex';
import { workspacePathProblem } from '../workspace/paths';
import { apiSurfaceOf } from './apiSurfaces';
import { presets } from './presets';
import { shapeRules } from './shapeRules';
import type { RawMemberRule, RawSpecFragment, RawWhenCase } from './presets';
import { isKnownPlaceholder, knownPlaceholdersText, placeholdersOf } from './templates';
import type { TemplateContext } from './templates';
import { defaultCompareRules, defaultStages, defaultThresholds } from './types';
import { defaultTestGlobs } from './contexts';
import type {
  ConstructorRule,
  ContextCase,
  FileContext,
  MemberRule,
  MigrationSpec,
  SpecProblem,
  ThresholdSet,
  Thresholds,
  CompareRules,
} from './types';

/** What validation may ask about the workspace; absent means "don't check existence". */
export interface SpecEnvironment {
  /** Whether a workspace-relative file exists. */
  fileExists(relativePath: string): boolean;
  /** Whether a package can be resolved from the workspace root. */
  packageExists(name: string): boolean;
}

export interface SpecResult {
  /** The validated spec, present only when there are no errors (warnings are fine). */
  spec?: MigrationSpec;
  problems: SpecProblem[];
}

export const specRelativePath = '.stepwise/migration.json';

const ajv = new Ajv({ allErrors: true, strict: false });
const validateSchema = ajv.compile(schema);

type JsonPath = (string | number)[];

interface RawSpec extends RawSpecFragment {
  id?: string;
  preset?: string;
  risk?: { critical?: string[] };
  verify?: Record<string, unknown>;
  observation?: {
    hours?: number;
    requireApproval?: boolean;
    minimumCalls?: number;
    stages?: string[];
    thresholds?: Partial<Record<keyof Thresholds, Partial<ThresholdSet>>>;
    compare?: Partial<CompareRules>;
    stageMinutes?: number;
    autoRollback?: boolean;
    sampleSeconds?: number;
  };
  redis?: { url: string; prefix?: string };
}

/** A package name as opposed to a workspace path: no `./`, no extension-bearing file path. */
export function isPackageSpecifier(module: string): boolean {
  if (module.startsWith('.') || module.startsWith('/')) return false;
  if (/\.(m|c)?(t|j)sx?$/.test(module)) return false;
  return /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/[\w.-]+)*$/i.test(module);
}

/**
 * Parses and validates a spec's text. Every problem carries the JSON path and the location in the
 * text, so it can be shown as a diagnostic on the spec file or printed by the CLI.
 */
export function parseSpec(text: string, env?: SpecEnvironment): SpecResult {
  const lines = new LineIndex(text);
  const problems: SpecProblem[] = [];
  const report = (
    path: JsonPath,
    message: string,
    node: JsonNode | undefined,
    severity: SpecProblem['severity'] = 'error',
    span?: { offset: number; length: number },
  ): void => {
    const offset = span?.offset ?? node?.offset ?? 0;
    const length = span?.length ?? node?.length ?? 1;
    const pos = lines.positionAt(offset);
    problems.push({
      path: path.join('.'),
      message,
      severity,
      offset,
      length,
      line: pos.line + 1,
      column: pos.character + 1,
    });
  };

  const parseErrors: ParseError[] = [];
  const root = parseTree(text, parseErrors, { allowTrailingComma: false, disallowComments: false });
  if (parseErrors.length > 0 || !root) {
    for (const error of parseErrors) {
      report([], `Invalid JSON: ${describeParseError(printParseErrorCode(error.error))}.`, undefined, 'error', {
        offset: error.offset,
        length: Math.max(1, error.length),
      });
    }
    if (problems.length === 0) report([], 'The spec is empty; it must be a JSON object.', undefined);
    return { problems };
  }
  const at = (path: JsonPath): JsonNode | undefined => findNodeAtLocation(root, path);
  const keyOf = (path: JsonPath): JsonNode | undefined => at(path)?.parent?.children?.[0];

  const raw = getNodeValue(root) as unknown;
  if (!validateSchema(raw)) {
    for (const error of validateSchema.errors ?? []) {
      const path = instancePath(error);
      const { message, node } = schemaMessage(error, path, at, keyOf);
      report(path, message, node);
    }
    return { problems };
  }
  const spec = raw as RawSpec;

  let base: RawSpecFragment = {};
  if (spec.preset !== undefined) {
    base = presets[spec.preset];
  }
  const merged = mergeFragments(base, spec);

  const id = spec.id ?? base.id;
  if (typeof id !== 'string') report(['id'], 'The spec needs an "id", such as "async-ttl-cache-to-improved".', root);
  // The API surfaces the preset carries: such a package needs no install to be analysed.
  const api: Record<string, string> = {};
  const lastMajors: Record<string, number> = {};
  for (const [name, key] of Object.entries(merged.legacy?.api ?? {})) {
    const surface = apiSurfaceOf(key);
    if (surface) api[name] = surface;
    const major = Number(key.slice(key.lastIndexOf('@') + 1));
    if (Number.isInteger(major)) lastMajors[name] = major;
  }
  const legacyModules = merged.legacy?.modules;
  if (!merged.legacy) {
    report(['legacy'], 'The spec needs a "legacy" section naming the modules and exports being replaced.', root);
  } else if (!legacyModules || legacyModules.length === 0) {
    report(['legacy', 'modules'], '"legacy.modules" must name at least one file or package.', at(['legacy']) ?? root);
  }
  if (!merged.target?.module) {
    report(['target', 'module'], 'The spec needs "target.module", the module of the new API.', at(['target']) ?? root);
  }
  if (!merged.adapter?.module) {
    report(
      ['adapter', 'module'],
      'The spec needs "adapter.module", where the adapter lives (it is generated when missing).',
      at(['adapter']) ?? root,
    );
  }

  // Paths in the spec name workspace files: Stepwise reads, writes and generates only inside it.
  const confined = (jsonPath: JsonPath, written: unknown, what: string): boolean => {
    if (typeof written !== 'string') return true;
    const problem = workspacePathProblem(written);
    if (problem) report(jsonPath, `${what} "${written}" ${problem}.`, at(jsonPath) ?? at(['preset']));
    return !problem;
  };
  for (const [i, module] of (legacyModules ?? []).entries()) {
    const node = at(['legacy', 'modules', i]) ?? at(['preset']);
    if (!confined(['legacy', 'modules', i], module, 'The legacy module')) continue;
    if (env && !moduleExists(module, env) && !(isPackageSpecifier(module) && api[module])) {
      // A package not installed still has its imports and requires found; only its members need types.
      if (isPackageSpecifier(module))
        report(
          ['legacy', 'modules', i],
          `Legacy package "${module}" is not installed in this workspace (no node_modules/${module}), and no preset declares its API: its imports and requires are found, but member uses need its types installed or a preset.`,
          node,
          'warning',
        );
      else report(['legacy', 'modules', i], `Legacy module "${module}" does not exist in this workspace.`, node);
    }
  }
  const targetModule = merged.target?.module;
  const targetConfined = confined(['target', 'module'], targetModule, 'The target module');
  if (targetModule && targetConfined && env && !moduleExists(targetModule, env)) {
    report(
      ['target', 'module'],
      `Target module "${targetModule}" does not exist yet; adapter routing works, but the adapter and native rewrites need it.`,
      at(['target', 'module']) ?? at(['preset']),
      'warning',
    );
  }
  // A preset's default adapter path is TypeScript; a workspace without a tsconfig.json gets it as JavaScript.
  const adapterModule =
    spec.adapter?.module === undefined && base.adapter?.module && env && !env.fileExists('tsconfig.json')
      ? base.adapter.module.replace(/\.ts$/, '.js')
      : merged.adapter?.module;
  if (adapterModule) {
    if (isPackageSpecifier(adapterModule)) {
      report(
        ['adapter', 'module'],
        `"adapter.module" must be a workspace file path, not a package ("${adapterModule}").`,
        at(['adapter', 'module']),
      );
    } else if (!confined(['adapter', 'module'], adapterModule, 'The adapter module')) {
      // Said above.
    } else if ((legacyModules ?? []).includes(adapterModule) || adapterModule === targetModule) {
      report(['adapter', 'module'], 'The adapter module must differ from the legacy and target modules.', at(['adapter', 'module']));
    }
  }

  const members: Record<string, Record<string, MemberRule>> = {};
  for (const [owner, rules] of Object.entries(merged.members ?? {})) {
    members[owner] = {};
    for (const [member, rule] of Object.entries(rules)) {
      const path = ['members', owner, member];
      const actions = (['rename', 'replace', 'manual'] as const).filter((k) => typeof rule[k] === 'string');
      if (actions.length !== 1) {
        report(
          path,
          actions.length === 0
            ? `Member rule ${path.join('.')} needs one of "rename", "replace" or "manual".`
            : `Member rule ${path.join('.')} has both ${actions.map((a) => `"${a}"`).join(' and ')}; keep exactly one.`,
          keyOf(path) ?? at(['preset']),
        );
        continue;
      }
      const note = rule.note;
      const when = rule.when ? { when: contextCases(rule.when, path, 'member') } : {};
      if (actions[0] === 'rename') members[owner][member] = { kind: 'rename', to: rule.rename as string, note, ...when };
      else if (actions[0] === 'manual') members[owner][member] = { kind: 'manual', message: rule.manual as string, note, ...when };
      else {
        checkTemplate(rule.replace as string, [...path, 'replace'], 'member');
        members[owner][member] = { kind: 'replace', template: rule.replace as string, note, ...when };
      }
    }
  }
  const constructors: Record<string, ConstructorRule> = {};
  for (const [owner, rule] of Object.entries(merged.constructors ?? {})) {
    checkTemplate(rule.replace, ['constructors', owner, 'replace'], 'constructor');
    constructors[owner] = {
      template: rule.replace,
      note: rule.note,
      ...(rule.shared === true ? { shared: true } : {}),
      ...(rule.when ? { when: contextCases(rule.when, ['constructors', owner], 'constructor') } : {}),
    };
  }

  // `when` cases: files or a context named in "contexts" (or "tests"), and a template each.
  function contextCases(cases: RawWhenCase[], path: JsonPath, context: TemplateContext): ContextCase[] {
    return cases.map((written, i) => {
      const casePath = [...path, 'when', i];
      if ((written.files === undefined) === (written.context === undefined))
        report(
          casePath,
          `${casePath.join('.')} needs exactly one of "files" (glob patterns) or "context" (a name under "contexts", or "tests").`,
          at(casePath) ?? at(['preset']),
        );
      // A preset's case may name a context the spec does not define (`ai`): it then matches no file.
      else if (written.context !== undefined && written.context !== 'tests' && !merged.contexts?.[written.context] && at(casePath))
        report(
          [...casePath, 'context'],
          `${casePath.join('.')}.context "${written.context}" is not defined; name its files under "contexts" (known: ${['tests', ...Object.keys(merged.contexts ?? {})].join(', ')}).`,
          at([...casePath, 'context']) ?? at(['preset']),
        );
      checkTemplate(written.replace, [...casePath, 'replace'], context);
      return { files: written.files, context: written.context, template: written.replace, note: written.note };
    });
  }
  const contexts: Record<string, FileContext> = { tests: { globs: defaultTestGlobs, from: 'the usual test folders and names' } };
  for (const [name, globs] of Object.entries(merged.contexts ?? {})) contexts[name] = { globs, from: `the spec's contexts.${name}` };

  function checkTemplate(template: string, path: JsonPath, context: TemplateContext): void {
    const node = at(path);
    for (const placeholder of placeholdersOf(template)) {
      if (isKnownPlaceholder(placeholder.name, context)) continue;
      // Point at the placeholder itself when the string has no escapes before it.
      const span =
        node && text.slice(node.offset + 1, node.offset + 1 + placeholder.index) === template.slice(0, placeholder.index)
          ? { offset: node.offset + 1 + placeholder.index, length: placeholder.name.length + 2 }
          : undefined;
      report(
        path,
        `Unknown placeholder {${placeholder.name}} in ${path.join('.')}; known placeholders are ${knownPlaceholdersText(context)}.`,
        node ?? at(['preset']),
        'error',
        span,
      );
    }
  }

  if (problems.some((p) => p.severity === 'error')) return { problems };

  const verify = spec.verify ?? {};
  const result: MigrationSpec = {
    id: id as string,
    title: spec.title ?? merged.title ?? (id as string),
    preset: spec.preset,
    legacy: {
      modules: legacyModules ?? [],
      exports: merged.legacy?.exports ?? [],
      api,
      lastMajors,
      environment: merged.legacy?.environment ?? [],
    },
    target: { module: targetModule as string, exports: merged.target?.exports ?? [] },
    adapter: { module: adapterModule as string },
    members,
    shapes: spec.preset !== undefined ? (shapeRules[spec.preset] ?? []) : [],
    constructors,
    contexts,
    risk: { critical: spec.risk?.critical ?? [] },
    verify: {
      test: verify.test as string | undefined,
      typecheck: verify.typecheck as string | undefined,
      bench: verify.bench as string | undefined,
      benchTolerance: (verify.benchTolerance as number | undefined) ?? 0.1,
      logs: verify.logs as { glob: string; pattern: string } | undefined,
      timeoutSeconds: (verify.timeoutSeconds as number | undefined) ?? 600,
      baselineMaxAgeHours: (verify.baselineMaxAgeHours as number | undefined) ?? 24,
    },
    observation: {
      hours: spec.observation?.hours ?? 24,
      requireApproval: spec.observation?.requireApproval ?? true,
      minimumCalls: spec.observation?.minimumCalls ?? 200,
      stages: spec.observation?.stages ?? defaultStages,
      thresholds: {
        advance: { ...defaultThresholds.advance, ...spec.observation?.thresholds?.advance },
        pause: { ...defaultThresholds.pause, ...spec.observation?.thresholds?.pause },
        rollback: { ...defaultThresholds.rollback, ...spec.observation?.thresholds?.rollback },
      },
      compare: { ...defaultCompareRules, ...spec.observation?.compare },
      stageMinutes: spec.observation?.stageMinutes ?? 60,
      autoRollback: spec.observation?.autoRollback ?? false,
      sampleSeconds: spec.observation?.sampleSeconds ?? 60,
    },
    redis: spec.redis ? { url: spec.redis.url, prefix: spec.redis.prefix ?? 'stepwise:' } : undefined,
  };
  if (result.verify.logs) {
    if (!confined(['verify', 'logs', 'glob'], result.verify.logs.glob, 'The log glob')) return { problems };
    try {
      new RegExp(result.verify.logs.pattern);
    } catch (error) {
      report(
        ['verify', 'logs', 'pattern'],
        `"verify.logs.pattern" is not a valid regular expression: ${(error as Error).message}.`,
        at(['verify', 'logs', 'pattern']),
      );
      return { problems };
    }
  }
  return { spec: result, problems };
}

function moduleExists(module: string, env: SpecEnvironment): boolean {
  return isPackageSpecifier(module) ? env.packageExists(module) : env.fileExists(module);
}

/** Preset fields first, the spec's own fields win; objects merge one level deep. */
function mergeFragments(base: RawSpecFragment, own: RawSpecFragment): RawSpecFragment {
  const members: Record<string, Record<string, RawMemberRule>> = {};
  for (const source of [base.members ?? {}, own.members ?? {}]) {
    for (const [owner, rules] of Object.entries(source)) members[owner] = { ...members[owner], ...rules };
  }
  return {
    title: own.title ?? base.title,
    legacy: base.legacy || own.legacy ? { ...base.legacy, ...own.legacy } : undefined,
    target: base.target || own.target ? { ...base.target, ...own.target } : undefined,
    adapter: base.adapter || own.adapter ? { ...base.adapter, ...own.adapter } : undefined,
    members,
    constructors: { ...base.constructors, ...own.constructors },
    contexts: { ...base.contexts, ...own.contexts },
  };
}

function instancePath(error: ErrorObject): JsonPath {
  const path: JsonPath = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^[0-9]+$/.test(segment) ? Number(segment) : segment));
  if (error.keyword === 'additionalProperties') {
    path.push((error.params as { additionalProperty: string }).additionalProperty);
  }
  return path;
}

function schemaMessage(
  error: ErrorObject,
  path: JsonPath,
  at: (path: JsonPath) => JsonNode | undefined,
  keyOf: (path: JsonPath) => JsonNode | undefined,
): { message: string; node: JsonNode | undefined } {
  const where = path.length > 0 ? `"${path.join('.')}"` : 'The spec';
  const node = at(path);
  switch (error.keyword) {
    case 'enum':
      if (path.join('.') === 'preset') {
        return {
          message: `Unknown preset "${String(node?.value)}"; known presets are ${Object.keys(presets).join(', ')}.`,
          node,
        };
      }
      return {
        message: `${where} must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}.`,
        node,
      };
    case 'additionalProperties':
      return { message: `Unknown property ${where}; check its spelling against the schema.`, node: keyOf(path) ?? node };
    case 'type':
      return { message: `${where} must be ${withArticle((error.params as { type: string }).type)}.`, node };
    case 'required':
      return {
        message: `${where} needs "${(error.params as { missingProperty: string }).missingProperty}".`,
        node,
      };
    case 'pattern':
      return { message: `${where} does not have the expected form (${error.params.pattern as string}).`, node };
    default:
      return { message: `${where} ${error.message ?? 'is invalid'}.`, node };
  }
}

function withArticle(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describeParseError(code: string): string {
  return code
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/^invalid symbol$/, 'unexpected character')
    .replace(/^end of file expected$/, 'unexpected text after the end of the object');
}
