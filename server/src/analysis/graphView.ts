/** The parts of the import graph the pure analysis functions read. */
export interface GraphView {
  dependencies(file: string): string[];
  dependents(file: string): string[];
  transitiveDependencies(file: string): string[];
  transitiveDependents(file: string): string[];
}

const testPattern = /(^|\/)(test|tests|__tests__|spec|specs)\/|\.(test|spec)\.[cm]?[jt]sx?$/;

/** Whether a workspace path is a test file (by folder or by name). */
export function isTestFile(path: string): boolean {
  return testPattern.test(path);
}

/** Test files that import `path`, directly or through other files. */
export function testsCovering(path: string, graph: GraphView): string[] {
  return graph.transitiveDependents(path).filter(isTestFile);
}
