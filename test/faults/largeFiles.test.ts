// One enormous file (a 1.3 MB minified bundle on one line, with tens of thousands of member uses)
// must not stall the workspace: it is reported once as too large, with its imports, and every
// other file is analysed as usual; the limit can be lifted for that one analysis.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, jsonOf, withEnv } from '../support/cliRun';
import { prepareWorkspace, removeWorkspace } from '../support/workspace';

interface Report {
  files: { path: string; usages: { kind: string }[]; routingIssues: { kind: string; message: string }[] }[];
}

/** A bundle as a minifier writes it: one line, one import, `uses` calls on one instance. */
function bundle(uses: number): string {
  let text = "import{AsyncTTLCache as A}from'./src/core/async-cache';const c=new A();";
  for (let i = 0; i < uses / 2; i++) text += `c.get('k${i}');c.set('k${i}',${i});`;
  return `${text}\n`;
}

describe('faults: a file too large to analyse with the rest', function () {
  this.timeout(300_000);
  let root: string;

  before(async () => {
    root = await prepareWorkspace('demo', { git: false });
  });

  after(async () => {
    if (root) await removeWorkspace(root);
  });

  it('a 1.3 MB one-line bundle with 74 000 uses is reported once with its imports; the rest of the workspace is analysed', async () => {
    const text = bundle(74_000);
    assert.ok(text.length > 1.3e6, `${text.length} bytes`);
    writeFileSync(join(root, 'bundle.min.js'), text);
    const report = jsonOf<Report>(await cli('analyze', '--json', '--root', root));
    const big = report.files.find((f) => f.path === 'bundle.min.js');
    assert.ok(big, 'the bundle is in the report');
    assert.deepEqual(
      big.routingIssues.map((r) => r.kind),
      ['too-large'],
    );
    assert.match(
      big.routingIssues[0].message,
      /too large to analyse with the rest of the workspace \(more than 5000 uses of the legacy API\)/,
    );
    assert.match(big.routingIssues[0].message, /stepwise analyze --max-uses 0/);
    assert.deepEqual(
      big.usages.map((u) => u.kind),
      ['import'],
      'its import is known (enough to route it through the adapter)',
    );
    const sessions = report.files.find((f) => f.path === 'src/api/sessions.ts');
    assert.ok(sessions && sessions.usages.length > 0, 'the other files are analysed as usual');
  });

  it('under the limit every use is found; --max-uses 0 lifts the limit for a file over it', async () => {
    writeFileSync(join(root, 'bundle.min.js'), bundle(3000));
    const count = (report: Report): number => report.files.find((f) => f.path === 'bundle.min.js')?.usages.length ?? 0;
    // 3000 member uses, the construction and the import.
    assert.equal(count(jsonOf<Report>(await cli('analyze', '--json', '--root', root))), 3002);
    const limited = jsonOf<Report>(await withEnv({ STEPWISE_ANALYSIS_MAX_USES: '1000' }, () => cli('analyze', '--json', '--root', root)));
    assert.equal(count(limited), 1);
    const lifted = jsonOf<Report>(
      await withEnv({ STEPWISE_ANALYSIS_MAX_USES: '1000' }, () => cli('analyze', '--json', '--max-uses', '0', '--root', root)),
    );
    assert.equal(count(lifted), 3002);
  });
});
