import * as path from 'node:path';

/** How relative specifiers end in a file: no extension, the emitted `.js`, or the source `.ts`. */
export type ExtensionStyle = 'none' | 'js' | 'ts';

const sourceExtension = /\.(d\.)?(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

/** The extension style an existing relative specifier uses; undefined for package specifiers. */
export function styleOf(specifier: string): ExtensionStyle | undefined {
  if (!specifier.startsWith('.')) return undefined;
  if (/\.(m|c)?js$|\.jsx$/.test(specifier)) return 'js';
  if (/\.(m|c)?ts$|\.tsx$/.test(specifier)) return 'ts';
  return 'none';
}

/** The specifier that leads from one workspace file to another, in the given style. */
export function relativeSpecifier(fromRel: string, toRel: string, style: ExtensionStyle): string {
  let rel = path.posix.relative(path.posix.dirname(fromRel), toRel);
  if (!rel.startsWith('.')) rel = `./${rel}`;
  const match = sourceExtension.exec(rel);
  if (!match) return rel;
  const bare = rel.slice(0, match.index);
  const ext = match[0];
  if (style === 'ts') return rel;
  // `./dir/index` resolves as `./dir` under the resolution modes that allow extensionless specifiers.
  if (style === 'none') {
    const folder = bare.endsWith('/index') ? bare.slice(0, -'/index'.length) : undefined;
    return folder && folder !== '.' && folder !== '..' && !folder.endsWith('/..') ? folder : bare;
  }
  const emitted: Record<string, string> = { '.ts': '.js', '.tsx': '.js', '.mts': '.mjs', '.cts': '.cjs', '.jsx': '.js' };
  return bare + (emitted[ext] ?? ext);
}
