// HEAD read from the git folder's files agrees with git itself: loose and packed refs, a detached
// HEAD, a branch with no commit, a linked worktree.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitRepo } from '../../../server/src/workflow/git';

const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

describe('GitRepo.head() from the files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stepwise-head-'));
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'config', 'user.email', 't@example.invalid');
    git(dir, 'config', 'user.name', 'T');
    git(dir, 'config', 'commit.gpgsign', 'false');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const commit = (message: string): void => {
    writeFileSync(join(dir, 'f.txt'), message);
    git(dir, 'add', 'f.txt');
    git(dir, 'commit', '-qm', message);
  };

  it('a branch with no commit yet has no HEAD', async () => {
    assert.equal(await (await GitRepo.open(dir)).head(), undefined);
  });

  it('a loose ref, then the same after git pack-refs, then a new loose ref over the packed one', async () => {
    commit('one');
    const repo = await GitRepo.open(dir);
    assert.equal(await repo.head(), git(dir, 'rev-parse', 'HEAD'));
    git(dir, 'pack-refs', '--all');
    assert.equal(await repo.head(), git(dir, 'rev-parse', 'HEAD'));
    commit('two');
    assert.equal(await repo.head(), git(dir, 'rev-parse', 'HEAD'));
  });

  it('a detached HEAD, and the current branch is then none', async () => {
    commit('one');
    commit('two');
    git(dir, 'checkout', '-q', '--detach', 'HEAD~1');
    const repo = await GitRepo.open(dir);
    assert.equal(await repo.head(), git(dir, 'rev-parse', 'HEAD'));
    assert.equal(await repo.currentBranch(), undefined);
  });

  it('in a linked worktree: its own HEAD, the refs of the repository', async () => {
    commit('one');
    commit('two');
    const tree = join(dir, '..', `${dir.split('/').pop() ?? 'x'}-wt`);
    git(dir, 'worktree', 'add', '-q', '-b', 'side', tree, 'HEAD~1');
    try {
      const repo = await GitRepo.open(tree);
      assert.equal(await repo.head(), git(tree, 'rev-parse', 'HEAD'));
      assert.notEqual(await repo.head(), git(dir, 'rev-parse', 'HEAD'));
      assert.equal(await repo.currentBranch(), 'side');
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });
});
