// The extension's manifest holds together: every command a menu, a welcome view or the walkthrough
// runs exists; every command the protocol names is contributed; the walkthrough's images exist and
// ship in the VSIX; every theme colour the client uses is contributed for dark, light and both
// high-contrast themes. (That they show and work is the VS Code runners' part.)
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Commands, viewItemOf } from '../../server/src/protocol';
import type { FileStatus, WorkflowAction } from '../../server/src/protocol';
import { repoRoot } from '../support/workspace';

interface Manifest {
  contributes: {
    commands: { command: string; title: string; icon?: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    viewsContainers: { activitybar: { id: string; icon: string }[] };
    views: Record<string, { id: string; name: string }[]>;
    viewsWelcome: { view: string; contents: string; when?: string }[];
    colors: { id: string; defaults: Record<string, string> }[];
    walkthroughs: {
      id: string;
      steps: { id: string; description: string; media: { image: string; altText: string }; completionEvents: string[] }[];
    }[];
  };
}

const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest;
const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
const views = new Set(Object.values(manifest.contributes.views).flatMap((v) => v.map((view) => view.id)));
/** VS Code's own commands the welcome views and the walkthrough link to. */
const builtIn = new Set(['workbench.action.files.openFolder', 'workbench.action.openWalkthrough', 'workbench.actions.view.problems']);
const isKnown = (command: string): boolean =>
  contributed.has(command) || builtIn.has(command) || (command.endsWith('.focus') && views.has(command.slice(0, -'.focus'.length)));
const linkedCommands = (markdown: string): string[] => [...markdown.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1]);

