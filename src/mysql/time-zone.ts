// --source-time-zone (Vitess's Migrate flag): the source's DATETIME values are local times of
// that zone and the target keeps UTC. As Vitess does, the target server converts them with
// CONVERT_TZ, so the conversion (DST, the zone's history) is the server's own. Outside the
// TIMESTAMP range CONVERT_TZ leaves a value as it is; a zero or invalid date (which lax sources
// hold) it cannot convert at all, so such a value is written unconverted (a zero date means "no
// date" in any zone), without the warning CONVERT_TZ would raise.

/** The zone the target's DATETIMEs are in under --source-time-zone. */
export const TARGET_ZONE = '+00:00';

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether a DATETIME in its canonical form ('YYYY-MM-DD hh:mm:ss[.f]') is a real calendar date. */
export function isCalendarDatetime(v: string): boolean {
  const y = Number(v.slice(0, 4));
  const m = Number(v.slice(5, 7));
  const d = Number(v.slice(8, 10));
  if (!(m >= 1 && m <= 12 && d >= 1 && d <= DAYS[m - 1])) return false;
  return m !== 2 || d < 29 || (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0));
}

/** SQL converting `expr` (a DATETIME, or NULL) from zone `from` to zone `to`; a value CONVERT_TZ gives up on stays as it is. */
export function convertTzSql(expr: string, from: string, to: string): string {
  return `COALESCE(CONVERT_TZ(${expr}, ${quoteZone(from)}, ${quoteZone(to)}), ${expr})`;
}

function quoteZone(zone: string): string {
  return "'" + zone.replace(/[\\']/g, (c) => '\\' + c) + "'";
}
