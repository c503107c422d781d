import { describe, expect, it } from 'vitest';
import { createCommand } from './command.js';
import { optionsContext } from '../../cli/testing/options.js';
import { runWithoutCluster } from '../../../test/harness/inProcess.js';

const args = (over: Record<string, unknown> = {}) => ({ name: 'acme', customer: '42', wait: false, force: false, reuseVolume: false, ...over }) as Parameters<NonNullable<typeof createCommand.toOptions>>[1];
const toOptions = (over: Record<string, unknown> = {}, ctx = optionsContext()) => createCommand.toOptions!(ctx, args(over));

describe('create options', () => {
  it('fills the instance from the config file where no flag is given, in the namespace of -n', () => {
    const ctx = optionsContext({
      globals: { namespace: 'shop' },
      config: { customer: '7', storage: '20G', cpu: '2', memory: '4Gi', baseDomain: 'odoo.example.com', image: 'odoo', odooVersion: '16.0', waitTimeout: '90s' },
    });
    const o = toOptions({ customer: undefined, wait: true }, ctx);
    expect(o).toEqual({
      spec: {
        name: 'acme',
        namespace: 'shop',
        instanceId: 'acme',
        customerId: '7',
        database: 'acme',
        image: 'odoo:16.0',
        storage: '20Gi',
        storageClass: 'rook-cephfs',
        cpu: '2',
        memory: '4Gi',
        ingress: 'ingress',
        host: 'acme.odoo.example.com',
        dbSecret: 'odoo-db-credentials',
        dbHost: 'postgres',
        dbPort: '5432',
        env: [],
      },
      dryRun: undefined,
      wait: true,
      timeoutMs: 90_000,
      timeout: '90s',
      reuseVolume: false,
      storageGiven: false,
      storageClassGiven: false,
    });
  });

  it('takes the flags over the config file, and says which of the volume\'s were given', () => {
    const o = toOptions(
      { name: 'my-shop', storage: '5Gi', storageClass: 'ceph-rbd', image: 'registry.local/odoo:17-custom', subdomain: 'shop', env: ['LOG_LEVEL=debug'], timeout: '2m', reuseVolume: true, dryRun: 'server' },
      optionsContext({ config: { namespace: 'odoo-prod' } }),
    );
    expect(o.spec).toMatchObject({ name: 'my-shop', namespace: 'odoo-prod', database: 'my_shop', customerId: '42', image: 'registry.local/odoo:17-custom', storage: '5Gi', storageClass: 'ceph-rbd', host: 'shop.saasodoo.local', env: [['LOG_LEVEL', 'debug']] });
    expect(o).toMatchObject({ dryRun: 'server', timeoutMs: 120_000, timeout: '2m', reuseVolume: true, storageGiven: true, storageClassGiven: true });
    expect(toOptions({ ingress: 'none' }).spec.host).toBeUndefined();
  });

  it('refuses every bad flag', () => {
    expect(() => toOptions({ dryRun: 'client', wait: true })).toThrow('--wait cannot be used with --dry-run: nothing is created to wait for');
    expect(() => toOptions({ timeout: 'soon' })).toThrow('invalid --timeout "soon": use a duration such as 90s, 5m or 1h');
    expect(() => toOptions({ name: 'Acme' })).toThrow(/^invalid instance name "Acme"/);
    expect(() => toOptions({ customer: undefined })).toThrow('--customer is required: the customer id the instance belongs to (e.g. --customer 42)');
    expect(() => toOptions({ customer: 'a b' })).toThrow('invalid --customer "a b": at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit');
    expect(() => toOptions({ image: 'odoo:17', odooVersion: '16' })).toThrow('--image and --odoo-version cannot be used together: --image names the whole image, e.g. odoo:17');
    expect(() => toOptions({ domain: 'a.example.com', subdomain: 'a' })).toThrow('--domain and --subdomain cannot be used together: --domain is the full host, --subdomain is prefixed to saasodoo.local');
    expect(() => toOptions({ ingress: 'none', domain: 'a.example.com' })).toThrow('--domain/--subdomain need an ingress; they cannot be used with --ingress none');
    expect(() => toOptions({ storage: '10GB' })).toThrow(/^invalid --storage "10GB"/);
    expect(() => toOptions({ storage: '32Ti' })).toThrow(/maxStorage/);
    expect(toOptions({ storage: '32Ti', force: true }).spec.storage).toBe('32Ti');
    expect(() => toOptions({ cpu: 'fast' })).toThrow('invalid --cpu "fast": use cores such as 2 or 0.5, or millicores such as 500m');
    expect(() => toOptions({ memory: '2 GB' })).toThrow('invalid --memory "2 GB": use a size such as 2Gi or 512Mi');
    expect(() => toOptions({ env: ['ODOO_PASSWORD=x'] })).toThrow('--env ODOO_PASSWORD: secrets are never written into the Deployment as literals; the database password comes from --db-secret');
    expect(() => toOptions({}, optionsContext({ globals: { namespace: 'Shop' } }))).toThrow('invalid namespace "Shop": it must be a DNS-1123 label (lower-case letters, digits and "-")');
  });

  it('refuses bad input with exit 2 before the cluster is contacted', async () => {
    const r = await runWithoutCluster(['create', 'acme', '--customer', '42', '--memory', '2 GB'], { env: { NO_COLOR: '1', XDG_CONFIG_HOME: '/nonexistent' } });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: invalid --memory "2 GB": use a size such as 2Gi or 512Mi');
    expect(r.stdout).toBe('');
    expect(r.contacted).toBe(0);
  });
});
