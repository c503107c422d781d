// `kubectl odoo nodes` and `kubectl odoo nodes check`: flags are parsed and validated here, the work is
// done by plugin/nodes (listNodeSummaries, checkNodesThroughAgents, checkNodesOverSsh).
import { agentNamespaceOf } from '../support/instance.js';
import { parseTimeout } from '../../instances/wait.js';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { defineCommand } from '../../cli/command.js';
import type { OptionsContext } from '../../cli/context.js';
import { CheckFailedError, UsageError } from '../../../lib/errors.js';
import { DEFAULT_CONFIG } from '../../core/config.js';
import { showScreen } from '../../cli/output.js';
import { parseSshTarget, type SshTarget } from '../../nodes/sshHost.js';
import { CEPH_RELEASES, DEFAULT_CEPH_RELEASE, parseCephRelease, UUID_RE, type CephRelease } from '../../../lib/nodes/cephRelease.js';

interface NodesArgs {
  'agent-namespace'?: string;
}

interface CheckArgs extends NodesArgs {
  node?: string[];
  device?: string[];
  ssh?: string[];
  i?: string;
  'known-hosts'?: string;
  'accept-new-host-key': boolean;
  'allow-loop-devices': boolean;
  concurrency?: string | number;
  timeout?: string | number;
  replication?: number;
  'ceph-release'?: string;
  'ceph-fsid'?: string;
  'devices-only': boolean;
}

const agentNamespace = (ctx: OptionsContext, args: NodesArgs) => agentNamespaceOf(ctx, args['agent-namespace']);

