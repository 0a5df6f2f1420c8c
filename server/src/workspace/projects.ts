import * as path from 'node:path';
import { Project, ts } from 'ts-morph';
import type { SourceFile } from 'ts-morph';
import { BuildFileSystem } from './buildFileSystem';
import { majorOf, PackageVersions } from './packageVersions';
import type { WorkspacePaths } from './paths';

interface ConfiguredProject {
  /** Workspace-relative folder of the tsconfig ('' for the root or the default project). */
  dir: string;
  options: ts.CompilerOptions;
  /** Declaration files the config includes (ambient module and global declarations). */
  declarations: string[];
  project: Project | undefined;
}

/** Options for a folder without tsconfig/jsconfig: enough to resolve and type JS and TS. */
const defaultOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  esModuleInterop: true,
  skipLibCheck: true,
};

/**
 * Gives a source file new text by replacing its compiler node, the way ts-morph's own overwrite
 * does but without first listing the file's children: on a long single-line file (a minified
 * bundle) that listing parses comments around every statement from the line's start, which is
 * quadratic — minutes for one file. Stepwise reads only the compiler nodes, never ts-morph's
 * wrappers of a file's children, so there are none to forget. False when this ts-morph has no
 * such factory (then the caller overwrites the usual way).
 */
function replaceText(project: Project, sourceFile: SourceFile, text: string): boolean {
  const factory = (project as unknown as { _context?: { compilerFactory?: CompilerFactory } })._context?.compilerFactory;
  if (typeof factory?.replaceCompilerNode !== 'function' || typeof factory.createCompilerSourceFileFromText !== 'function') return false;
  factory.replaceCompilerNode(sourceFile, factory.createCompilerSourceFileFromText(sourceFile.getFilePath(), text, undefined));
  return true;
}

/**
 * A JavaScript file requiring a workspace module that has a hand-written declaration beside it
 * (`get-jwks.d.ts` next to `get-jwks.js`) gets what Node gives it, the JavaScript, and its types as
 * TypeScript infers them: such declarations often describe the module for TypeScript callers only
 * (an `export default` where the file sets `module.exports`), so through them a CommonJS caller's
 * legacy instances would be lost. TypeScript callers keep the declaration.
 */
function preferJavaScript(
  resolved: ts.ResolvedModuleFull | undefined,
  name: string,
  containingFile: string,
  host: ts.ModuleResolutionHost,
): ts.ResolvedModuleFull | undefined {
  if (!resolved || !name.startsWith('.') || !/\.[cm]?jsx?$/.test(containingFile)) return resolved;
  const declaration = /\.d\.([cm]?)ts$/.exec(resolved.resolvedFileName);
  if (!declaration || resolved.resolvedFileName.includes(`${path.sep}node_modules${path.sep}`)) return resolved;
  const js = resolved.resolvedFileName.replace(/\.d\.[cm]?ts$/, `.${declaration[1]}js`);
  if (!host.fileExists(js)) return resolved;
  const extension = declaration[1] === 'm' ? ts.Extension.Mjs : declaration[1] === 'c' ? ts.Extension.Cjs : ts.Extension.Js;
  return { resolvedFileName: js, extension, isExternalLibraryImport: false };
}

interface CompilerFactory {
  replaceCompilerNode(node: SourceFile, compilerNode: ts.SourceFile): void;
  createCompilerSourceFileFromText(filePath: string, text: string, scriptKind: ts.ScriptKind | undefined): ts.SourceFile;
}

/**
 * The ts-morph projects of the workspace: one per tsconfig.json/jsconfig.json, each file in the
 * project of its nearest config. Created in this one place, kept for the life of the server;
 * files are added or refreshed one by one, never rebuilt wholesale.
 */
export class ProjectSet {
  private configured: ConfiguredProject[] = [];
  /** One file system for every project, remembering what exists while a program is built. */
  private readonly fileSystem = new BuildFileSystem();

