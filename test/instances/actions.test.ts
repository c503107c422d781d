// Action commands print what they did in the asked format, --dry-run changes nothing, --wait reports
// each state once, and logs reads the instance's Odoo log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCluster } from '../cluster/index.js';
import { LiveCommand, NS, clusterWithNamespace, getJson, objectNames, odoo } from './helpers.js';

let cluster: TestCluster;
let run: ReturnType<typeof odoo>;

beforeAll(async () => {
  cluster = await clusterWithNamespace();
  run = odoo(cluster);
  expect((await run(['create', 'acme', '--customer', '42', '--wait', '--timeout', '120s'])).code).toBe(0);
});
afterAll(async () => cluster?.stop());

const deployment = () => getJson(cluster, ['-n', NS, 'get', 'deployment', 'acme']);

describe('-o on action commands', { timeout: 120_000 }, () => {
  it('stop, start, set-resources and resize print a result for -o json|yaml|name', async () => {
    const stop = await run(['stop', 'acme', '-o', 'json']);
    expect(stop.code).toBe(0);
    expect(JSON.parse(stop.stdout)).toEqual({ action: 'stop', instance: 'acme', namespace: NS, changed: true, replicas: 0 });
    expect((await run(['start', 'acme', '-o', 'name'])).stdout).toBe('instance/acme\n');
    const set = await run(['set-resources', 'acme', '--memory', '3Gi', '-o', 'yaml']);
    expect(set.stdout).toMatch(/^action: set-resources\ninstance: acme\n/);
    expect(set.stdout).toMatch(/after:\n {2}cpu: '1'\n {2}memory: 3Gi\n/);
    const resize = JSON.parse((await run(['resize', 'acme', '--storage', '11Gi', '-o', 'json'])).stdout);
    expect(resize).toMatchObject({ action: 'resize', instance: 'acme', pvc: 'odoo-instance-acme', changed: true, from: '10Gi', to: '11Gi' });
  });

  it('formats a command cannot print are refused before anything happens', async () => {
    const logs = await run(['logs', 'acme', '-o', 'json']);
    expect(logs.code).toBe(2);
    expect(logs.stderr.split('\n')[0]).toBe('error: -o json is not supported by "kubectl odoo logs": it prints text only');
    const wide = await run(['stop', 'acme', '-o', 'wide']);
    expect(wide.code).toBe(2);
    expect((await deployment()).spec.replicas).toBe(1);
  });
});

describe('--dry-run changes nothing', { timeout: 120_000 }, () => {
  it('stop/start/restart/set-resources show the change, client-side or checked by the server', async () => {
    const before = await deployment();
    expect((await run(['stop', 'acme', '--dry-run'])).stdout).toBe('instance/acme stopped (dry run)\n');
    cluster.faults.clear();
    const server = JSON.parse((await run(['stop', 'acme', '--dry-run=server', '-o', 'json'])).stdout);
    expect(server).toMatchObject({ action: 'stop', changed: true, replicas: 0, dryRun: 'server', patch: { kind: 'Deployment', name: 'acme', body: { spec: { replicas: 0 } } } });
    expect(cluster.faults.requestLog.some((e) => e.method === 'PATCH' && e.query.includes('dryRun=All'))).toBe(true);
    expect((await run(['restart', 'acme', '--dry-run'])).stdout).toBe('instance/acme restarted (dry run)\n');
    expect((await run(['set-resources', 'acme', '--cpu', '3', '--dry-run=server'])).stdout).toBe('instance/acme resources set (server dry run): cpu 3 (was cpu 1, memory 3Gi)\n');
    const after = await deployment();
    expect([after.metadata.generation, after.spec.replicas]).toEqual([before.metadata.generation, 1]);
    expect((await run(['start', 'acme', '--dry-run', '--wait'])).code).toBe(2);
  });

  it('resize and delete say what they would change', async () => {
    const pvcBefore = await getJson(cluster, ['-n', NS, 'get', 'pvc', 'odoo-instance-acme']);
    expect((await run(['resize', 'acme', '--storage', '20Gi', '--dry-run=server'])).stdout).toBe('instance/acme: PVC odoo-instance-acme resize requested (server dry run): 11Gi -> 20Gi\n');
    expect((await run(['resize', 'acme', '--storage', '5Gi', '--dry-run'])).code).toBe(2);
    const objects = await objectNames(cluster);
    // No confirmation is asked: nothing is deleted.
    const del = await run(['delete', 'acme', '--dry-run']);
    expect(del.code).toBe(0);
    expect(del.stdout).toBe(['deployment/acme deleted (dry run)', 'service/acme deleted (dry run)', 'ingress/acme deleted (dry run)', 'persistentvolumeclaim/odoo-instance-acme kept (dry run)', ''].join('\n'));
    const server = JSON.parse((await run(['delete', 'acme', '--delete-data', '--dry-run=server', '-o', 'json'])).stdout);
    expect(server).toEqual({
      action: 'delete',
      instance: 'acme',
      namespace: NS,
      deleted: ['deployment/acme', 'service/acme', 'ingress/acme', 'persistentvolumeclaim/odoo-instance-acme'],
      // The database is on the database server: --delete-data names it and keeps it.
      database: { name: 'acme', description: 'database acme on postgres:5432', dropped: false },
      dryRun: 'server',
    });
    expect(await objectNames(cluster)).toEqual(objects);
    const pvcAfter = await getJson(cluster, ['-n', NS, 'get', 'pvc', 'odoo-instance-acme']);
    expect(pvcAfter.spec.resources.requests.storage).toBe('11Gi');
    expect(pvcAfter.metadata.annotations?.['kubectl-odoo.io/kept-after-delete']).toBeUndefined();
    expect(pvcAfter.metadata.uid).toBe(pvcBefore.metadata.uid);
  });
});

describe('--wait', { timeout: 120_000 }, () => {
  it('reports a failing image pull once, not on every retry', async () => {
    const r = await run(['create', 'bad', '--customer', '1', '--image', 'odoo:does-not-exist', '--ingress', 'none', '--wait', '--timeout', '8s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: instance bad did not become ready within 8s \(last status: error \((ErrImagePull|ImagePullBackOff)\)/);
    const pullLines = r.stderr.split('\n').filter((l) => l.startsWith('  bad: error ('));
    expect(pullLines).toHaveLength(1);
  });
});

describe('logs', { timeout: 120_000 }, () => {
  it('prints the Odoo log with --tail, --since and --timestamps, and follows it with -f', async () => {
    const tail = await run(['logs', 'acme', '--tail', '3']);
    expect(tail.code).toBe(0);
    const lines = tail.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ (INFO|WARNING|ERROR) /);

    const since = await run(['logs', 'acme', '--since', '1h']);
    expect(since.stdout).toMatch(/odoo: Odoo version/);
    const stamped = await run(['logs', 'acme', '--tail', '1', '--timestamps']);
    expect(stamped.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z \d{4}-/);

    const previous = await run(['logs', 'acme', '--previous']);
    expect(previous.code).toBe(1);
    expect(previous.stderr).toMatch(/previous terminated .* not found/);

    const follow = new LiveCommand(cluster, ['logs', '-n', NS, 'acme', '-f', '--tail', '1']);
    try {
      await follow.waitFor((l) => l.length >= 3, 60_000);
      expect(follow.lines.every((l) => / (INFO|WARNING|ERROR) /.test(l))).toBe(true);
    } finally {
      // Ctrl-C is how people stop following: not an error.
      expect(await follow.stop()).toBe(0);
    }
  });
});
