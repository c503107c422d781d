// How often a scheduled run drills its new backup (backup --drill, backup schedule --drill): pure, for
// the flags' checks before anything is read.
import { UsageError } from '../../lib/errors.js';

/** How often a scheduled run drills (backup --drill CADENCE): the days a verdict stays fresh. */
export const DRILL_CADENCES = { daily: 1, weekly: 7, monthly: 30 } as const;
export type DrillCadence = keyof typeof DRILL_CADENCES;

export function parseDrillCadence(raw: string): DrillCadence {
  if (Object.hasOwn(DRILL_CADENCES, raw)) return raw as DrillCadence;
  throw new UsageError(`invalid --drill "${raw}": use daily, weekly or monthly (how often a run also drills its new backup)`);
}
