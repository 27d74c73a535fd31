/** Format a heartbeat age, e.g. "0.4 s ago", "12.3 s ago", "4 min ago". */
export function formatAge(ageMs: number): string {
  const ms = Math.max(0, ageMs);
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s ago`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  return `${Math.floor(ms / 86_400_000)} d ago`;
}

/** Format a duration in seconds as its two largest units, e.g. "3d 4h", "5m 6s", "42s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3_600);
  const minutes = Math.floor((s % 3_600) / 60);
  const secs = s % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${secs}s`;
  return `${secs}s`;
}

const PLAIN_DECIMAL = /^([+-]?)(\d+)(\.\d+)?$/;

/**
 * Group a decimal string's integer digits in threes: "-12345.6700" → "-12,345.6700".
 * Pure string work, so every digit the engine sent is shown (never parseFloat money);
 * anything that is not a plain fixed-point number is returned as given.
 */
export function formatDecimal(value: string): string {
  const match = PLAIN_DECIMAL.exec(value.trim());
  if (match === null) return value;
  const [, sign = "", integer = "", fraction = ""] = match;
  return `${sign}${integer.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${fraction}`;
}

/** The sign of a decimal string, read from its text: -1, 0 (all zeros) or 1. */
export function decimalSign(value: string): -1 | 0 | 1 {
  const match = PLAIN_DECIMAL.exec(value.trim());
  if (match === null) return 0;
  const [, sign = "", integer = "", fraction = ""] = match;
  if (/^0*$/.test(integer) && /^\.?0*$/.test(fraction)) return 0;
  return sign === "-" ? -1 : 1;
}

/** A signed decimal for PnL: "+1,234.5" / "-0.25" / "0". */
export function formatSignedDecimal(value: string): string {
  const formatted = formatDecimal(value);
  return decimalSign(value) === 1 && !formatted.startsWith("+") ? `+${formatted}` : formatted;
}

const TIME_FORMAT = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

/** Local wall-clock time of an epoch-ms timestamp, e.g. "14:03:27". */
export function formatTime(ts: number): string {
  return TIME_FORMAT.format(new Date(ts));
}

/** Local date and time of an epoch-ms timestamp, for tooltips. */
export function formatDateTime(ts: number): string {
  return new Date(ts).toLocaleString();
}
