import { ts } from 'ts-morph';

const { SyntaxKind } = ts;

/** One read or write of an environment variable: `process.env.CACHE_TYPE`, `process.env['REDIS_URL']`, `{ REDIS_URL } = process.env`. */
export interface EnvAccess {
  name: string;
  access: 'read' | 'write';
  line: number;
  column: number;
  start: number;
  end: number;
}

/**
 * Every environment variable a file reads or writes through `process.env`, from its syntax alone
 * (files that never say `process.env` are not parsed). Dynamic names (`process.env[key]`) are
 * not counted: they name no variable.
 */
export function environmentAccesses(fileName: string, text: string): EnvAccess[] {
  if (!text.includes('process.env')) return [];
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, scriptKindOf(fileName));
  const found: EnvAccess[] = [];
  const add = (name: string, node: ts.Node, access: EnvAccess['access']): void => {
    const start = node.getStart(sf);
    const pos = sf.getLineAndCharacterOfPosition(start);
    found.push({ name, access, line: pos.line + 1, column: pos.character + 1, start, end: node.getEnd() });
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) && isProcessEnv(node.expression)) {
      const name = ts.isPropertyAccessExpression(node)
        ? node.name.text
        : ts.isStringLiteralLike(node.argumentExpression)
          ? node.argumentExpression.text
          : undefined;
      if (name !== undefined) add(name, node, isWritten(node) ? 'write' : 'read');
    } else if (
      ts.isVariableDeclaration(node) &&
      node.initializer &&
      isProcessEnv(node.initializer) &&
      ts.isObjectBindingPattern(node.name)
    ) {
      for (const element of node.name.elements) {
        const key = element.propertyName ?? element.name;
        if (ts.isIdentifier(key) || ts.isStringLiteral(key)) add(key.text, element, 'read');
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function isProcessEnv(node: ts.Node): boolean {
  return (
    ts.isPropertyAccessExpression(node) &&
    node.name.text === 'env' &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === 'process'
  );
}

/** Whether an access is assigned to (`=`, `+=`, `??=`…) or deleted. */
function isWritten(node: ts.Node): boolean {
  const parent = node.parent;
  if (ts.isBinaryExpression(parent) && parent.left === node)
    return parent.operatorToken.kind >= SyntaxKind.FirstAssignment && parent.operatorToken.kind <= SyntaxKind.LastAssignment;
  return ts.isDeleteExpression(parent);
}

function scriptKindOf(fileName: string): ts.ScriptKind {
  if (/\.[cm]?tsx$/.test(fileName)) return ts.ScriptKind.TSX;
  if (/\.[cm]?ts$/.test(fileName)) return ts.ScriptKind.TS;
  if (/\.jsx$/.test(fileName)) return ts.ScriptKind.JSX;
  return ts.ScriptKind.JS;
}

/** Names of cache configuration whatever the legacy module reads: `CACHE_*` and `REDIS_*`. */
export const cacheVariablePattern = /^(CACHE|REDIS)_[A-Z0-9_]*$/;
