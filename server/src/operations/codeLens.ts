import type { WorkspaceIndex } from '../workspace/workspaceIndex';
import { formatLocalDateTime } from '../protocol/wording';
import { actionWords, nextAction, stateWords } from '../protocol';
import type { FileStatus, WorkflowAction } from '../protocol/wire';

/**
 * What stands above a file's legacy code (the CodeLens): how many legacy usages it has (or, once
 * it moved, where its migration stands), the next step the engine allows, Revert when it is
 * allowed, and the pre-move analysis. Computed from the index and the workflow status; the LSP
 * layer only turns these into lenses and commands.
 */
export type LensKind = 'usages' | 'next' | 'revert' | 'dossier';

/** Where a file's lenses stand (an offset; the line is what shows) and which ones it has. */
export interface LensPlace {
  offset: number;
  kinds: LensKind[];
}

/** What one lens says, and the step it runs (none: it only informs). */
export interface LensContent {
  title: string;
  /** A workflow action on the file, the pre-move analysis, or the checklist. */
  runs?: WorkflowAction | 'dossier' | 'checklist';
}

/**
 * Above the first import of the legacy API (a file still to migrate), else above the first line
 * for a file the workflow knows (in flight, observed, approved, reverted); nowhere otherwise.
 */
export function lensPlace(index: WorkspaceIndex, rel: string, file: FileStatus | undefined): LensPlace | undefined {
  // A file with nothing legacy left may have no analysis at all (only files that reach the legacy API are analysed).
  const analysis = index.analysisOf(rel);
  const legacyImports = analysis?.importSites.filter((s) => s.direct || s.bindings.some((b) => b.legacy)) ?? [];
  const usages = analysis?.usages ?? [];
  const first = [...legacyImports.map((s) => s.span.start), ...usages.map((u) => u.span.start)].sort((a, b) => a - b)[0];
  const known = file !== undefined && file.state !== 'pending';
  if (first === undefined && !known) return undefined;
  const kinds: LensKind[] = ['usages'];
  if (file) kinds.push('next');
  if (file?.allowed.revert.ok) kinds.push('revert');
  if (usages.length > 0 || file?.evidence.dossierAt !== undefined) kinds.push('dossier');
  return { offset: first ?? 0, kinds };
}

function shortened(text: string, max = 90): string {
  const flat = text.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** What a lens says for a file with `usages` legacy usages and its workflow status (if the workflow knows it). */
export function lensContent(kind: LensKind, usages: number, file: FileStatus | undefined, now: number): LensContent {
  switch (kind) {
    case 'usages': {
      const count = `${usages} legacy usage${usages === 1 ? '' : 's'}`;
      if (!file || file.state === 'pending' || (file.state === 'analyzed' && usages > 0)) {
        return { title: count, runs: 'checklist' };
      }
      const until = file.observeUntil ? Date.parse(file.observeUntil) : NaN;
      const when = file.state === 'observing' && Number.isFinite(until) && until > now ? ` until ${formatLocalDateTime(until)}` : '';
      const words = `Stepwise: ${stateWords[file.state]}${when}`;
      return { title: words, runs: 'checklist' };
    }
    case 'next': {
      if (!file) return { title: '' };
      const next = nextAction(file);
      if (next.allowed) {
        const title = next.reason ? `${actionWords[next.action]} (out of plan order)` : actionWords[next.action];
        return { title, runs: next.action };
      }
      // While observed, the first lens already says until when: this one says only what it waits for.
      const until = file.observeUntil ? Date.parse(file.observeUntil) : NaN;
      const observing = file.state === 'observing' && Number.isFinite(until) && until > now;
      const why = observing ? 'once the observation ends' : next.reason ? shortened(next.reason, 60) : 'not allowed now';
      return { title: `${actionWords[next.action]}: ${why}` };
    }
    case 'revert':
      return { title: 'Revert', runs: 'revert' };
    case 'dossier':
      return { title: 'Pre-move analysis', runs: 'dossier' };
  }
}
