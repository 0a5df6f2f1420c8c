import type { StepwiseCompareRules } from './adapterRuntime';
import { adapterRuntimeSource } from './runtimeSource.generated';

const marker = '// ---- Stepwise runtime';

/**
 * The runtime's lines as a generated adapter carries them: the module's text from its marker on,
 * with this migration's flag name, id and comparison rules, and every `export` but `stepwiseAdapter`'s removed (the
 * module exports its parts for its tests; in an adapter they are private).
 */
export function emitRuntime(
  flag: string,
  migrationId: string,
  compare?: StepwiseCompareRules,
  source: string = adapterRuntimeSource,
): string[] {
  const start = source.indexOf(marker);
  if (start < 0) throw new Error(`adapterRuntime.ts has lost its "${marker}" marker.`);
  return source
    .slice(start)
    .trimEnd()
    .split('\n')
    .map((line) => {
      if (line.endsWith('// stepwise:flag-name')) return `const stepwiseFlagName = ${quote(flag)};`;
      if (line.endsWith('// stepwise:migration-id')) return `const stepwiseMigration = ${quote(migrationId)};`;
      if (line.endsWith('// stepwise:compare-rules') && compare)
        return `const stepwiseCompareRules: StepwiseCompareRules = ${JSON.stringify(compare)};`;
      return line.startsWith('export ') && !line.startsWith('export const stepwiseAdapter ') ? line.slice('export '.length) : line;
    });
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