  constructor(private readonly paths: WorkspacePaths) {
    this.versions = new PackageVersions(paths.root);
    this.setConfigs([]);
  }

  /** (Re)reads the config files; existing projects are dropped only if the set changed. */
  setConfigs(configs: string[]): void {
    const dirs = configs.map((c) => (c.includes('/') ? c.slice(0, c.lastIndexOf('/')) : ''));
    const byDir = new Map<string, string>();
    configs.forEach((c, i) => {
      // tsconfig.json wins over jsconfig.json in the same folder.
      if (!byDir.has(dirs[i]) || c.endsWith('tsconfig.json')) byDir.set(dirs[i], c);
    });
    if (!byDir.has('')) byDir.set('', '');
    const next: ConfiguredProject[] = [];
    for (const [dir, config] of byDir) {
      const existing = this.configured.find((p) => p.dir === dir);
      const { options, declarations } = this.readConfig(config);
      next.push({ dir, options, declarations, project: existing?.project });
    }
    // Deepest folders first, so `projectOf` finds the nearest config.
    next.sort((a, b) => b.dir.length - a.dir.length);
    this.configured = next;
  }

  /** Legacy packages' declared APIs in every project (package → declaration file, text, last legacy major). */
  private surfaces = new Map<string, { file: string; text: string; lastMajor?: number }>();
  readonly versions: PackageVersions;

  /**
   * Puts the legacy packages' API surfaces a preset carries into every project, as module
   * declaration files in memory (`node_modules/.stepwise-api/<name>/index.d.ts`), and resolves
   * the package's name to them from every file that needs them: where the package is not
   * installed with types, or where the copy installed (often a hoisted one) is of a later major
   * than the file's own package asks for. Installed types of a legacy version stay the truth, and a
   * file whose package depends on the new major resolves as installed. Returns the declaration
   * files' absolute names, by package.
   */
  setApiSurfaces(surfaces: Record<string, string>, lastMajors: Record<string, number> = {}): Map<string, string> {
    const next = new Map<string, { file: string; text: string; lastMajor?: number }>();
    for (const [name, body] of Object.entries(surfaces)) {
      const file = this.paths.toAbsolute(`node_modules/.stepwise-api/${name.replace(/[^\w.@-]+/g, '_')}/index.d.ts`);
      next.set(name, {
        file,
        text: `// The API of ${name} as Stepwise's preset declares it, for files that do not have it installed.\n${body}\n`,
        lastMajor: lastMajors[name],
      });
    }
    for (const configured of this.configured) {
      const project = configured.project;
      if (!project) continue;
      for (const [name, old] of this.surfaces) {
        if (next.get(name)?.text === old.text) continue;
        const sf = project.getSourceFile(old.file);
        if (sf) project.removeSourceFile(sf);
      }
      for (const [name, surface] of next)
        if (this.surfaces.get(name)?.text !== surface.text) project.createSourceFile(surface.file, surface.text, { overwrite: true });
    }
    const changed = [...next.keys(), ...this.surfaces.keys()].some((n) => next.get(n)?.text !== this.surfaces.get(n)?.text);
    this.surfaces = next;
    if (changed) this.resolutions.clear();
    return new Map([...next].map(([name, surface]) => [name, surface.file]));
  }

  /** The preset's surface file for a legacy package, if it carries one. */
  surfaceFileOf(name: string): string | undefined {
    return this.surfaces.get(name)?.file;
  }

  /** Whether a file of an installed package (or its `@types`) is of a version the preset migrates from. */
  isLegacyInstall(fileName: string, name: string): boolean {
    const lastMajor = this.surfaces.get(name)?.lastMajor;
    if (lastMajor === undefined) return true;
    const major = majorOf(this.versions.installedVersion(fileName, name));
    return major === undefined || major <= lastMajor;
  }

  /** Whether a file's own package asks for a later major of `name` than the preset migrates from. */
  isPastLegacy(absoluteFile: string, name: string): boolean {
    const lastMajor = this.surfaces.get(name)?.lastMajor;
    if (lastMajor === undefined) return false;
    const major = majorOf(this.versions.declaredRange(absoluteFile, name));
    return major !== undefined && major > lastMajor;
  }

