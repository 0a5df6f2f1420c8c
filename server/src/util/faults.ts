/**
 * Fault injection, for tests only: when STEPWISE_FAULT_STEP names this step, the process and
 * its process group are killed outright (SIGKILL) right here — as a closed terminal, an OOM kill
 * or a power cut would stop it — so a test can prove that whatever step an operation dies at,
 * the next Stepwise recovers it and nothing is lost. Unset, it costs one comparison.
 */
export function faultPoint(step: string): void {
  if (process.env.STEPWISE_FAULT_STEP !== step) return;
  try {
    process.kill(-process.pid, 'SIGKILL'); // the whole group, when this process leads one
  } catch {
    // Not a group leader.
  }
  process.kill(process.pid, 'SIGKILL');
}
