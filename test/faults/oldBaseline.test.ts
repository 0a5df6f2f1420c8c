// Verification against an old baseline: the machine changed since it was recorded (here, a test
// and the type check fail for a reason outside the migration, on both sides alike). Past
// verify.baselineMaxAgeHours the baseline commit's tests and type check run again beside the
// migrated code in the same run, and the comparison uses those; before it, the recorded baseline
// stands. Real git worktrees; the stand-in commands read what to print from one shared folder.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { withEnv } from '../support/cliRun';
import { first, hour, openHarness, prepareWorkflowRepo, ranLog, setControl } from '../support/workflowRepo';

async function scenario(
  hoursLater: number,
): Promise<{ result: Awaited<ReturnType<Awaited<ReturnType<typeof openHarness>>['engine']['migrate']>>; ran: string[] }> {
  const root = await prepareWorkflowRepo();
  const h = await openHarness(root, { trusted: true });
  try {
    return await withEnv({ STEPWISE_FAKE_CONTROL: join(root, 'control') }, async () => {
      const analysed = await h.engine.analyze(first);
      assert.ok(analysed.ok, analysed.ok ? '' : analysed.error);
      // Since then, a dependency broke one test and the type check elsewhere, on every commit alike.
      setControl(root, {
        tests: { pass: 4, fail: 1 },
        tsc: ['src/utils/strings.ts(3,7): error TS2322: Type "x" is not assignable to type "y".'],
      });
      h.clock.advance(hoursLater * hour);
      const result = await h.engine.migrate(first);
      return { result, ran: ranLog(root) };
    });
  } finally {
    await h.dispose();
  }
}

describe('verification against an old baseline', function () {
  this.timeout(120_000);

  it('older than verify.baselineMaxAgeHours (24 h): the baseline commit is measured again beside, and an unchanged failure is no regression', async () => {
    const { result, ran } = await scenario(25);
    assert.ok(result.ok, result.ok ? '' : result.error);
    const verification = result.verification;
    assert.ok(verification?.remeasured, 'the baseline was measured again');
    assert.match(verification.remeasured.reason, /recorded 25\.0 h ago \(more than verify\.baselineMaxAgeHours, 24 h\)/);
    assert.deepEqual(
      verification.remeasured.test?.counts && [verification.remeasured.test.counts.passed, verification.remeasured.test.counts.failed],
      [4, 1],
    );
    assert.deepEqual(verification.remeasured.typecheckErrors, { 'src/utils/strings.ts': 1 });
    assert.match(verification.test?.note ?? '', /tests run again in this run, beside the migrated code/);
    assert.deepEqual(verification.typecheck?.newErrors, []);
    // The baseline's tests and type check ran twice (recorded, then again beside), the migrated code's once.
    assert.equal(ran.filter((l) => l.startsWith('tests')).length, 3, ran.join('\n'));
    assert.equal(ran.filter((l) => l === 'typecheck').length, 3, ran.join('\n'));
  });

  it('within verify.baselineMaxAgeHours: the recorded baseline stands, and the new failures fail the verification', async () => {
    const { result } = await scenario(2);
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.error, /1 of 5 test\(s\) failed/);
    assert.match(result.ok ? '' : result.error, /new errors in src\/utils\/strings\.ts \(0 → 1\)/);
  });
});
