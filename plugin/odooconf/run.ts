// `config get` and `config set`: read odoo.conf from the instance's volume (through its running pod or
// a short-lived pod that mounts the volume), show it masked, and write changes with a diff first.
import type { KubeClient } from '../../lib/kube/client.js';
import type { Clock } from '../cli/context.js';
import { FailureError, NotFoundError, UsageError } from '../../lib/errors.js';
import { resolveInstance, type InstanceObjects } from '../instances/resolve.js';
import { withInstanceFiles } from '../storage/volumePod.js';
import type { PodExec } from '../storage/podExec.js';
import { effectiveOptions, otherSectionOptions, parseOdooConf, type ParsedConf } from './parse.js';
import { applyAssignments, validateKey, type Assignment } from './edit.js';
import { CHANGED_MARK, isSecretKey, maskValue, maskedLines, maskedLinesMarkingChanges } from './secrets.js';
import { diffLines, renderUnifiedDiff } from './diff.js';
import { readPodFile, replacePodFile } from './remoteFile.js';

export interface ConfigDeps {
  kube: KubeClient;
  exec: PodExec;
  clock: Clock;
  signal?: AbortSignal;
  progress: (m: string) => void;
}

export function odooConfPath(inst: InstanceObjects): string {
  return `${inst.facts.dataMountPath}/conf/odoo.conf`;
}

export interface ConfigEntry {
  section: string;
  key: string;
  value: string;
}

export interface ConfigView {
  instance: string;
  path: string;
  /** Where it was read: the instance's pod, or a short-lived pod when stopped. */
  readFrom: string;
  entries: ConfigEntry[];
  problems: string[];
  /** Keys whose values are shown masked. */
  masked: string[];
}

export async function getConfig(
  deps: ConfigDeps,
  opts: { namespace: string; name: string; key?: string; showSecrets: boolean },
): Promise<ConfigView> {
  if (opts.key !== undefined) {
    const key = opts.key.toLowerCase();
    validateKey(key);
  }
  const inst = await resolveInstance(deps.kube, opts.namespace, opts.name);
  const path = odooConfPath(inst);
  const { text, readFrom } = await withInstanceFiles(deps, inst, async (t, viaHelper) => ({
    text: await readPodFile(deps.exec, t, path),
    readFrom: viaHelper ? `pod ${t.pod} (short-lived; the instance is stopped)` : `pod ${t.pod}`,
  }));
  const conf = parseOdooConf(text);
  const show = (key: string, value: string) => (opts.showSecrets ? value : maskValue(key, value));
  let entries: ConfigEntry[] = [
    ...[...effectiveOptions(conf).values()].map((o) => ({ section: o.section, key: o.key, value: show(o.key, o.value) })),
    ...otherSectionOptions(conf).map((o) => ({ section: o.section, key: o.key, value: show(o.key, o.value) })),
  ];
  if (opts.key !== undefined) {
    const key = opts.key.toLowerCase();
    entries = entries.filter((e) => e.key === key && (e.section === 'options' || e.section === 'DEFAULT'));
    if (entries.length === 0) throw new NotFoundError(`odoo.conf of ${inst.name} has no option ${key} (Odoo uses its default)`);
    // One value is what scripts capture with $(...): a mask there would pass for the value. Said only of
    // an option that is there, so a mistyped name is not taken for a secret.
    if (isSecretKey(key) && !opts.showSecrets) throw new UsageError(`${key} is a secret: add --show-secrets to print its value`);
  }
  const masked = opts.showSecrets ? [] : [...new Set(entries.filter((e) => isSecretKey(e.key) && e.value !== '').map((e) => e.key))];
  return { instance: inst.name, path, readFrom, entries, problems: conf.problems.map((p) => `line ${p.line}: ${p.message}`), masked };
}

export interface SetResult {
  instance: string;
  path: string;
  changed: boolean;
  /** Unified diff, secrets masked unless asked otherwise. */
  diff: string;
  written: boolean;
  /** The options that change, secrets masked unless asked otherwise. */
  changes: { key: string; from?: string; to: string }[];
  /** The instance was running when the file was written (it must restart to read it). */
  running: boolean;
  viaHelper: boolean;
}

export async function setConfig(
  deps: ConfigDeps,
  opts: { namespace: string; name: string; assignments: Assignment[]; dryRun: boolean; showSecrets: boolean; onDiff?: (diff: string) => void },
): Promise<SetResult> {
  const inst = await resolveInstance(deps.kube, opts.namespace, opts.name);
  const path = odooConfPath(inst);
  return withInstanceFiles(deps, inst, async (t, viaHelper) => {
    const before = await readPodFile(deps.exec, t, path);
    const oldConf = parseOdooConf(before);
    if (oldConf.problems.length) {
      throw new FailureError(
        `${path} of ${inst.name} cannot be read by Odoo as it is (${oldConf.problems.map((p) => `line ${p.line}: ${p.message}`).join('; ')}); fix it by hand first`,
      );
    }
    const after = applyAssignments(before, opts.assignments);
    const newConf = parseOdooConf(after);
    const diff = renderConfDiff(oldConf, newConf, path, opts.showSecrets);
    const base = { instance: inst.name, path, diff, changes: optionChanges(oldConf, newConf, opts.showSecrets), running: !viaHelper, viaHelper };
    if (after === before) return { ...base, changed: false, written: false };
    opts.onDiff?.(diff);
    if (opts.dryRun) return { ...base, changed: true, written: false };
    await replacePodFile(deps.exec, t, path, after, before);
    return { ...base, changed: true, written: true };
  });
}

export function renderConfDiff(a: ParsedConf, b: ParsedConf, path: string, showSecrets: boolean): string {
  const ra = showSecrets ? a.lines : maskedLines(a);
  const rb = showSecrets ? b.lines : maskedLinesMarkingChanges(a, b);
  return renderUnifiedDiff(diffLines(a.lines, b.lines), { old: path, new: `${path} (new)` }, { old: (i) => ra[i], new: (i) => rb[i] });
}

/** The [options] keys whose values differ; a secret's values are masked, and a change still shows. */
export function optionChanges(a: ParsedConf, b: ParsedConf, showSecrets: boolean): { key: string; from?: string; to: string }[] {
  const before = effectiveOptions(a);
  const out: { key: string; from?: string; to: string }[] = [];
  for (const [key, o] of effectiveOptions(b)) {
    const was = before.get(key)?.value;
    if (was === o.value) continue;
    const show = (v: string) => (showSecrets ? v : maskValue(key, v));
    const to = show(o.value) + (!showSecrets && was !== undefined && isSecretKey(key) && was !== '' && o.value !== '' ? CHANGED_MARK : '');
    out.push({ key, ...(was !== undefined ? { from: show(was) } : {}), to });
  }
  return out;
}
