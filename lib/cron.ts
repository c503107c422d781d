// Standard cron schedules, as Kubernetes CronJobs read them (robfig/cron's ParseStandard): five fields
// minute hour day-of-month month day-of-week, each `*`, `?`, a number, a range `a-b`, a list `a,b`, a
// step `*/n` or `a-b/n`, month and weekday names (JAN, MON), 7 for Sunday, and the macros @yearly
// (@annually), @monthly, @weekly, @daily (@midnight) and @hourly. When both day fields are restricted a
// day matches either, as in cron. Times are UTC.

export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Day-of-month or day-of-week was `*` (or `?`): the other alone decides. */
  anyDay: boolean;
  anyWeekday: boolean;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** The @-names a CronJob schedule accepts. */
export const CRON_MACROS = Object.keys(MACROS);

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function value(text: string, names?: string[], nameBase = 0): number {
  const named = names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + nameBase;
  if (!/^\d+$/.test(text)) throw new Error(`failed to parse int from ${text}`);
  return Number(text);
}

function field(text: string, min: number, max: number, what: string, names?: string[], nameBase = 0): { set: Set<number>; star: boolean } {
  const set = new Set<number>();
  let star = false;
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined) throw new Error(`too many slashes: ${part}`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = min;
      hi = max;
      if (stepText === undefined) star = true;
    } else {
      const [a, b, more] = range.split('-');
      if (more !== undefined) throw new Error(`too many hyphens: ${range}`);
      lo = value(a, names, nameBase);
      hi = b !== undefined ? value(b, names, nameBase) : stepText !== undefined ? max : lo;
    }
    const step = stepText !== undefined ? value(stepText) : 1;
    if (lo < min) throw new Error(`beginning of range (${lo}) below minimum (${min}): ${part}`);
    if (hi > max) throw new Error(`end of range (${hi}) above maximum (${max}): ${part}`);
    if (lo > hi) throw new Error(`beginning of range (${lo}) beyond end of range (${hi}): ${part}`);
    if (step === 0) throw new Error(`step of range should be a positive number: ${part}`);
    for (let v = lo; v <= hi; v += step) set.add(v);
  }
  if (!set.size) throw new Error(`empty ${what} field`);
  return { set, star };
}

/** Parses a schedule; throws an Error whose message says what is wrong. */
export function parseCron(spec: string): CronSchedule {
  const text = spec.trim();
  if (!text) throw new Error('empty spec string');
  const expanded = text.startsWith('@') ? MACROS[text.toLowerCase()] : text;
  if (!expanded) throw new Error(`unrecognized descriptor: ${text}`);
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) throw new Error(`expected exactly 5 fields, found ${parts.length}: [${parts.join(' ')}]`);
  const minutes = field(parts[0], 0, 59, 'minute');
  const hours = field(parts[1], 0, 23, 'hour');
  const days = field(parts[2], 1, 31, 'day-of-month');
  const months = field(parts[3], 1, 12, 'month', MONTHS, 1);
  const weekdays = field(parts[4], 0, 7, 'day-of-week', DAYS);
  if (weekdays.set.has(7)) {
    weekdays.set.delete(7);
    weekdays.set.add(0);
  }
  return { minutes: minutes.set, hours: hours.set, days: days.set, months: months.set, weekdays: weekdays.set, anyDay: days.star, anyWeekday: weekdays.star };
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const dom = s.days.has(d.getUTCDate());
  const dow = s.weekdays.has(d.getUTCDay());
  if (s.anyDay || s.anyWeekday) return dom && dow;
  return dom || dow;
}

/** The first time strictly after `after` (whole minutes) that the schedule matches; undefined within 5 years none. */
export function nextCronTime(s: CronSchedule, after: Date): Date | undefined {
  const t = new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000);
  const limit = after.getTime() + 5 * 366 * 86_400_000;
  while (t.getTime() <= limit) {
    if (!s.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!dayMatches(s, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!s.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!s.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    return new Date(t);
  }
  return undefined;
}
