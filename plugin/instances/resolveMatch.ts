// Which instance a name people type refers to. Pure: Deployments in, the one they name (or a typed
// error listing every candidate and the key it matched) out.
//
// An instance answers, exactly, to every name the platform and the plugin give it: its Deployment name,
// the platform's instance-name, its database (the `database` label or ODOO_DATABASE_NAME), its instance
// id (as labelled, without dashes, or as in its `odoo-instance-<id>` PVC) and its PVC name. The one
// prefix allowed is the 8-character id8 of `odoo-<db>-<id8>`. Two instances answering to one name, by
// whatever keys, is an error: the command never picks one.
import type { Read, Stored, V1Deployment } from '../../lib/kube/models.js';
import { UsageError } from '../../lib/errors.js';
import { deriveInstanceFacts, type InstanceFacts } from './facts.js';
import { instanceNameOf, LABEL_DATABASE } from './labels.js';

/** How a name matched an instance, in the words the error and `list` use. */
export type InstanceKey = 'Deployment name' | 'instance name' | 'database' | 'instance id' | 'PVC name' | 'id8';

const KEY_ORDER: InstanceKey[] = ['Deployment name', 'instance id', 'instance name', 'database', 'PVC name', 'id8'];
const HEX8 = /^[0-9a-f]{8}$/;
const HEX8_ANY_CASE = /^[0-9a-f]{8}$/i;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX32_RE = /^[0-9a-f]{32}$/i;

/**
 * A UUID is one id whatever its case and whether it has its dashes (RFC 9562): its 32-hex form in lower
 * case, or undefined when `s` is no UUID.
 */
export function uuidHexOf(s: string): string | undefined {
  return UUID_RE.test(s) || HEX32_RE.test(s) ? s.replace(/-/g, '').toLowerCase() : undefined;
}

/** The dashed 8-4-4-4-12 form of a 32-hex id. */
function dashedUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Every id an instance is known by: its instance-id label (as written and without dashes) and the id in
 * its data PVC's name (`odoo-instance-<id>`): the refactoring guide labels Deployments with the
 * 8-character prefix only, while its PVC carries the full id people see elsewhere. A UUID is known in
 * both forms: the platform's tickets show it dashed, its PVC name (seed 000) holds the 32-hex form.
 */
export function instanceIdsOf(deployment: Read<V1Deployment>): string[] {
  return instanceIdsOfFacts(deriveInstanceFacts(deployment));
}

/** instanceIdsOf, from the facts already derived from the Deployment. */
export function instanceIdsOfFacts(facts: Pick<InstanceFacts, 'instanceId' | 'pvcName'>): string[] {
  const ids = new Set<string>();
  const add = (x: string) => {
    ids.add(x);
    ids.add(x.replace(/-/g, ''));
    const hex = uuidHexOf(x);
    if (hex) {
      ids.add(hex);
      ids.add(dashedUuid(hex));
    }
  };
  if (facts.instanceId) add(facts.instanceId);
  const m = /^odoo-instance-(.+)$/.exec(facts.pvcName ?? '');
  if (m) add(m[1]);
  return [...ids];
}

/** The database names an instance carries: the `database` label (Deployment or pods) and ODOO_DATABASE_NAME. */
export function databaseNamesOf(deployment: Read<V1Deployment>, facts: InstanceFacts = deriveInstanceFacts(deployment)): string[] {
  const names = [
    facts.db.name?.value,
    deployment?.spec?.template?.metadata?.labels?.[LABEL_DATABASE],
    deployment?.metadata?.labels?.[LABEL_DATABASE],
  ];
  return [...new Set(names.filter((n): n is string => !!n))];
}

type ExactKey = Exclude<InstanceKey, 'id8'>;

/** Every exact name of an instance with the key it comes from; a value may come from several keys. */
function exactKeysOf(deployment: Read<V1Deployment>, facts: InstanceFacts = deriveInstanceFacts(deployment)): { key: ExactKey; value: string }[] {
  const out: { key: ExactKey; value: string }[] = [];
  const add = (key: ExactKey, value: string | undefined) => {
    if (value) out.push({ key, value });
  };
  add('Deployment name', deployment?.metadata?.name);
  for (const id of instanceIdsOfFacts(facts)) add('instance id', id);
  add('instance name', instanceNameOf(deployment?.metadata?.labels) ?? instanceNameOf(deployment?.spec?.template?.metadata?.labels));
  for (const db of databaseNamesOf(deployment, facts)) add('database', db);
  add('PVC name', facts.pvcName);
  return out;
}

/** The distinct names an instance answers to exactly, each with its first key (what completion offers). */
export function instanceKeysOf(deployment: Read<V1Deployment>): { key: ExactKey; value: string }[] {
  const seen = new Set<string>();
  return exactKeysOf(deployment).filter((k) => !seen.has(k.value) && seen.add(k.value));
}

/** The 8-character id8 of an instance: the start of its instance id (without dashes). */
export function id8sOf(deployment: Read<V1Deployment>, facts: InstanceFacts = deriveInstanceFacts(deployment)): string[] {
  return [...new Set(instanceIdsOfFacts(facts).map((id) => id.replace(/-/g, '').slice(0, 8)).filter((x) => HEX8.test(x)))];
}

