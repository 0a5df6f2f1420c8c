import * as path from 'node:path';
import { ts } from 'ts-morph';
import type { MigrationSpec } from '../spec/types';
import { TargetFactories } from './factoryShape';
import type { DeclarationRef } from './types';

/** Where a module specifier leads, as the analysis needs to know it. */
export type ModuleTarget = { kind: 'file'; path: string } | { kind: 'package'; name: string } | { kind: 'unresolved'; specifier: string };

/** Where legacy packages' APIs come from: the preset's surfaces, and which installed copies are of a legacy version. */
export interface LegacyPackages {
  surfaceFileOf(name: string): string | undefined;
  isLegacyInstall(fileName: string, name: string): boolean;
}

/** A set of modules treated as "legacy": the spec's legacy modules, or the adapter in cleanup. */
export interface LegacyModules {
  /** Workspace-relative files. */
  files: Set<string>;
  packages: Set<string>;
  /** Export names that count as usages; empty means every export. */
  exports: string[];
}

/**
 * Answers "is this symbol or type part of the legacy API?" for one program. Rebuilt whenever the
 * program changes (symbols belong to one type checker), which is cheap: it reads the legacy
 * modules' export tables only.
 */
export class LegacyContext {
  /** Resolved export symbol → name under which a legacy module exports it. */
  private readonly exportNames = new Map<ts.Symbol, string>();
  private readonly legacyFileNames = new Set<string>();
  private readonly packageDirs: string[];
  readonly moduleLabel: string;

  constructor(
    readonly program: ts.Program,
    readonly checker: ts.TypeChecker,
    readonly modules: LegacyModules,
    readonly spec: MigrationSpec,
    private readonly toRelative: (absolute: string) => string,
    private readonly resolvePackageEntry: (name: string) => string | undefined,
    private readonly packages: LegacyPackages = { surfaceFileOf: () => undefined, isLegacyInstall: () => true },
  ) {
    this.packageDirs = [...modules.packages].flatMap((name) => [
      `/node_modules/${name}/`,
      `/node_modules/@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}/`,
    ]);
    const entryFiles: ts.SourceFile[] = [];
    for (const sf of program.getSourceFiles()) {
      const rel = toRelative(sf.fileName);
      if (modules.files.has(rel)) {
        this.legacyFileNames.add(sf.fileName);
        entryFiles.push(sf);
      }
    }
    const moduleSymbols: ts.Symbol[] = [];
    for (const name of modules.packages) {
      // Installed types count when they are of a version the preset migrates from.
      const entry = resolvePackageEntry(name);
      const sf = entry && packages.isLegacyInstall(entry, name) ? program.getSourceFile(entry) : undefined;
      if (sf) entryFiles.push(sf);
      // The API surface a preset declares, for the files that resolve the package to it.
      const surfaceFile = packages.surfaceFileOf(name);
      const surface = surfaceFile ? program.getSourceFile(surfaceFile) : undefined;
      if (surface) {
        this.legacyFileNames.add(surface.fileName);
        entryFiles.push(surface);
      }
    }
    for (const sf of entryFiles) {
      const symbol = checker.getSymbolAtLocation(sf) ?? (sf as { symbol?: ts.Symbol }).symbol;
      if (symbol) moduleSymbols.push(symbol);
    }
    for (const moduleSymbol of moduleSymbols) {
      for (const exported of checker.getExportsOfModule(moduleSymbol)) {
        const resolved = this.resolveAlias(exported);
        const name = exported.name === 'default' || exported.name === 'export=' ? (declaredName(resolved) ?? exported.name) : exported.name;
        if (!this.exportNames.has(resolved)) this.exportNames.set(resolved, name);
      }
      // `export =` modules: the exported class is also reachable as the module's default.
      const exportEquals = moduleSymbol.exports?.get('export=' as ts.__String);
      if (exportEquals) {
        const resolved = this.resolveAlias(exportEquals);
        if (!this.exportNames.has(resolved)) this.exportNames.set(resolved, declaredName(resolved) ?? 'default');
      }
    }
    this.moduleLabel = [...modules.files, ...modules.packages].join(', ');
  }

  /** Whether an export name counts as a usage (the spec's `exports` filter). */
  isTracked(name: string): boolean {
    return this.modules.exports.length === 0 || this.modules.exports.includes(name);
  }

  isLegacyModule(target: ModuleTarget): boolean {
    if (target.kind === 'file') return this.modules.files.has(target.path);
    if (target.kind === 'package') return this.modules.packages.has(target.name);
    return false;
  }

  /** Whether a declaration file or source file belongs to the legacy API. */
  isLegacyFile(fileName: string): boolean {
    if (this.legacyFileNames.has(fileName)) return true;
    const known = this.legacyFiles.get(fileName);
    if (known !== undefined) return known;
    const legacy = this.isLegacyPackageFile(fileName);
    this.legacyFiles.set(fileName, legacy);
    return legacy;
  }

  private readonly legacyFiles = new Map<string, boolean>();

  private isLegacyPackageFile(fileName: string): boolean {
    if (this.packageDirs.length === 0) return false;
    const normalized = fileName.split(path.sep).join('/');
    const index = this.packageDirs.findIndex((dir) => normalized.includes(dir));
    if (index < 0) return false;
    // A hoisted copy of the new major is not the legacy API.
    return this.packages.isLegacyInstall(fileName, [...this.modules.packages][Math.floor(index / 2)]);
  }

