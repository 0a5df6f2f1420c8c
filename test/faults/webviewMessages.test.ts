// Messages from the checklist webview, checked at run time by the host before anything runs:
// malformed, unknown, or naming files outside the plan are ignored (with the reason the host logs).
import * as assert from 'node:assert/strict';
import { parseWebviewMessage } from '../../media/src/messages';
import type { MessageContext } from '../../media/src/messages';

const context: MessageContext = { planFiles: new Set(['src/jobs/warmup-job.ts', 'src/api/users.ts']), roots: ['/work/ws'] };

describe('checklist webview messages (run-time validation in the host)', () => {
  const hostile: [string, unknown][] = [
    ['not an object', 'migrate'],
    ['null', null],
    ['an array', [{ type: 'ready' }]],
    ['an unknown type', { type: 'eval', code: 'process.exit()' }],
    ['an unknown command', { type: 'command', command: 'launchMissiles', path: 'src/api/users.ts' }],
    ['a command that is not text', { type: 'command', command: { toString: 'migrate' } }],
    ['an action on a file outside the plan', { type: 'command', command: 'migrate', path: 'src/utils/strings.ts' }],
    ['an action climbing out with ..', { type: 'command', command: 'revert', path: '../other/src/api/users.ts' }],
    ['an absolute path', { type: 'command', command: 'openFile', path: '/etc/passwd' }],
    ['a Windows path', { type: 'command', command: 'openFile', path: 'C:\\Windows\\win.ini' }],
    ['a path with NUL', { type: 'command', command: 'showDossier', path: 'src/a.ts\0.png' }],
    ['a path that is a number', { type: 'command', command: 'openFile', path: 42 }],
    ['a diff at an option', { type: 'command', command: 'openDiff', path: 'src/api/users.ts', commit: '--output=/tmp/x' }],
    ['a diff at a revision expression', { type: 'command', command: 'openDiff', path: 'src/api/users.ts', commit: 'HEAD~3' }],
    ['a diff of a file outside the plan', { type: 'command', command: 'openDiff', path: 'package.json', commit: 'abcdef12' }],
    ['a folder outside the workspace', { type: 'command', command: 'selectFolder', root: '/' }],
    ['an unknown rollout action', { type: 'command', command: 'rollout', action: 'set', value: 'new' }],
    ['a request without an id', { type: 'request', method: 'dossier', path: 'src/api/users.ts' }],
    ['an unknown request', { type: 'request', id: 1, method: 'readFile', path: '/etc/passwd' }],
    ['a dossier request for an absolute path', { type: 'request', id: 2, method: 'dossier', path: '/etc/passwd' }],
  ];

  for (const [name, raw] of hostile) {
    it(`ignores ${name}, saying why`, () => {
      const parsed = parseWebviewMessage(raw, context);
      assert.ok('ignored' in parsed, `${name} was accepted: ${JSON.stringify(parsed)}`);
      assert.match(parsed.ignored, /^Ignored a checklist message: .+\.$/);
    });
  }

  it('passes the messages the checklist sends, with only the fields their type has', () => {
    const valid: unknown[] = [
      { type: 'ready' },
      { type: 'command', command: 'migrate', path: 'src/jobs/warmup-job.ts', extra: 'dropped' },
      { type: 'command', command: 'openFile', path: 'src/utils/strings.ts' },
      { type: 'command', command: 'openDiff', path: 'src/api/users.ts', commit: 'abcdef1234' },
      { type: 'command', command: 'refresh' },
      { type: 'command', command: 'selectFolder', root: '/work/ws' },
      { type: 'command', command: 'rollout', action: 'rollback' },
      { type: 'request', id: 7, method: 'dossier', path: 'src/api/users.ts' },
      // A name that merely starts with two dots is a file of the workspace.
      { type: 'command', command: 'openFile', path: '..foo.ts' },
    ];
    for (const raw of valid) {
      const parsed = parseWebviewMessage(raw, context);
      assert.ok('message' in parsed, JSON.stringify(parsed));
      assert.equal('extra' in parsed.message, false);
    }
  });
});
