import type { AnalyzeReport } from './overview';

/** `.stepwise/ratchet.json`: the usages recorded last, per file. */
export interface Ratchet {
  usages: number;
  files: Record<string, number>;
}

export interface RatchetVerdict {
  ok: boolean;
  usages: number;
  /** The total recorded, or null when no ratchet was recorded yet. */
  ratchet: number | null;
  /** Files whose usages grew (every file with usages, without a ratchet). */
  violations: { path: string; before: number; now: number }[];
  /** The usages in those files, where they are (for SARIF and CI annotations). */
  findings: RatchetFinding[];
}

/** One legacy usage in a file that breaks the ratchet. */
export interface RatchetFinding {
  path: string;
  line: number;
  column: number;
  /** The diagnostic code the editor shows for it (`legacy-import`, `incompatible-member`, `shape-…`). */
  rule: string;
  message: string;
}

export const ratchetRelativePath = '.stepwise/ratchet.json';

/** The ratchet that records a report's counts. */
export function ratchetOf(report: AnalyzeReport): Ratchet {
  const files: Record<string, number> = {};
  for (const file of report.files) files[file.path] = file.usages.length;
  return { usages: report.summary.usages, files };
}

/** The CI ratchet: a file may lose legacy usages, never gain them; without a ratchet, none may exist. Pure. */
export function checkRatchet(report: AnalyzeReport, ratchet: Ratchet | undefined): RatchetVerdict {
  const violations: RatchetVerdict['violations'] = [];
  for (const [path, now] of Object.entries(ratchetOf(report).files)) {
    const before = ratchet?.files[path] ?? 0;
    if (now > before) violations.push({ path, before, now });
  }
  const findings: RatchetFinding[] = [];
  for (const violation of violations) {
    const file = report.files.find((f) => f.path === violation.path);
    for (const u of file?.usages ?? []) {
      const grew = `${violation.path} had ${violation.before} legacy usage${violation.before === 1 ? '' : 's'} in the ratchet and has ${violation.now}.`;
      findings.push({
        path: file?.path ?? violation.path,
        line: u.line,
        column: u.column,
        rule: ruleOf(u),
        message: `${u.message} ${grew}`,
      });
    }
  }
  return { ok: violations.length === 0, usages: report.summary.usages, ratchet: ratchet?.usages ?? null, violations, findings };
}

function ruleOf(usage: AnalyzeReport['files'][number]['usages'][number]): string {
  return usage.kind === 'member' ? 'incompatible-member' : `legacy-${usage.kind}`;
}

const ruleTexts: Record<string, string> = {
  'legacy-import': 'Imports the legacy cache module',
  'legacy-require': 'Requires the legacy cache module',
  'legacy-reexport': 'Re-exports the legacy cache API',
  'legacy-dynamic-import': 'Loads the legacy cache module with import()',
  'legacy-new': 'Constructs a legacy cache',
  'legacy-call': 'Calls a legacy cache factory',
  'legacy-type': 'Uses a legacy cache type',
  'incompatible-member': 'Uses a legacy cache member',
};

/**
 * The verdict as a SARIF 2.1.0 log (for GitHub code scanning and other SARIF viewers): one result
 * per legacy usage in each file that breaks the ratchet, at error level. Pure.
 */
export function sarifOf(verdict: RatchetVerdict, version: string): object {
  const rules = [...new Set(verdict.findings.map((f) => f.rule))].sort();
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Stepwise',
            version,
            rules: rules.map((id) => ({ id, shortDescription: { text: ruleTexts[id] ?? id } })),
          },
        },
        results: verdict.findings.map((f) => ({
          ruleId: f.rule,
          level: 'error',
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.path, uriBaseId: '%SRCROOT%' },
                region: { startLine: f.line, startColumn: f.column },
              },
            },
          ],
        })),
      },
    ],
  };
}

/** The verdict as GitHub Actions workflow commands: one `::error` annotation per finding. Pure. */
export function githubAnnotationsOf(verdict: RatchetVerdict): string[] {
  const data = (text: string): string => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const property = (text: string): string => data(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return verdict.findings.map(
    (f) =>
      `::error file=${property(f.path)},line=${f.line},col=${f.column},title=${property(`Stepwise ratchet: ${f.rule}`)}::${data(f.message)}`,
  );
}

/** Reads a ratchet file's text; throws one sentence when it is not a ratchet. */
export function parseRatchet(text: string): Ratchet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${ratchetRelativePath} is not valid JSON (${(error as Error).message}); run "stepwise check --update" to rewrite it.`);
  }
  const candidate = parsed as Partial<Ratchet> | null;
  if (!candidate || typeof candidate !== 'object' || typeof candidate.files !== 'object' || candidate.files === null)
    throw new Error(`${ratchetRelativePath} has no "files" counts; run "stepwise check --update" to rewrite it.`);
  const files: Record<string, number> = {};
  for (const [path, count] of Object.entries(candidate.files as Record<string, unknown>)) {
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || Array.isArray(candidate.files))
      throw new Error(
        `${ratchetRelativePath} counts ${JSON.stringify(path)} as ${JSON.stringify(count)}, which is not a number of usages; run "stepwise check --update" to rewrite it.`,
      );
    files[path] = count;
  }
  return { usages: Number(candidate.usages) || 0, files };
}
