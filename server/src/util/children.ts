import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/**
 * Programs Stepwise started (git, the project's commands, in their own process group), so that
 * when Stepwise itself stops — it exits, or is told to stop by a signal (a closed terminal, an
 * editor that quits) — nothing it started goes on running without it.
 */
const running = new Map<ChildProcess, 'group' | 'tree'>();
let installed = false;

/** Kills a child's whole process group (the child and everything it started). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined) return;
  try {
    if (process.platform !== 'win32') process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // Already gone.
  }
}

/**
 * Kills a process and everything it started (its descendants, found in /proc), for a child that
 * shares Stepwise's process group (git: a closed terminal's signal reaches it with us). Where
 * there is no /proc, the child alone.
 */
export function killTree(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined) return;
  const victims = [child.pid, ...descendantsOf(child.pid)];
  for (const pid of victims) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

function descendantsOf(root: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const name of entries) {
    try {
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // Gone meanwhile.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Kills every group still running; synchronous, so it works in an `exit` handler. */
export function killAllChildren(): void {
  for (const [child, how] of running) (how === 'tree' ? killTree : killGroup)(child);
  running.clear();
}

/** How many started programs are still running (a test reads it). */
export function runningChildren(): number {
  return running.size;
}

/** Tracks a child until it ends; `dispose` when its result is in. */
export function trackChild(child: ChildProcess, how: 'group' | 'tree' = 'group'): { dispose(): void } {
  install();
  running.set(child, how);
  const dispose = (): void => void running.delete(child);
  child.once('exit', dispose);
  return { dispose };
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', killAllChildren);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    // Only when nobody else handles the signal: then its default (ending the process) would
    // leave the groups behind, so they are stopped first and the signal's default follows.
    process.on(signal, function onSignal() {
      if (process.listenerCount(signal) > 1) return killAllChildren();
      killAllChildren();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    });
  }
}
