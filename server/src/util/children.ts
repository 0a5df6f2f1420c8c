import type { ChildProcess } from 'node:child_process';

/**
 * Programs Stepwise started in their own process group (git, the project's commands), so that
 * when Stepwise itself stops — it exits, or is told to stop by a signal (a closed terminal, an
 * editor that quits) — nothing it started goes on running without it.
 */
const running = new Set<ChildProcess>();
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

/** Kills every group still running; synchronous, so it works in an `exit` handler. */
export function killAllChildren(): void {
  for (const child of running) killGroup(child);
  running.clear();
}

/** How many started programs are still running (a test reads it). */
export function runningChildren(): number {
  return running.size;
}

/** Tracks a child until it ends; `dispose` when its result is in. */
export function trackChild(child: ChildProcess): { dispose(): void } {
  install();
  running.add(child);
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
