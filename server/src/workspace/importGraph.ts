/**
 * The workspace import graph: each file's direct dependencies (workspace files and packages) and
 * the reverse edges. Built from the specifier scan, kept current file by file.
 */
export class ImportGraph {
  private readonly forward = new Map<string, Set<string>>();
  private readonly packages = new Map<string, Set<string>>();
  private readonly reverse = new Map<string, Set<string>>();
  private readonly packageUsers = new Map<string, Set<string>>();

  setEdges(file: string, files: Iterable<string>, packages: Iterable<string>): void {
    this.removeFile(file, false);
    const out = new Set(files);
    out.delete(file);
    this.forward.set(file, out);
    for (const dep of out) this.addTo(this.reverse, dep, file);
    const pkgs = new Set(packages);
    this.packages.set(file, pkgs);
    for (const pkg of pkgs) this.addTo(this.packageUsers, pkg, file);
  }

  /** Drops a file's own edges; with `asTarget`, also forgets that others import it. */
  removeFile(file: string, asTarget = true): void {
    for (const dep of this.forward.get(file) ?? []) this.reverse.get(dep)?.delete(file);
    for (const pkg of this.packages.get(file) ?? []) this.packageUsers.get(pkg)?.delete(file);
    this.forward.delete(file);
    this.packages.delete(file);
    if (asTarget) this.reverse.delete(file);
  }

  has(file: string): boolean {
    return this.forward.has(file);
  }

  files(): string[] {
    return [...this.forward.keys()];
  }

  dependencies(file: string): string[] {
    return [...(this.forward.get(file) ?? [])].sort();
  }

  packagesOf(file: string): string[] {
    return [...(this.packages.get(file) ?? [])].sort();
  }

  dependents(file: string): string[] {
    return [...(this.reverse.get(file) ?? [])].sort();
  }

  usersOfPackage(name: string): string[] {
    return [...(this.packageUsers.get(name) ?? [])].sort();
  }

  transitiveDependencies(file: string): string[] {
    return this.closure(file, this.forward);
  }

  transitiveDependents(file: string): string[] {
    return this.closure(file, this.reverse);
  }

  private closure(start: string, edges: Map<string, Set<string>>): string[] {
    const seen = new Set<string>();
    const stack = [...(edges.get(start) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop() as string;
      if (next === start || seen.has(next)) continue;
      seen.add(next);
      for (const n of edges.get(next) ?? []) if (!seen.has(n)) stack.push(n);
    }
    return [...seen].sort();
  }

  private addTo(map: Map<string, Set<string>>, key: string, value: string): void {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(value);
  }
}