  /** package.json files changed: versions are read again, and names resolved again. */
  packagesChanged(): void {
    this.versions.clear();
    this.resolutions.clear();
  }

  /** Resolutions of surfaced package names, per folder and name. */
  private readonly resolutions = new Map<string, ts.ResolvedModuleFull | undefined>();

  private resolveModule(
    name: string,
    containingFile: string,
    options: ts.CompilerOptions,
    host: ts.ModuleResolutionHost,
  ): ts.ResolvedModuleFull | undefined {
    const surface = this.surfaces.get(name);
    if (!surface)
      return preferJavaScript(ts.resolveModuleName(name, containingFile, options, host).resolvedModule, name, containingFile, host);
    const key = `${path.dirname(containingFile)}\0${name}`;
    if (this.resolutions.has(key)) return this.resolutions.get(key);
    const installed = ts.resolveModuleName(name, containingFile, options, host).resolvedModule;
    let result: ts.ResolvedModuleFull | undefined;
    if (installed && /\.d\.[cm]?ts$/.test(installed.resolvedFileName) && this.isLegacyInstall(installed.resolvedFileName, name))
      result = installed; // installed with types of a legacy version: those are the truth
    else if (this.isPastLegacy(containingFile, name))
      result = installed; // this file's package is on the new major
    else result = { resolvedFileName: surface.file, extension: ts.Extension.Dts, isExternalLibraryImport: true };
    this.resolutions.set(key, result);
    return result;
  }

  optionsFor(relative: string): ts.CompilerOptions {
    return this.configOf(relative).options;
  }

  /** Puts the file's current text in its project (adding the file when it isn't there). */
  setText(relative: string, text: string): void {
    const project = this.projectOf(relative);
    const absolute = this.paths.toAbsolute(relative);
    const existing = project.getSourceFile(absolute) ?? project.addSourceFileAtPathIfExists(absolute);
    if (existing && existing.getFullText() === text) return;
    if (existing && replaceText(project, existing, text)) return;
    project.createSourceFile(absolute, text, { overwrite: true });
  }

  has(relative: string): boolean {
    return this.projectOf(relative).getSourceFile(this.paths.toAbsolute(relative)) !== undefined;
  }

  remove(relative: string): void {
    for (const configured of this.configured) {
      const sf = configured.project?.getSourceFile(this.paths.toAbsolute(relative));
      if (sf) configured.project?.removeSourceFile(sf);
    }
  }

  /**
   * Builds each project's program once more, from the same texts: the first rebuild after a cold
   * index costs several times the later ones (TypeScript's reuse of the old program runs for the
   * first time), so the index pays it before it says it is ready, not the first edit.
   */
  warmRebuild(): void {
    for (const configured of this.configured) {
      const project = configured.project;
      const sf = project?.getSourceFiles().find((f) => this.paths.contains(f.getFilePath()));
      if (!project || !sf || !replaceText(project, sf, sf.getFullText())) continue;
      this.fileSystem.during(() => project.getProgram().compilerObject);
    }
  }

  /** The program containing the file (rebuilt incrementally by the language service when stale). */
  programFor(relative: string): ts.Program {
    const project = this.projectOf(relative);
    return this.fileSystem.during(() => project.getProgram().compilerObject);
  }

  sourceFileIn(program: ts.Program, relative: string): ts.SourceFile | undefined {
    return program.getSourceFile(this.paths.toAbsolute(relative));
  }

