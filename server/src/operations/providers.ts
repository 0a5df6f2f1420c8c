import type { FileAnalysis, RoutingIssue } from '../analysis/types';
import type { WorkspaceIndex } from '../workspace/workspaceIndex';

/**
 * The files that consume what a dependency-injection provider hands out: the classes that
 * `@Inject(token)` it, the handlers that read `locals.name`. They do not import the provider,
 * so the import graph does not know them; their text does.
 */
export function providerConsumers(index: WorkspaceIndex, path: string, token: NonNullable<RoutingIssue['token']>): string[] {
  const name = escape(token.name);
  const pattern =
    token.kind === 'inject'
      ? new RegExp(`@Inject\\(\\s*(['"\`]?)${name}\\1\\s*\\)`)
      : new RegExp(`\\blocals\\s*(\\.\\s*${name}\\b|\\[\\s*['"\`]${name}['"\`]\\s*\\])`);
  return index.sourceFiles().filter((file) => {
    if (file === path) return false;
    const text = index.textOf(file);
    return text !== undefined && text.includes(token.name) && pattern.test(text);
  });
}

/** The analysis with each provider's consumers found in the workspace, and said in its message. */
export function withConsumers(index: WorkspaceIndex, analysis: FileAnalysis): FileAnalysis {
  if (!analysis.routingIssues.some((i) => i.kind === 'provider' && i.token)) return analysis;
  const routingIssues = analysis.routingIssues.map((issue) => {
    if (issue.kind !== 'provider' || !issue.token) return issue;
    const consumers = providerConsumers(index, analysis.path, issue.token);
    const said = consumers.length > 0 ? ` Its consumers: ${consumers.join(', ')}.` : ' No file of the workspace consumes it yet.';
    return { ...issue, consumers, message: `${issue.message}${said}` };
  });
  return { ...analysis, routingIssues };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
