import { ts } from 'ts-morph';

/**
 * Generated TypeScript (an adapter and its runtime) as JavaScript for a workspace written in
 * JavaScript: types erased, `import x = require()` and `export =` as CommonJS, or kept as ES
 * modules. Throws with the first diagnostic when the text is not valid TypeScript.
 */
export function transpileToJavaScript(text: string, fileName: string, moduleKind: 'commonjs' | 'esm'): string {
  const output = ts.transpileModule(text, {
    fileName,
    reportDiagnostics: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: moduleKind === 'esm' ? ts.ModuleKind.ESNext : ts.ModuleKind.CommonJS,
      esModuleInterop: moduleKind === 'commonjs',
      removeComments: false,
      newLine: ts.NewLineKind.LineFeed,
    },
  });
  const first = output.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (first) throw new Error(`${fileName} does not transpile: ${ts.flattenDiagnosticMessageText(first.messageText, ' ')}`);
  return output.outputText.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n');
}
