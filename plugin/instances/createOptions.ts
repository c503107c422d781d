// `create` flags into an InstanceSpec: every check on user input happens here, before any API call.
import { UsageError } from '../../lib/errors.js';
import type { PluginConfig } from '../core/config.js';
import { INGRESS_KINDS, imageFor, type IngressKind, type InstanceSpec } from './manifests.js';
import { databaseNameFor, validateInstanceName } from './names.js';
import { parseCpu, parseMemory, parseStorageSize } from './quantity.js';

export interface CreateFlags {
  name: string;
  customer?: string;
  odooVersion?: string;
  image?: string;
  storage?: string;
  cpu?: string;
  memory?: string;
  storageClass?: string;
  domain?: string;
  subdomain?: string;
  ingress?: string;
  dbSecret?: string;
  env?: string[];
  /** Allow a --storage above the config's maxStorage. */
  force?: boolean;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Database settings the plugin writes itself; passwords only ever come from a Secret.
const RESERVED_ENV = new Set(['ODOO_DATABASE_HOST', 'ODOO_DATABASE_PORT_NUMBER', 'ODOO_DATABASE_NAME', 'ODOO_DATABASE_USER', 'HOST', 'PORT', 'USER']);

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));

export function buildCreateSpec(flags: CreateFlags, config: PluginConfig, namespace: string): InstanceSpec {
  const name = validateInstanceName(flags.name);
  const customer = str(flags.customer) ?? str(config.customer);
  if (!customer) throw new UsageError('--customer is required: the customer id the instance belongs to (e.g. --customer 42)');
  if (customer.length > 63 || !LABEL_VALUE.test(customer)) {
    throw new UsageError(`invalid --customer "${customer}": at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`);
  }
  if (flags.image !== undefined && flags.odooVersion !== undefined) {
    throw new UsageError('--image and --odoo-version cannot be used together: --image names the whole image, e.g. odoo:17');
  }
  if (flags.domain !== undefined && flags.subdomain !== undefined) {
    throw new UsageError(`--domain and --subdomain cannot be used together: --domain is the full host, --subdomain is prefixed to ${config.baseDomain}`);
  }
  let image: string;
  if (flags.image !== undefined) {
    image = String(flags.image).trim();
    if (!image || /\s/.test(image)) throw new UsageError(`invalid --image "${flags.image}": give an image reference such as odoo:17 or bitnamilegacy/odoo:17`);
  } else {
    const version = String(flags.odooVersion ?? config.odooVersion).trim();
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(version)) throw new UsageError(`invalid --odoo-version "${flags.odooVersion}": use a version tag such as 17 or 16.0`);
    image = imageFor(String(config.image), version);
  }
  const ingress = String(flags.ingress ?? config.ingress) as IngressKind;
  if (!INGRESS_KINDS.includes(ingress)) throw new UsageError(`invalid --ingress "${flags.ingress}": use ${INGRESS_KINDS.join(', ')}`);
  let host: string | undefined;
  if (ingress !== 'none') {
    if (flags.domain !== undefined) host = String(flags.domain).trim().toLowerCase();
    else {
      const sub = String(flags.subdomain ?? name).trim().toLowerCase();
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(sub)) throw new UsageError(`invalid --subdomain "${flags.subdomain}": use lower-case letters, digits and "-" (e.g. acme)`);
      host = `${sub}.${config.baseDomain}`;
    }
    if (!DNS_SUBDOMAIN.test(host) || host.length > 253) throw new UsageError(`invalid --domain "${host}": use a host name such as acme.example.com`);
  } else if (flags.domain !== undefined || flags.subdomain !== undefined) {
    throw new UsageError('--domain/--subdomain need an ingress; they cannot be used with --ingress none');
  }
  const storageClass = String(flags.storageClass ?? config.storageClass);
  if (!DNS_SUBDOMAIN.test(storageClass)) throw new UsageError(`invalid --storage-class "${storageClass}": a StorageClass name such as rook-cephfs`);
  const dbSecret = String(flags.dbSecret ?? config.dbSecret);
  if (!DNS_SUBDOMAIN.test(dbSecret)) throw new UsageError(`invalid --db-secret "${dbSecret}": a Secret name such as odoo-db-credentials`);
  const env: [string, string][] = [];
  for (const kv of flags.env ?? []) {
    const text = String(kv);
    const eq = text.indexOf('=');
    const key = eq > 0 ? text.slice(0, eq) : '';
    if (!ENV_NAME.test(key)) throw new UsageError(`invalid --env "${text}": use KEY=VALUE with KEY made of letters, digits and "_"`);
    if (/PASSWORD|PASSWD|SECRET|TOKEN/i.test(key)) {
      throw new UsageError(`--env ${key}: secrets are never written into the Deployment as literals; the database password comes from --db-secret`);
    }
    if (RESERVED_ENV.has(key)) throw new UsageError(`--env ${key}: the database settings are set by create (from --db-secret and the config file)`);
    env.push([key, text.slice(eq + 1)]);
  }
  return {
    name,
    namespace,
    instanceId: name,
    customerId: customer,
    database: databaseNameFor(name),
    image,
    storage: parseStorageSize(String(flags.storage ?? config.storage), '--storage', { max: String(config.maxStorage), force: !!flags.force }).text,
    storageClass,
    cpu: parseCpu(String(flags.cpu ?? config.cpu)).text,
    memory: parseMemory(String(flags.memory ?? config.memory)).text,
    ingress,
    host,
    dbSecret,
    dbHost: String(config.dbHost),
    dbPort: String(config.dbPort),
    env,
  };
}
