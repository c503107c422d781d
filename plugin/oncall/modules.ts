// -m / -i of update: Odoo module names, checked before anything reaches the cluster.
import { UsageError } from '../../lib/errors.js';

/** Odoo's technical module names: letters, digits and underscores (the folder names of addons). */
const MODULE_RE = /^[A-Za-z0-9_]+$/;

export function parseModules(flag: string, raw: string): string[] {
  const mods = raw.split(',').map((m) => m.trim());
  const bad = mods.find((m) => !MODULE_RE.test(m));
  if (bad !== undefined) throw new UsageError(`${flag} "${raw}": ${bad === '' ? 'an empty module name' : `"${bad}" is not a module name`} (technical names such as sale_stock, separated by commas)`);
  return [...new Set(mods)];
}
