/** A datetime column as a raw query returns it: SQLite gives epoch ms, mysql2 a string. */
export type RawDate = Date | string | number;

/** SQLite returns epoch ms, mysql2 a UTC "YYYY-MM-DD HH:MM:SS.mmm" string (forceUtcTimezone). */
export function dateOf(value: RawDate): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  return new Date(/(?:[zZ]|[+-]\d\d:?\d\d)$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}
