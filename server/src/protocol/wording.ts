/**
 * How every surface writes the same figures and times: the status bar, the checklist, the CLI,
 * commit trailers and the report. A leaf (it imports nothing), so the webview bundles it too.
 */

/** A measured figure: whole numbers from 100 up (1536337), four significant digits below (0.9512). */
export function formatFigure(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 100 ? String(Math.round(value)) : String(Number(value.toPrecision(4)));
}

/** A type check's error count: "no errors", "1 error", "3 errors". */
export function describeErrors(count: number): string {
  return count === 0 ? 'no errors' : `${count} ${count === 1 ? 'error' : 'errors'}`;
}

/** A date and time in the reader's locale and zone, for the UI ("Dec 2, 2026, 11:10 AM"). */
export function formatLocalDateTime(at: number | string): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * The time left until `untilMs`, as the observation countdown shows it: "23 h 59 min left",
 * "5 min left", "less than a minute left", or "ended". Whole minutes are rounded up, so the
 * countdown reads "1 min left" until it ends.
 */
export function formatRemaining(untilMs: number, nowMs: number): string {
  const ms = untilMs - nowMs;
  if (!Number.isFinite(ms)) return 'unknown';
  if (ms <= 0) return 'ended';
  if (ms < 60_000) return 'less than a minute left';
  const minutes = Math.ceil(ms / 60_000);
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours} h ${minutes % 60} min left` : `${minutes} min left`;
}

/**
 * How long until the countdown's text for `untilMs` changes (a little after the minute turns), so
 * every surface re-renders at the same moment instead of each on its own interval.
 */
export function msUntilCountdownChanges(untilMs: number, nowMs: number): number {
  const ms = untilMs - nowMs;
  if (!Number.isFinite(ms) || ms <= 0) return 60_000;
  // The text changes when the rounded-up minute count drops, i.e. when `ms` crosses a multiple of
  // a minute (and at the last minute, when it becomes "less than a minute").
  const intoMinute = ms % 60_000 || 60_000;
  return Math.min(60_000, intoMinute + 20);
}