/**
 * The keys by which `ref` names this Deployment, best first; empty when it does not. Never a prefix,
 * except an 8-hex-character ref that starts one of the instance's ids (its id8).
 */
export function matchInstanceKeys(ref: string, deployment: Read<V1Deployment>): InstanceKey[] {
  // Derived once: matching runs over every instance of the namespace.
  const facts = deriveInstanceFacts(deployment);
  // An id is typed as the ticket shows it: a UUID or an id8 in upper case is the same id.
  const uuid = uuidHexOf(ref);
  const sameId = (value: string) => value === ref || (!!uuid && uuidHexOf(value) === uuid);
  const keys = new Set<InstanceKey>(exactKeysOf(deployment, facts).filter((k) => (k.key === 'instance id' ? sameId(k.value) : k.value === ref)).map((k) => k.key));
  if (keys.size === 0 && HEX8_ANY_CASE.test(ref) && id8sOf(deployment, facts).includes(ref.toLowerCase())) keys.add('id8');
  return KEY_ORDER.filter((k) => keys.has(k));
}

/** Whether `ref` names this Deployment by an exact key (not by its id8). */
export function referencesInstance(ref: string, deployment: Read<V1Deployment>): boolean {
  return matchInstanceKeys(ref, deployment).some((k) => k !== 'id8');
}

export interface InstanceCandidate {
  name: string;
  keys: InstanceKey[];
  /** A name only this candidate answers to, if it has one. */
  unique?: string;
}

/** `ref` names several instances: exit 2 with every candidate, the key it matched and a name only it has. */
export class AmbiguousInstanceError extends UsageError {
  constructor(
    readonly ref: string,
    readonly namespace: string,
    readonly candidates: InstanceCandidate[],
  ) {
    const list = candidates.map((c) => `${c.name} (${c.keys.join(', ')})`).join(', ');
    const alternatives = candidates.filter((c) => c.unique).map((c) => `${c.unique} for ${c.name}`);
    super(`"${ref}" is ambiguous in namespace ${namespace}: it names ${candidates.length} instances: ${list}`, {
      hint: alternatives.length ? `name the one you mean by what only it answers to: ${alternatives.join('; ')}` : 'name the one you mean by its Deployment name or instance id',
    });
  }
}

/**
 * Picks the one Deployment `ref` names among `instances` (one namespace), or undefined when none.
 * Several candidates, by the same or different keys, are an AmbiguousInstanceError.
 */
export function pickInstance<D extends Stored<V1Deployment>>(ref: string, instances: D[], namespace: string): D | undefined {
  const hits = instances.map((d) => ({ d, keys: matchInstanceKeys(ref, d) })).filter((h) => h.keys.length > 0);
  if (hits.length === 0) return undefined;
  if (hits.length === 1) return hits[0].d;
  const answersOnlyTo = (value: string, d: D) => instances.every((o) => o === d || matchInstanceKeys(value, o).length === 0);
  const candidates = hits.map(({ d, keys }) => ({
    name: d.metadata.name,
    keys,
    unique: instanceKeysOf(d).map((k) => k.value).find((v) => v !== ref && answersOnlyTo(v, d)),
  }));
  throw new AmbiguousInstanceError(ref, namespace, candidates.sort((a, b) => (a.name < b.name ? -1 : 1)));
}

/** The PVC name a Deployment without a data volume is given: `odoo-instance-<id>` (facts.ts). */
const DERIVED_PVC_PREFIX = 'odoo-instance-';

/**
 * Whether the JSON text of API objects may hold an instance `ref` names; false only when none in it
 * does, so a list page the test fails need not be parsed. Every exact name is written in the text as
 * it is; an id without dashes and an id8 are written with dashes between some of their characters; the
 * PVC name of a Deployment without a data volume is `odoo-instance-` and its id. Undefined (no test)
 * when `ref` has a character JSON may escape.
 */
export function textMayNameInstance(ref: string): ((text: string) => boolean) | undefined {
  if (!/^[A-Za-z0-9._-]+$/.test(ref)) return undefined;
  const forms = [ref];
  if (ref.startsWith(DERIVED_PVC_PREFIX) && ref.length > DERIVED_PVC_PREFIX.length) forms.push(ref.slice(DERIVED_PVC_PREFIX.length));
  // A dashed UUID may be written as its 32-hex form only (a PVC name); ids match in either case.
  const uuid = uuidHexOf(ref);
  if (uuid) forms.push(uuid);
  const tests = forms.map((f): ((text: string) => boolean) => {
    const flags = /^[0-9a-f-]+$/i.test(f) ? 'i' : '';
    // With a dash it is no id without dashes nor an id8: only the name as it is.
    if (f.includes('-')) {
      if (!flags) return (text) => text.includes(f);
      const written = new RegExp(f, flags);
      return (text) => written.test(text);
    }
    const spread = new RegExp([...f].map((c) => c.replace(/\./g, '\\.')).join('-*'), flags);
    return (text) => spread.test(text);
  });
  return (text) => tests.some((t) => t(text));
}
