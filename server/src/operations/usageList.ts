import type { Usage } from '../analysis/types';
import type { WorkspaceIndex } from '../workspace/workspaceIndex';

/** One legacy usage as a list shows it: where (a span), a short label, what happens to it. */
export interface UsageListItem {
  span: { start: number; end: number };
  label: string;
  detail: string;
  needsChange: boolean;
  container?: string;
}

/** A short name for a usage: `new AsyncTTLCache(…)`, `AsyncTTLCache.get`, `import AsyncTTLCache`. */
export function usageLabel(usage: Usage): string {
  const symbol = usage.symbol === '*' ? 'the legacy module' : usage.symbol;
  switch (usage.kind) {
    case 'import':
      return `import ${symbol}`;
    case 'require':
      return `require ${symbol}`;
    case 'reexport':
      return `re-export ${symbol}`;
    case 'dynamic-import':
      return `import() of ${symbol}`;
    case 'new':
      return `new ${symbol}(…)`;
    case 'call':
      return `${symbol}(…)`;
    case 'type':
      return `type ${symbol}`;
    case 'member':
      return `${symbol}.${usage.member ?? '[computed]'}`;
  }
}

/** A file's legacy usages in the order they appear. */
export function usageList(index: WorkspaceIndex, rel: string): UsageListItem[] {
  const usages = index.analysisOf(rel)?.usages ?? [];
  return [...usages]
    .sort((a, b) => a.span.start - b.span.start)
    .map((u) => ({
      span: u.span,
      label: usageLabel(u),
      detail: u.message,
      needsChange: u.incompatible || !u.fixable,
      container: u.container,
    }));
}
