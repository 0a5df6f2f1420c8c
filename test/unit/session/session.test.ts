// The MigrationSession: what one migration costs (full status computations and git processes,
// counted, not timed), the status it pushes, and that a disposed session leaves no timer or
// watcher behind. Real git repositories of the demo, with the stand-in commands of
// test/support/workflowRepo.ts (what the commands print changes nothing git or the status do).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// The module object itself, so its spawn can be counted (simple-git and Stepwise call it through it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
import childProcess = require('node:child_process');
import { runCli } from '../../../server/src/cli';
import type { WorkflowSnapshot } from '../../../server/src/protocol';
import { MigrationSession } from '../../../server/src/session/session';
import type { SessionHost } from '../../../server/src/session/session';
import { liveResources } from '../../../server/src/util/resources';
import { AdjustableClock } from '../../../server/src/workflow/clock';
import { benchCommand, first, git, prepareWorkflowRepo } from '../../support/workflowRepo';
import { removeWorkspace } from '../../support/workspace';

/** Counts the git processes this process starts while `work` runs (simple-git's and Stepwise's own). */
async function countingGit<T>(work: () => Promise<T>): Promise<{ value: T; git: string[] }> {
  const started: string[] = [];
  const original = childProcess.spawn;
  const counting = function (this: unknown, command: string, args: readonly string[], ...rest: unknown[]) {
    if (/(^|\/)git$/.test(command)) started.push(args.slice(0, 2).join(' '));
    return (original as (...a: unknown[]) => childProcess.ChildProcess).call(this, command, args, ...rest);
  };
  (childProcess as { spawn: unknown }).spawn = counting;
  try {
    return { value: await work(), git: started };
  } finally {
    (childProcess as { spawn: unknown }).spawn = original;
  }
}

function hostFor(): SessionHost & { errors: string[] } {
  const errors: string[] = [];
  return {
    clock: new AdjustableClock(),
    logger: { error: (m) => errors.push(m), warn: () => undefined, info: () => undefined, debug: () => undefined },
    trusted: () => true,
    autoRevert: () => false,
    output: () => undefined,
    errors,
  };
}

/** Resolves with the first pushed status that satisfies `test`. */
function pushed(session: MigrationSession, test: (status: WorkflowSnapshot) => boolean): Promise<WorkflowSnapshot> {
  return new Promise((resolve) => {
    const off = session.onDidChangeWorkflow.on((status) => {
      if (!test(status)) return;
      off();
      resolve(status);
    });
  });
}

