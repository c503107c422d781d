import type { KubeObject } from '../../../lib/kube/models.js';
import { defineCommand } from '../../cli/command.js';
import { UsageError } from '../../../lib/errors.js';
import { objectRef } from '../../core/output/printer.js';
import { showAction, showObjects } from '../../cli/output.js';
import { buildCreateSpec, type CreateFlags } from '../../instances/createOptions.js';
import { instanceNamespace, parseDryRun, waitTimeout, type DryRun } from '../support/instance.js';
import { INGRESS_KINDS, type InstanceSpec } from '../../instances/manifests.js';

interface CreateArgs extends CreateFlags {
  wait: boolean;
  timeout?: string;
  dryRun?: string | boolean;
  reuseVolume: boolean;
}

interface CreateOptions {
  /** The instance to create, every flag checked and the config file's defaults filled in. */
  spec: InstanceSpec;
  dryRun: DryRun;
  wait: boolean;
  timeoutMs: number;
  /** --timeout as given, else the config file's waitTimeout: what the wait says it waits. */
  timeout: string;
  reuseVolume: boolean;
  /** --storage and --storage-class were given, not taken from the config file. */
  storageGiven: boolean;
  storageClassGiven: boolean;
}

export const createCommand = defineCommand<CreateArgs, CreateOptions>({
  command: 'create <name>',
  scope: 'instance',
  outputs: ['table', 'json', 'yaml', 'name'],
  dryRun: { server: true, describe: 'Print the objects it would create; create nothing' },
  describe: 'Create an Odoo instance: PVC, Deployment, Service and ingress',
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Instance name (lower-case letters, digits, "-"); also its Deployment, Service and ingress name' })
      .option('customer', { type: 'string', describe: 'Customer id the instance belongs to (label saasodoo.io/customer-id)' })
      .option('odoo-version', { type: 'string', describe: 'Odoo version tag of the configured image repository (default 17)' })
      .option('image', { type: 'string', describe: 'Full image reference instead of --odoo-version (e.g. odoo:17)' })
      .option('storage', { type: 'string', describe: 'Volume size, e.g. 10Gi (the platform\'s 10G means 10Gi)' })
      .option('cpu', { type: 'string', describe: 'CPU request and limit, e.g. 1 or 500m' })
      .option('memory', { type: 'string', describe: 'Memory request and limit, e.g. 2Gi' })
      .option('force', { type: 'boolean', default: false, describe: 'Accept a --storage above maxStorage of the config file (default 16Ti)' })
      .option('storage-class', { type: 'string', describe: 'StorageClass of the volume (default rook-cephfs)' })
      .option('domain', { type: 'string', describe: 'Full host name for the ingress' })
      .option('subdomain', { type: 'string', describe: 'Host is <subdomain>.<baseDomain> (default: the name)' })
      .option('ingress', { type: 'string', choices: INGRESS_KINDS as unknown as string[], describe: 'Traefik IngressRoute, a plain Ingress, or none (default ingress)' })
      .option('db-secret', { type: 'string', describe: 'Secret with the database "username" and "password" (default odoo-db-credentials)' })
      .option('env', { type: 'string', array: true, describe: 'Extra environment variable KEY=VALUE (repeatable; never secrets)' })
      .option('reuse-volume', { type: 'boolean', default: false, describe: 'Bring back a deleted instance on the volume "delete" kept (same customer only)' })
      .option('wait', { type: 'boolean', default: false, describe: 'Wait until the instance is ready' })
      .option('timeout', { type: 'string', describe: 'How long --wait waits (default 10m)' }),
  complete: async () => [],
  toOptions(ctx, args) {
    const dryRun = parseDryRun(args.dryRun);
    if (dryRun && args.wait) throw new UsageError('--wait cannot be used with --dry-run: nothing is created to wait for');
    const timeoutMs = waitTimeout(ctx, args.timeout);
    const spec = buildCreateSpec(args, ctx.config, instanceNamespace(ctx));
    return {
      spec,
      dryRun,
      wait: args.wait,
      timeoutMs,
      timeout: String(args.timeout ?? ctx.config.waitTimeout),
      reuseVolume: args.reuseVolume,
      storageGiven: args.storage !== undefined,
      storageClassGiven: args.storageClass !== undefined,
    };
  },
  async run(opts, ctx) {
    const { spec, dryRun, timeoutMs } = opts;
    const { createSteps, createInstance } = await import('../../instances/create.js');
    const asList = (items: KubeObject[]) => ({ apiVersion: 'v1', kind: 'List', items });
    if (dryRun === 'client') {
      return dryRunOutput(createSteps(spec).map((s) => s.object), 'dry run');
    }
    const kube = await ctx.kube();
    const result = await createInstance(kube, {
      spec,
      serverDryRun: dryRun === 'server',
      signal: ctx.signal,
      progress: (l) => ctx.progress(l),
      reuseVolume: opts.reuseVolume,
      storageGiven: opts.storageGiven,
      storageClassGiven: opts.storageClassGiven,
    });
    if (dryRun === 'server') return dryRunOutput(result.objects, 'server dry run');
    const created = showAction({ lines: [`instance/${spec.name} created`], name: `instance/${spec.name}`, data: asList(result.objects) });
    if (!opts.wait) return created;
    // The instance exists whatever the wait brings: that is said first.
    await ctx.show(created);
    const { waitForInstance } = await import('../../instances/wait.js');
    const { statusText } = await import('../../instances/status.js');
    const { instanceSelectorLabels } = await import('../../instances/labels.js');
    ctx.progress(`waiting for instance ${spec.name} to become ready (timeout ${opts.timeout})...`);
    await waitForInstance(kube, {
      namespace: spec.namespace,
      name: spec.name,
      podSelector: instanceSelectorLabels(spec),
      until: 'ready',
      timeoutMs,
      clock: ctx.clock,
      signal: ctx.signal,
      onProgress: (s) => ctx.progress(`  ${spec.name}: ${statusText(s)}${s.message ? ` - ${s.message}` : ''}`),
    });
    ctx.progress(`instance ${spec.name} is ready`);
  },
});

/** What a dry run would create, as kubectl prints it: `kind.group/name created (dry run)` lines. */
function dryRunOutput(objects: KubeObject[], how: string) {
  return showObjects(objects, (o) => `${objectRef(o)} created (${how})`);
}
