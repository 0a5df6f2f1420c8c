import { LSPErrorCodes, ResponseError } from 'vscode-languageserver';
import type { CodeLens, CodeLensParams, Command } from 'vscode-languageserver';
import { lensContent, lensPlace } from '../operations/codeLens';
import type { LensKind } from '../operations/codeLens';
import { Commands, ServerCommands } from '../protocol';
import type { WorkflowCommandArgs } from '../protocol';
import { RangeConverter } from './convert';
import type { Sessions } from './sessions';

/** What an unresolved lens carries: the file, the version it was offered for, which lens. */
interface LensData {
  uri: string;
  version: number | null;
  kind: LensKind;
}

export interface CodeLensOptions {
  /** The client implements Stepwise's own commands (the dossier view, the checklist): VS Code. */
  clientCommands: boolean;
  /** Whether the folder is a git repository (the workflow's steps need one). */
  usesGit(root: string): boolean;
}

/**
 * `textDocument/codeLens`: where a file's lenses stand, with only small data; what they say and
 * run is computed when the editor shows them (`codeLens/resolve`).
 */
export async function provideCodeLenses(sessions: Sessions, params: CodeLensParams, options: CodeLensOptions): Promise<CodeLens[]> {
  const found = sessions.locate(params.textDocument.uri);
  if (!found || !sessions.settingsOf(found.session.root).codeLens.enabled) return [];
  const { session, rel, index } = found;
  const status = await session.workflow();
  const text = index.textOf(rel);
  if (text === undefined) return [];
  const file = status.files.find((f) => f.path === rel);
  const place = lensPlace(index, rel, file);
  if (!place) return [];
  const line = new RangeConverter(text).position(place.offset).line;
  const range = { start: { line, character: 0 }, end: { line, character: 0 } };
  const version = index.versionOf(rel) ?? null;
  return place.kinds
    .filter((kind) => options.clientCommands || kind !== 'dossier')
    .filter((kind) => options.usesGit(session.root) || (kind !== 'next' && kind !== 'revert'))
    .map((kind) => ({ range, data: { uri: params.textDocument.uri, version, kind } satisfies LensData }));
}

/** `codeLens/resolve`: the lens's title and command, from the workflow status as it is now. */
export async function resolveCodeLens(sessions: Sessions, lens: CodeLens, options: CodeLensOptions): Promise<CodeLens> {
  const data = lens.data as LensData | undefined;
  if (!data) return lens;
  const found = sessions.locate(data.uri);
  if (!found) return { ...lens, command: { title: '', command: '' } };
  const { session, rel, index } = found;
  if ((index.versionOf(rel) ?? null) !== data.version)
    throw new ResponseError(LSPErrorCodes.ContentModified, `${rel} changed since its lenses were computed.`);
  const status = await session.workflow();
  const file = status.files.find((f) => f.path === rel);
  const content = lensContent(data.kind, index.analysisOf(rel)?.usages.length ?? 0, file, status.now);
  const args: WorkflowCommandArgs = { uri: data.uri, version: data.version };
  let command: Command = { title: content.title, command: '' };
  if (content.runs === 'dossier' || content.runs === 'checklist') {
    if (options.clientCommands)
      command = {
        title: content.title,
        command: content.runs === 'dossier' ? Commands.showDossier : Commands.openChecklist,
        arguments: [data.uri],
      };
  } else if (content.runs) command = { title: content.title, command: ServerCommands[content.runs], arguments: [args] };
  return { ...lens, command };
}