  resolveAlias(symbol: ts.Symbol): ts.Symbol {
    let current = symbol;
    for (let i = 0; i < 20 && current.flags & ts.SymbolFlags.Alias; i++) {
      const next = this.checker.getAliasedSymbol(current);
      if (!next || next === current) break;
      current = next;
    }
    return current;
  }

  /** The legacy export name a symbol (after aliases) stands for, if any. */
  exportNameOf(symbol: ts.Symbol | undefined): string | undefined {
    if (!symbol) return undefined;
    const resolved = this.resolveAlias(symbol);
    const name = this.exportNames.get(resolved);
    if (name !== undefined) return name;
    // Merged declarations (class + namespace, value + type) resolve to a sibling symbol.
    const declaration = resolved.declarations?.[0];
    if (declaration && this.isLegacyFile(declaration.getSourceFile().fileName) && isModuleLevel(declaration)) {
      return resolved.name;
    }
    return undefined;
  }

  /** The legacy export name of the symbol at a node (identifier, property name…). */
  exportNameAt(node: ts.Node): string | undefined {
    return this.exportNameOf(this.checker.getSymbolAtLocation(node));
  }

  /**
   * When `type` is an instance of a legacy class or interface (possibly `| undefined` or a union
   * of legacy types), the name of that class or interface.
   */
  instanceOwner(type: ts.Type): string | undefined {
    const candidates = type.isUnion() ? type.types : [type];
    let owner: string | undefined;
    for (const t of candidates) {
      if (t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)) continue;
      const symbol = t.getSymbol() ?? t.aliasSymbol;
      if (!symbol || !(symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface))) return undefined;
      if (t.getConstructSignatures().length > 0) return undefined;
      const declaration = symbol.declarations?.[0];
      if (!declaration || !this.isLegacyFile(declaration.getSourceFile().fileName)) return undefined;
      const name = this.exportNames.get(symbol) ?? symbol.name;
      if (!this.isTracked(name)) return undefined;
      if (owner !== undefined && owner !== name) return undefined;
      owner = name;
    }
    return owner;
  }

  /** Whether a type is (or is a union with) a legacy instance type. */
  isLegacyInstance(type: ts.Type): boolean {
    return this.instanceOwner(type) !== undefined;
  }

  /** Where a legacy export is declared, for "related information" on diagnostics. */
  declarationOf(exportName: string): DeclarationRef | undefined {
    for (const [symbol, name] of this.exportNames) {
      if (name !== exportName) continue;
      const declaration = symbol.declarations?.[0];
      if (!declaration) continue;
      const sf = declaration.getSourceFile();
      const nameNode = (declaration as { name?: ts.Node }).name ?? declaration;
      const start = nameNode.getStart(sf);
      const pos = sf.getLineAndCharacterOfPosition(start);
      return { path: this.toRelative(sf.fileName), start, end: nameNode.getEnd(), line: pos.line + 1, column: pos.character + 1 };
    }
    return undefined;
  }

  private members: Set<string> | undefined;

  /**
   * Every member name a legacy class or interface declares, plus the spec's member rules: a member
   * access with another name cannot be a legacy member use, so it skips the type checker.
   * Computed once per program.
   */
  memberNames(): Set<string> {
    if (this.members) return this.members;
    const names = new Set<string>();
    for (const rules of Object.values(this.spec.members)) for (const member of Object.keys(rules)) names.add(member);
    for (const sf of this.program.getSourceFiles()) {
      if (!this.isLegacyFile(sf.fileName)) continue;
      const visit = (n: ts.Node): void => {
        if (ts.isClassDeclaration(n) || ts.isInterfaceDeclaration(n) || ts.isClassExpression(n)) {
          for (const member of n.members) {
            if (member.name && (ts.isIdentifier(member.name) || ts.isStringLiteral(member.name))) names.add(member.name.text);
          }
        }
        ts.forEachChild(n, visit);
      };
      visit(sf);
    }
    this.members = names;
    return names;
  }

  private factories: TargetFactories | undefined;

  /**
   * How the target module's factory methods are called (static, on an instance, awaited), when
   * the target module is part of this program; undefined otherwise (templates stay as written).
   */
  targetFactories(): TargetFactories | undefined {
    if (this.factories) return this.factories;
    const target = this.spec.target.module;
    if (!target) return undefined;
    const entry = /^[./]|\.[cm]?[jt]sx?$/.test(target) ? undefined : this.resolvePackageEntry(target);
    const sf = entry
      ? this.program.getSourceFile(entry)
      : this.program.getSourceFiles().find((f) => this.toRelative(f.fileName) === target);
    if (!sf) return undefined;
    this.factories = new TargetFactories(this.checker, sf, (symbol) => this.resolveAlias(symbol));
    return this.factories;
  }

  /** The module-level names the legacy modules export (for the text prefilter and reports). */
  exportedNames(): string[] {
    return [...new Set(this.exportNames.values())];
  }
}

function declaredName(symbol: ts.Symbol): string | undefined {
  const declaration = symbol.declarations?.[0] as { name?: ts.Node } | undefined;
  return declaration?.name && ts.isIdentifier(declaration.name) ? declaration.name.text : undefined;
}

function isModuleLevel(declaration: ts.Node): boolean {
  let parent = declaration.parent;
  while (parent && (ts.isVariableDeclarationList(parent) || ts.isVariableStatement(parent))) parent = parent.parent;
  return !parent || ts.isSourceFile(parent) || ts.isModuleBlock(parent);
}
