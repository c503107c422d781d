// psql against an instance's own database with the instance's own credentials. The password never
// leaves the cluster: the exec'd command is a constant script that copies it, by the name of the
// container's environment variable, into PGPASSWORD of the psql it execs. No value is on a command
// line, in our output or in an object; the fallback pod takes it from the Secret by reference.
import { asWritten, type Read, type V1Deployment, type V1EnvVar, type V1Pod } from '../../lib/kube/models.js';
import { odooContainer } from '../instances/facts.js';
import type { InstanceObjects } from '../instances/resolve.js';
import { FailureError } from '../../lib/errors.js';
import { helperPodSpec, placementOf } from '../core/helperPod.js';
import { LABEL_K8S_COMPONENT, LABEL_K8S_INSTANCE, LABEL_K8S_MANAGED_BY, MANAGED_BY_PLUGIN } from '../instances/labels.js';

/** libpq's variables and the container variables that hold them, in the order the platforms use them. */
const DB_VARIABLES: [string, string[]][] = [
  ['PGHOST', ['ODOO_DATABASE_HOST', 'HOST', 'DB_HOST']],
  ['PGPORT', ['ODOO_DATABASE_PORT_NUMBER', 'ODOO_DATABASE_PORT', 'PORT', 'DB_PORT']],
  ['PGUSER', ['ODOO_DATABASE_USER', 'USER', 'DB_USER']],
  ['PGPASSWORD', ['ODOO_DATABASE_PASSWORD', 'PASSWORD', 'DB_PASSWORD']],
  ['PGDATABASE', ['ODOO_DATABASE_NAME', 'DB_NAME']],
];

export interface DbEnvironment {
  /** [libpq variable, container variable] pairs. */
  pairs: [string, string][];
  /** The container's env entries they come from, as the Deployment defines them (Secret references kept). */
  entries: V1EnvVar[];
}

/** Which of the Odoo container's variables hold the database settings (pure). */
export function dbEnvironmentOf(deployment: Read<V1Deployment> | undefined): DbEnvironment {
  const env = odooContainer(deployment)?.env ?? [];
  const pairs: [string, string][] = [];
  const entries: V1EnvVar[] = [];
  for (const [pg, names] of DB_VARIABLES) {
    const e = names.map((n) => env.find((x) => x.name === n)).find(Boolean);
    if (!e?.name) continue;
    pairs.push([pg, e.name]);
    entries.push(asWritten<V1EnvVar>(e));
  }
  return { pairs, entries };
}

/**
 * $1 $2 pairs (libpq variable, container variable) up to "--", then psql's argv. Each container
 * variable is read by name (checked to be one), so its value is never part of the script.
 */
export const PSQL_SCRIPT = [
  'while [ "$#" -gt 0 ] && [ "$1" != -- ]; do',
  '  case "$2" in ""|[0-9]*|*[!A-Za-z0-9_]*) echo "kubectl-odoo: bad variable name" >&2; exit 2;; esac',
  '  v=; eval "v=\\${$2-}"',
  '  export "$1=$v"',
  '  shift 2',
  'done',
  'shift',
  'exec psql "$@"',
].join('\n');

/** Whether the container has psql (exit 0) or not. */
export const HAS_PSQL = ['sh', '-c', 'command -v psql >/dev/null 2>&1'];

export function psqlCommand(db: DbEnvironment, database: string | undefined, psqlArgs: string[]): string[] {
  const hasDb = db.pairs.some(([pg]) => pg === 'PGDATABASE');
  return ['sh', '-c', PSQL_SCRIPT, 'sh', ...db.pairs.flat(), '--', ...(!hasDb && database ? ['-d', database] : []), ...psqlArgs];
}

export function requirePassword(inst: InstanceObjects, db: DbEnvironment): void {
  if (!db.pairs.some(([pg]) => pg === 'PGPASSWORD')) {
    throw new FailureError(`instance ${inst.name} has no database password in its container's environment (looked for ${DB_VARIABLES[3][1].join(', ')})`);
  }
}

export const PSQL_POD_COMPONENT = 'psql';
const PSQL_POD_SECONDS = 3600;

/** A short-lived pod with psql and the instance's database variables, taken from the same Secrets by reference. */
export function buildPsqlPod(inst: InstanceObjects, db: DbEnvironment, image: string, suffix: string): V1Pod & { metadata: { name: string } } {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${inst.name.slice(0, 63 - 10)}-psql-${suffix}`,
      namespace: inst.namespace,
      labels: { [LABEL_K8S_MANAGED_BY]: MANAGED_BY_PLUGIN, [LABEL_K8S_COMPONENT]: PSQL_POD_COMPONENT, [LABEL_K8S_INSTANCE]: inst.name },
    },
    spec: helperPodSpec({
      container: {
        name: 'psql',
        image,
        command: ['sleep', String(PSQL_POD_SECONDS)],
        env: db.entries,
        resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
      },
      placement: placementOf(inst.deployment),
      // A pod the plugin could not delete (killed, network gone) ends itself.
      activeDeadlineSeconds: PSQL_POD_SECONDS,
      terminationGracePeriodSeconds: 1,
    }),
  };
}