describe('MigrationSession', function () {
  const roots: string[] = [];
  const sessions: MigrationSession[] = [];
  this.timeout(120_000);

  afterEach(async () => {
    for (const session of sessions.splice(0)) session.dispose();
    for (const root of roots.splice(0)) await removeWorkspace(root);
  });

  async function repo(): Promise<string> {
    const root = await prepareWorkflowRepo({ verify: { bench: benchCommand } });
    roots.push(root);
    return root;
  }

  it('one migration in the editor computes the status at most twice and starts at most 10 git processes', async () => {
    const root = await repo();
    const session = new MigrationSession(root, hostFor());
    sessions.push(session);
    await session.start();
    await session.workflow(); // what the client asks once, when the index is ready

    const computedBefore = session.statusComputations;
    const during: WorkflowSnapshot[] = [];
    session.onDidChangeWorkflow.on((status) => during.push(status));
    const settled = pushed(session, (s) => !s.activity && s.files.some((f) => f.path === first && f.state === 'observing'));
    const { value: result, git: processes } = await countingGit(async () => {
      const outcome = await session.run('migrate', first);
      await settled;
      return outcome;
    });

    assert.ok(result.ok, result.ok ? '' : result.error);
    const computations = session.statusComputations - computedBefore;
    // The figures the closing note reports.
    console.log(
      `      one migration (editor session): ${computations} status computations, ${processes.length} git processes: ${processes.join(', ')}`,
    );
    assert.ok(computations <= 2, `${computations} status computations`);
    assert.ok(processes.length <= 10, `${processes.length} git processes: ${processes.join(', ')}`);
    assert.ok(processes.length > 0, 'the counter sees git (the commit is a git process)');
    // While it ran, every push said what it was doing; the last one is the result, with nothing running.
    assert.ok(
      during.some((s) => s.activity?.file === first && s.activity.doing === 'verifying'),
      JSON.stringify(during.map((s) => s.activity)),
    );
    assert.equal(during.at(-1)?.activity, null);
    assert.equal(during.at(-1)?.inFlight, first);
  });

  it('a rollout reading during the migration (the 5 s poll, on a slow machine) computes no extra status', async () => {
    const root = await repo();
    const session = new MigrationSession(root, hostFor());
    sessions.push(session);
    await session.start();
    await session.workflow();
    const computedBefore = session.statusComputations;
    const reads: Promise<unknown>[] = [];
    // Every push while the operation runs is a moment the poll could land on: read the rollout there.
    session.onDidChangeWorkflow.on((status) => {
      if (status.activity) reads.push(session.observe());
    });
    const settled = pushed(session, (s) => !s.activity && s.files.some((f) => f.path === first && f.state === 'observing'));
    const result = await session.run('migrate', first);
    await settled;
    await Promise.all(reads);
    assert.ok(result.ok, result.ok ? '' : result.error);
    assert.ok(reads.length > 0, 'the operation pushed its activity');
    const computations = session.statusComputations - computedBefore;
    assert.ok(computations <= 2, `${computations} status computations`);
  });

  it('one migration from the CLI (a fresh session: open, index, migrate, verify) starts at most 10 git processes', async () => {
    const root = await repo();
    const out: string[] = [];
    const { value: code, git: processes } = await countingGit(() =>
      runCli(['migrate', first, '--root', root, '--trust', '--json'], { out: (t) => out.push(t), err: (t) => out.push(t) }),
    );
    assert.equal(code, 0, out.join('\n'));
    console.log(`      one migration (CLI): ${processes.length} git processes: ${processes.join(', ')}`);
    assert.ok(processes.length <= 10, `${processes.length} git processes: ${processes.join(', ')}`);
    assert.match(git(root, 'log', '-1', '--format=%s'), /route src\/jobs\/warmup-job\.ts through the adapter/);
  });

  it('a status asked for again with nothing changed is not computed again; an edit that only moves code does not change it', async () => {
    const root = await repo();
    const session = new MigrationSession(root, hostFor());
    sessions.push(session);
    await session.start();
    const once = await session.workflow();
    const computed = session.statusComputations;
    await session.workflow();
    const text = session.index.textOf(first) ?? '';
    session.index.setDocument(first, `\n\n${text}`, 2);
    await session.index.whenIdle();
    const again = await session.workflow();
    assert.equal(session.statusComputations, computed);
    assert.deepEqual(
      again.files.map((f) => [f.path, f.state]),
      once.files.map((f) => [f.path, f.state]),
    );
  });

  it('after the migration writes a file that is open in the editor, the index holds the migrated text', async () => {
    const root = await repo();
    const session = new MigrationSession(root, hostFor());
    sessions.push(session);
    await session.start();
    // Open in the editor, unchanged (so the migration may go ahead).
    session.index.setDocument(first, readFileSync(join(root, first), 'utf8'), 3);
    const result = await session.run('migrate', first, { verify: false });
    assert.ok(result.ok, result.ok ? '' : result.error);
    const onDisk = readFileSync(join(root, first), 'utf8');
    assert.match(onDisk, /legacy-adapter/, 'the file on disk is routed through the adapter');
    assert.equal(session.index.textOf(first), onDisk, "the index does not keep the editor's copy from before");
  });

  it('dispose() stops every watcher and timer of the folder', async () => {
    const root = await repo();
    const session = new MigrationSession(root, hostFor());
    await session.start();
    await session.workflow();
    assert.ok((liveResources()[root]?.watcher ?? 0) > 0, `watching git while open: ${JSON.stringify(liveResources())}`);
    session.dispose();
    assert.equal(liveResources()[root], undefined, JSON.stringify(liveResources()));
  });
});
