/**
 * Times as people read them. ISO 8601 stays in JSON, the journal and commit trailers (machines read
 * those); every sentence a person reads (notifications, reasons, the report) says the local time,
 * with its zone, so "until 11:10" means 11:10 on the reader's clock.
 */

const pad = (n: number): string => String(n).padStart(2, '0');

/** The UTC offset of a local date: `UTC`, `UTC+01:00`, `UTC-05:30`. */
function zoneOf(date: Date): string {
  const offset = -date.getTimezoneOffset();
  if (offset === 0) return 'UTC';
  const abs = Math.abs(offset);
  return `UTC${offset > 0 ? '+' : '-'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `2026-12-02 11:10 (UTC+01:00)`: a local date and time to the minute, with its zone. */
export function localTime(at: number | string): string {
  const ms = typeof at === 'string' ? Date.parse(at) : at;
  if (!Number.isFinite(ms)) return 'an unknown time';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())} (${zoneOf(d)})`;
}
