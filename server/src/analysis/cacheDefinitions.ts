import { ts } from 'ts-morph';

/** Names that sound like a cache. */
export const cacheLike = /cache|lru|ttl|memo|store|redis/i;
const cacheMembers = new Set(['get', 'set', 'del', 'delete', 'has', 'clear', 'reset', 'peek', 'wrap']);

/** Cache classes a file declares (a cache-like name with cache methods) and cache-like classes it constructs. */
export function cacheDefinitions(rel: string, text: string): { classes: string[]; constructs: string[] } {
  const classes = new Set<string>();
  const constructs = new Set<string>();
  if (!/class|new\s/.test(text)) return { classes: [], constructs: [] };
  const sf = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, false, rel.endsWith('x') ? ts.ScriptKind.TSX : undefined);
  const visit = (node: ts.Node): void => {
    if ((ts.isClassDeclaration(node) || ts.isClassExpression(node)) && node.name && cacheLike.test(node.name.text)) {
      const members = node.members.map((m) => (m.name && ts.isIdentifier(m.name) ? m.name.text : '')).filter((n) => cacheMembers.has(n));
      if (members.length >= 2) classes.add(node.name.text);
    }
    if (ts.isNewExpression(node)) {
      const callee = node.expression;
      const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
      if (name && cacheLike.test(name) && !/^(Map|WeakMap|Set)$/.test(name)) constructs.add(name);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  for (const name of classes) constructs.delete(name);
  return { classes: [...classes], constructs: [...constructs] };
}