describe('the extension manifest', () => {
  it('contributes every command the protocol names', () => {
    for (const command of Object.values(Commands)) assert.ok(contributed.has(command), `${command} is not in contributes.commands`);
  });

  it('runs only known commands from its menus, welcome views and walkthrough steps', () => {
    const used = [
      ...Object.values(manifest.contributes.menus).flatMap((entries) => entries.map((e) => e.command)),
      ...manifest.contributes.viewsWelcome.flatMap((w) => linkedCommands(w.contents)),
      ...manifest.contributes.walkthroughs.flatMap((w) => w.steps.flatMap((s) => linkedCommands(s.description))),
    ];
    assert.ok(used.length > 20);
    for (const command of used) assert.ok(isKnown(command), `${command} is neither contributed nor VS Code's own`);
  });

  it('gives every inline action of the Migration view an icon, and hides the ones that run workspace commands when untrusted', () => {
    const inline = manifest.contributes.menus['view/item/context'].filter((e) => (e as { group?: string }).group?.startsWith('inline'));
    assert.ok(inline.length >= 4);
    for (const entry of inline) {
      assert.ok(manifest.contributes.commands.find((c) => c.command === entry.command)?.icon, `${entry.command} has no icon`);
      if (entry.command === Commands.migrateFile || entry.command === Commands.verifyFile)
        assert.match(entry.when ?? '', /isWorkspaceTrusted/, `${entry.command} shows in an untrusted workspace`);
    }
  });

  it("shows a file's inline and context actions exactly when the engine allows them", () => {
    const entries = manifest.contributes.menus['view/item/context'];
    const actionOf: Record<string, WorkflowAction> = {
      [Commands.migrateFile]: 'migrate',
      [Commands.verifyFile]: 'verify',
      [Commands.approveFile]: 'approve',
      [Commands.revertFile]: 'revert',
    };
    /** A file whose engine allows `ok` (and has a commit when `commit`). */
    const file = (ok: WorkflowAction[], commit: boolean): FileStatus => ({
      path: 'src/a.ts',
      state: 'pending',
      commit: commit ? 'abc1234' : null,
      observeUntil: null,
      planPosition: 1,
      usages: 1,
      allowed: Object.fromEntries(
        (['analyze', 'migrate', 'verify', 'approve', 'revert'] as const).map((a) => [a, { ok: ok.includes(a) }]),
      ) as FileStatus['allowed'],
      evidence: { reverts: [] },
    });
    /** The `viewItem =~ /…/` of a `when` clause, as VS Code reads it. */
    const viewItemPattern = (when: string): RegExp => new RegExp(/viewItem =~ \/(.+?)\/(?: |$)/.exec(when)?.[1] ?? '^$');
    const cases: [WorkflowAction[], boolean][] = [
      [['migrate'], false],
      [['verify', 'revert'], true],
      [['approve', 'revert'], true],
      [['revert'], true],
      [[], false],
    ];
    for (const [ok, commit] of cases) {
      const item = viewItemOf(file(ok, commit));
      for (const entry of entries.filter((e) => actionOf[e.command])) {
        const shown = viewItemPattern(entry.when ?? '').test(item);
        assert.equal(shown, ok.includes(actionOf[entry.command]), `${entry.command} on "${item}" (${entry.when})`);
      }
      const diff = entries.find((e) => e.command === Commands.openMigrationDiff);
      assert.equal(viewItemPattern(diff?.when ?? '').test(item), commit, `the diff on "${item}"`);
    }
  });

  it('has a Stepwise container in the activity bar with the Migration view, and welcome content for no folder and no spec', () => {
    const [container] = manifest.contributes.viewsContainers.activitybar;
    assert.equal(container.id, 'stepwise');
    assert.ok(existsSync(join(repoRoot, container.icon)), container.icon);
    assert.match(readFileSync(join(repoRoot, container.icon), 'utf8'), /currentColor/, 'a monochrome icon that follows the theme');
    assert.deepEqual(
      manifest.contributes.views.stepwise.map((v) => v.id),
      ['stepwise.migration'],
    );
    const welcome = manifest.contributes.viewsWelcome.filter((w) => w.view === 'stepwise.migration');
    assert.ok(welcome.some((w) => w.when?.includes('workbenchState == empty')));
    assert.ok(welcome.some((w) => w.when?.includes('stepwise.noSpec') && w.contents.includes(`command:${Commands.createSpec}`)));
  });

  it('shows walkthrough images that exist and ship in the VSIX, with alt text, each step completed by an event', () => {
    const ignore = readFileSync(join(repoRoot, '.vscodeignore'), 'utf8').split('\n');
    const shipped = ignore
      .filter((l) => l.startsWith('!'))
      .map((l) => new RegExp(`^${l.slice(1).replace(/[.]/g, '\\.').replace(/\*/g, '[^/]*')}$`));
    const steps = manifest.contributes.walkthroughs.flatMap((w) => w.steps);
    assert.ok(steps.length >= 6);
    for (const s of steps) {
      assert.ok(existsSync(join(repoRoot, s.media.image)), `${s.id}: ${s.media.image} is missing`);
      assert.ok(
        shipped.some((p) => p.test(s.media.image)),
        `${s.id}: ${s.media.image} is left out of the VSIX by .vscodeignore`,
      );
      assert.ok(s.media.altText.length > 20, `${s.id} has no alt text`);
      assert.ok(s.completionEvents.length > 0, `${s.id} never completes`);
      assert.ok(linkedCommands(s.description).length > 0, `${s.id} has no button`);
    }
  });

  it('contributes every theme colour the client uses, for dark, light and both high-contrast themes', () => {
    const dir = join(repoRoot, 'client', 'src');
    const used = new Set(
      readdirSync(dir)
        .filter((f) => f.endsWith('.ts'))
        .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/'(stepwise\.[A-Za-z]+Foreground)'/g)].map((m) => m[1])),
    );
    assert.ok(used.size >= 7, [...used].join(', '));
    for (const id of used) {
      const colour = manifest.contributes.colors.find((c) => c.id === id);
      assert.ok(colour, `${id} is not contributed`);
      assert.deepEqual(Object.keys(colour.defaults).sort(), ['dark', 'highContrast', 'highContrastLight', 'light'], id);
    }
  });
});