export const nodesCheckCommand = defineCommand<CheckArgs, ValidCheck>({
  command: 'check [node..]',
  scope: 'cluster',
  outputs: ['table', 'wide', 'json', 'yaml'],
  describe: 'Inspect nodes now: OSD readiness of their devices, prerequisites, Ceph capacity (exit 0 only when all are ready)',
  builder: (y) =>
    y
      .positional('node', { type: 'string', array: true, describe: 'Nodes to check (default: every node of the cluster); with --ssh, more SSH targets' })
      .option('device', { type: 'string', array: true, requiresArg: true, describe: 'Device to judge instead of the configured ones (repeatable)' })
      .option('ssh', { type: 'string', array: true, requiresArg: true, describe: 'Check over SSH instead of the agent: user@host[:port] (the targets may follow as arguments)' })
      .option('i', { type: 'string', requiresArg: true, describe: 'SSH private key (default: ssh-agent, else ~/.ssh/id_ed25519, id_ecdsa, id_rsa)' })
      .option('known-hosts', { type: 'string', requiresArg: true, describe: 'known_hosts file to verify host keys (default ~/.ssh/known_hosts)' })
      .option('allow-loop-devices', { type: 'boolean', default: false, describe: 'With --ssh: accept loop devices, as ceph-volume does with CEPH_VOLUME_ALLOW_LOOP_DEVICES' })
      .option('accept-new-host-key', { type: 'boolean', default: false, describe: 'Trust and record the key of a host not yet in known_hosts (a changed key is always refused)' })
      .option('concurrency', { type: 'string', requiresArg: true, describe: 'Nodes checked at the same time (default: every node, at most 64; config nodeChecks.concurrency)' })
      .option('timeout', { type: 'string', requiresArg: true, describe: 'How long to wait for one node, e.g. 90s or 2m; a bare number is seconds (default from config: 120)' })
      .option('replication', { type: 'string', requiresArg: true, describe: 'Ceph replication for the capacity estimate (default from config: 3)' })
      .option('agent-namespace', { type: 'string', requiresArg: true, describe: 'Namespace of the node agent (default from config: kubectl-odoo)' })
      .option('ceph-release', {
        type: 'string',
        requiresArg: true,
        describe: `Ceph release to judge for: ${Object.entries(CEPH_RELEASES).map(([n, name]) => `${n}|${name}`).join(', ')} (default: the CephCluster's spec.cephVersion.image, else ${DEFAULT_CEPH_RELEASE})`,
      })
      .option('devices-only', { type: 'boolean', default: false, describe: 'Exit 0 when every device is READY, whatever the node prerequisites and cluster checks say' })
      .option('ceph-fsid', { type: 'string', requiresArg: true, describe: "The Ceph cluster's fsid, to tell its existing OSDs from another cluster's (default: the CephCluster's status.ceph.fsid)" })
      .example('$0 nodes check', 'every node through its agent')
      .example('$0 nodes check --ceph-release 18', 'judge as the ceph-volume of Reef does')
      .example('$0 nodes check node-1 --device /dev/sdb', 'one node, another device')
      .example('$0 nodes check --ssh root@10.0.0.1 root@10.0.0.2:2222 -i ~/.ssh/id_ed25519', 'machines without Kubernetes'),
  toOptions: (ctx, args) => validateCheckArgs(ctx, args),
  async run(opts, ctx) {
    const { checkNodesThroughAgents, checkNodesOverSsh, summariseChecks, describeFailedChecks, resolveJudgeTarget, readCephClusters } = await import('../../nodes/checkNodes.js');
    const progress = (node: string, message: string) => {
      if (ctx.globals.verbose > 0 || ctx.io.stderr.isTTY) ctx.progress(`${node}: ${message}`);
    };
    let results;
    let clusterChecks: import('../../../lib/nodes/facts.js').Check[] = [];
    let ceph: import('../../nodes/checkNodes.js').JudgeTarget;
    if (opts.ssh) {
      ceph = resolveJudgeTarget(opts.judge, undefined);
      const { connectSsh } = await import('../../nodes/sshHost.js');
      const { loadHeavy } = await import('../../core/heavy/load.js');
      const { SshClient } = await loadHeavy();
      const ssh = opts.ssh;
      const { DEFAULT_JUDGE_POLICY } = await import('../../../lib/nodes/report.js');
      const policy = {
        ...DEFAULT_JUDGE_POLICY,
        readiness: { ...DEFAULT_JUDGE_POLICY.readiness, allowLoopDevices: ssh.allowLoop, release: ceph.release, ...(ceph.cephFsid ? { cephFsid: ceph.cephFsid } : {}) },
      };
      results = await checkNodesOverSsh(
        (t) =>
          connectSsh(SshClient as any, t, {
            ...ssh.auth,
            knownHostsFile: ssh.knownHosts,
            acceptNewHostKey: ssh.acceptNew,
            timeoutMs: opts.timeoutMs,
            onHostKeyAdded: (tt) => ctx.progress(`Warning: permanently added the host key of ${tt.host}:${tt.port} to ${ssh.knownHosts}`),
          }),
        { targets: ssh.targets, devices: opts.devices ?? ctx.config.devices, concurrency: opts.concurrency, policy, onProgress: progress, now: () => ctx.clock.now().getTime() },
      );
    } else {
      const kube = await ctx.kube();
      const { openPortForward } = await import('../../../lib/kube/portForward.js');
      // Only a flag left unset needs the CephCluster.
      ceph = resolveJudgeTarget(opts.judge, opts.judge.release !== undefined && opts.judge.cephFsid ? undefined : await readCephClusters(kube));
      ({ results, clusterChecks } = await checkNodesThroughAgents(kube, (t) => openPortForward(kube, t), {
        judge: ceph,
        namespace: opts.agentNamespace,
        nodes: opts.nodes,
        devices: opts.devices,
        concurrency: opts.concurrency,
        timeoutMs: opts.timeoutMs,
        onProgress: progress,
        signal: ctx.signal,
        now: () => ctx.clock.now().getTime(),
      }));
      await (await import('../agent/versionSkew.js')).warnOnAgentVersionSkew(kube, opts.agentNamespace, ctx.progress);
    }
    const out = summariseChecks(results, {
      capacity: { replication: opts.replication, overhead: opts.overhead },
      ceph,
      clusterChecks,
      devicesOnly: opts.devicesOnly,
      wholeCluster: !!opts.ssh || opts.nodes.length === 0,
    });
    const { renderChecks } = await import('../../nodes/render.js');
    const text = renderChecks(out, ctx.colors, { wide: ctx.globals.output === 'wide', aligned: !!ctx.io.stdout.isTTY });
    return showScreen(text, out, { failure: out.ready ? undefined : new CheckFailedError(describeFailedChecks(out)) });
  },
});

interface ValidCheck {
  /** Where the node agent runs (not used with --ssh). */
  agentNamespace: string;
  nodes: string[];
  devices?: string[];
  concurrency?: number;
  timeoutMs: number;
  replication: number;
  overhead: [number, number];
  judge: { release?: CephRelease; cephFsid?: string };
  devicesOnly: boolean;
  ssh?: {
    targets: SshTarget[];
    auth: { privateKey?: Buffer; agentSocket?: string };
    knownHosts: string;
    acceptNew: boolean;
    allowLoop: boolean;
  };
}