  /** Syntactic and semantic errors of one file, as TypeScript reports them. */
  errorsOf(relative: string): ts.Diagnostic[] {
    const program = this.programFor(relative);
    const sf = this.sourceFileIn(program, relative);
    if (!sf) return [];
    return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].filter(
      (d) => d.category === ts.DiagnosticCategory.Error,
    );
  }

  /** Resolves a package's entry declaration file from a folder's point of view. */
  resolvePackageEntry(name: string, fromRelative = 'package.json'): string | undefined {
    const containing = this.paths.toAbsolute(fromRelative);
    const result = ts.resolveModuleName(name, containing, this.optionsFor(fromRelative), ts.sys);
    return result.resolvedModule?.resolvedFileName;
  }

  /** Whether top-level `await` is legal in this file under its project's options. */
  allowsTopLevelAwait(relative: string, sf: ts.SourceFile): boolean {
    if (!ts.isExternalModule(sf)) return false;
    const module = this.optionsFor(relative).module ?? ts.ModuleKind.CommonJS;
    if (module === ts.ModuleKind.ES2022 || module === ts.ModuleKind.ESNext || module === ts.ModuleKind.Preserve) return true;
    if (module >= ts.ModuleKind.Node16 && module <= ts.ModuleKind.NodeNext) {
      // A file given new text keeps no implied format of its own: ask as the compiler would.
      const format =
        sf.impliedNodeFormat ??
        ts.getImpliedNodeFormatForFile(this.paths.toAbsolute(relative), undefined, ts.sys, this.optionsFor(relative));
      return format === ts.ModuleKind.ESNext;
    }
    return false;
  }

  /** How new relative specifiers should end in this file: `.js` for native ES modules under Node16/NodeNext. */
  extensionStyleFor(relative: string): 'none' | 'js' | 'ts' {
    const options = this.optionsFor(relative);
    if (options.allowImportingTsExtensions) return 'ts';
    const module = options.module ?? ts.ModuleKind.CommonJS;
    if (module >= ts.ModuleKind.Node16 && module <= ts.ModuleKind.NodeNext) {
      const format = ts.getImpliedNodeFormatForFile(this.paths.toAbsolute(relative), undefined, ts.sys, options);
      if (format === ts.ModuleKind.ESNext) return 'js';
    }
    return 'none';
  }

  private configOf(relative: string): ConfiguredProject {
    return (
      this.configured.find((p) => p.dir === '' || relative === p.dir || relative.startsWith(`${p.dir}/`)) ??
      this.configured[this.configured.length - 1]
    );
  }

  private projectOf(relative: string): Project {
    const configured = this.configOf(relative);
    if (!configured.project) {
      configured.project = new Project({
        fileSystem: this.fileSystem,
        compilerOptions: configured.options,
        skipAddingFilesFromTsConfig: true,
        skipFileDependencyResolution: true,
        // Legacy package names may lead to the preset's surface instead of what is installed.
        resolutionHost: (host, getOptions) => ({
          resolveModuleNames: (names, containingFile) => names.map((n) => this.resolveModule(n, containingFile, getOptions(), host)),
        }),
      });
      for (const declaration of configured.declarations) configured.project.addSourceFileAtPathIfExists(declaration);
      for (const surface of this.surfaces.values()) configured.project.createSourceFile(surface.file, surface.text, { overwrite: true });
    }
    return configured.project;
  }

  private readConfig(config: string): { options: ts.CompilerOptions; declarations: string[] } {
    const fallback = { options: { ...defaultOptions, allowJs: true, noEmit: true }, declarations: [] };
    if (config === '') return fallback;
    const absolute = this.paths.toAbsolute(config);
    const read = ts.readConfigFile(absolute, (file) => ts.sys.readFile(file));
    if (read.error || !read.config) return fallback;
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(absolute), undefined, absolute);
    return {
      // JS files are analysed too, and nothing is ever emitted from here.
      options: { ...parsed.options, allowJs: true, noEmit: true, composite: false, incremental: false, tsBuildInfoFile: undefined },
      // Source files are added one by one as they are needed, but ambient declarations (a
      // project's own `declare module 'x'` files) must always be there, as they are for tsc.
      declarations: parsed.fileNames
        .filter((f) => /\.d\.[cm]?ts$/.test(f) && !f.includes(`${path.sep}node_modules${path.sep}`))
        .slice(0, 500),
    };
  }
}