function positiveInt(v: string | number | undefined, fallback: number, flag: string): number {
  if (v === undefined) return fallback;
  const text = String(v).trim();
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag} must be a whole number of at least 1, got ${text}`);
  return Number(text);
}

function validateCheckArgs(ctx: OptionsContext, args: CheckArgs): ValidCheck {
  const cfg = { ...DEFAULT_CONFIG.nodeChecks, ...(ctx.config.nodeChecks ?? {}) };
  const devices = args.device?.map((d) => {
    if (!/^\/dev\/[A-Za-z0-9._:+@/-]+$/.test(d) || d.includes('..')) throw new UsageError(`--device must be a device path under /dev/ (e.g. /dev/sda2), got "${d}"`);
    return d;
  });
  const common = {
    agentNamespace: agentNamespace(ctx, args),
    devices,
    // Unset: sized to the fleet by the check itself.
    concurrency: args.concurrency !== undefined ? positiveInt(args.concurrency, 1, '--concurrency') : cfg.concurrency,
    timeoutMs: args.timeout !== undefined ? parseTimeout(args.timeout, '--timeout') : cfg.timeoutSeconds * 1000,
    replication: positiveInt(args.replication, ctx.config.replication, '--replication'),
    overhead: cfg.capacityOverhead,
    judge: validateJudgeArgs(args),
    devicesOnly: !!args['devices-only'],
  };
  const positional = (args.node ?? []).map(String);
  if (!args.ssh?.length) {
    const sshOnly = [
      ['-i', args.i],
      ['--known-hosts', args['known-hosts']],
      ['--accept-new-host-key', args['accept-new-host-key'] || undefined],
      ['--allow-loop-devices', args['allow-loop-devices'] || undefined],
    ] as const;
    for (const [flag, given] of sshOnly) {
      if (given !== undefined) throw new UsageError(`${flag} only applies with --ssh`);
    }
    for (const n of positional) if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(n)) throw new UsageError(`"${n}" is not a valid node name`);
    return { nodes: positional, ...common };
  }
  const targets = [...args.ssh, ...positional].map((spec) => {
    const t = parseSshTarget(spec);
    if (!t) throw new UsageError(`"${spec}" is not an SSH target: use user@host or user@host:port`);
    return t;
  });
  const home = ctx.env.HOME || homedir();
  let privateKey: Buffer | undefined;
  let agentSocket: string | undefined;
  if (args.i) {
    try {
      privateKey = readFileSync(args.i);
    } catch (e) {
      throw new UsageError(`cannot read the SSH key ${args.i}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  } else if (ctx.env.SSH_AUTH_SOCK) {
    agentSocket = ctx.env.SSH_AUTH_SOCK;
  } else {
    const found = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(home, '.ssh', f)).find((f) => existsSync(f));
    if (!found) throw new UsageError('no SSH key: pass -i KEY, or run an ssh-agent (SSH_AUTH_SOCK)');
    privateKey = readFileSync(found);
  }
  return {
    nodes: [],
    ...common,
    ssh: { targets, auth: { privateKey, agentSocket }, knownHosts: args['known-hosts'] ?? join(home, '.ssh', 'known_hosts'), acceptNew: !!args['accept-new-host-key'], allowLoop: !!args['allow-loop-devices'] },
  };
}

function validateJudgeArgs(args: CheckArgs): { release?: CephRelease; cephFsid?: string } {
  const judge: { release?: CephRelease; cephFsid?: string } = {};
  if (args['ceph-release'] !== undefined) {
    const r = parseCephRelease(String(args['ceph-release']));
    if (!r) throw new UsageError(`--ceph-release must be one of ${Object.entries(CEPH_RELEASES).map(([n, name]) => `${n} (${name})`).join(', ')}, got "${args['ceph-release']}"`);
    judge.release = r;
  }
  if (args['ceph-fsid'] !== undefined) {
    if (!UUID_RE.test(String(args['ceph-fsid']))) throw new UsageError(`--ceph-fsid must be a UUID (ceph fsid prints it), got "${args['ceph-fsid']}"`);
    judge.cephFsid = String(args['ceph-fsid']).toLowerCase();
  }
  return judge;
}

export const nodesCommand = defineCommand<NodesArgs, { agentNamespace: string }>({
  command: 'nodes',
  scope: 'cluster',
  describe: 'Node readiness for Ceph OSDs, prerequisites and disk usage, from the node agents',
  builder: (y) =>
    y
      .option('agent-namespace', { type: 'string', requiresArg: true, describe: 'Namespace of the node agent (default from config: kubectl-odoo)' })
      .example('$0 nodes', 'last summary of every node (exit 0 only when every node has a fresh READY summary)')
      .example('$0 nodes check', 'inspect every node now'),
  subcommands: [nodesCheckCommand],
  outputs: ['table', 'wide', 'json', 'yaml'],
  toOptions: (ctx, args) => ({ agentNamespace: agentNamespace(ctx, args) }),
  async run(opts, ctx) {
    const kube = await ctx.kube();
    const { listNodeSummaries, nodeSummariesData, describeUnready } = await import('../../nodes/listNodes.js');
    const namespace = opts.agentNamespace;
    const summaries = await listNodeSummaries(kube, namespace, ctx.clock.now());
    const { renderNodeList } = await import('../../nodes/render.js');
    const text = renderNodeList(summaries, ctx.colors, { wide: ctx.globals.output === 'wide', aligned: !!ctx.io.stdout.isTTY, namespace });
    // Exit 0 only when every node has a fresh READY summary, so scripts can gate on it.
    return showScreen(text, nodeSummariesData(summaries), { failure: summaries.ready ? undefined : new CheckFailedError(describeUnready(summaries)) });
  },
});
