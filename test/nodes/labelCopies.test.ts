// A former Ceph 19 OSD whose first MiB was zeroed: BlueStore (19 and later) keeps copies of its label
// 1, 10, 100 and 1000 GiB into the device and reads them when the first one is gone, while ceph-volume's
// inventory reads only the first 22 bytes and calls the device available. On a real loop device,
// through the agent and over SSH: NOT_READY for Ceph 19, with the copies' places and the OSD they name;
// READY for 16, as ceph-volume 16.2 says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { kubectlOdoo } from '../harness/plugin.js';
import { bluestoreLabelBytes } from '../../lib/nodes/testing/fixtures.js';
import { createLabSpace, GiB, requireRoot, type LabSpace } from './deviceLab.js';
import { agentRequest, startHostAgent, type LocalAgent } from './localAgent.js';
import { SSHD, startSshd, type Sshd } from './sshd.js';

const CEPH_VOLUME = '/usr/sbin/ceph-volume';
const runs = requireRoot();
if (runs && (!SSHD || !existsSync(CEPH_VOLUME)) && process.env.CI === 'true') throw new Error('sshd or ceph-volume is missing: scripts/test-deps.sh installs openssh-server and ceph-osd');

const TOKEN = 'label-copies-token-77a1';
const OSD = '5d4c3b2a-1111-4222-8333-444455556666';
const FSID = '9e8d7c6b-aaaa-4bbb-8ccc-dddddddddddd';

let space: LabSpace;
let sshd: Sshd;
let agent: LocalAgent;
let dev: string;

async function viaAgent(release: number): Promise<any> {
  const r = await agentRequest(agent.port, TOKEN, JSON.stringify({ id: 1, method: 'inspect', params: { devices: [dev], release } }));
  const report = r.messages.at(-1)?.result;
  if (!report) throw new Error(`agent did not answer: ${JSON.stringify(r)} ${agent.logs()}`);
  return report.devices[0];
}

async function viaSsh(release: number): Promise<any> {
  const r = await kubectlOdoo(
    ['nodes', 'check', '--ssh', sshd.target, '-i', sshd.userKey, '--known-hosts', join(space.dir, 'known_hosts'), '--accept-new-host-key', '--allow-loop-devices', '--ceph-release', String(release), '--ceph-fsid', FSID, '--device', dev, '-o', 'json'],
    { timeoutMs: 120_000, env: { SSH_AUTH_SOCK: undefined } },
  );
  const node = JSON.parse(r.stdout).nodes[0];
  if (node.error) throw new Error(`ssh check failed: ${node.error}`);
  return node.devices[0];
}

describe.skipIf(!runs || !SSHD || !existsSync(CEPH_VOLUME))('BlueStore label copies on a device whose first MiB was zeroed', () => {
  beforeAll(async () => {
    space = createLabSpace('labelcopies');
    try {
      dev = space.attach(space.image('copies', 12 * GiB));
      const label = bluestoreLabelBytes({ osdUuid: OSD, cephFsid: FSID, whoami: '4' });
      const fd = openSync(dev, 'r+');
      try {
        for (const offset of [0, GiB, 10 * GiB]) writeSync(fd, label, 0, label.length, offset);
        // "Wiped" the way people do: the first MiB zeroed.
        writeSync(fd, Buffer.alloc(1 << 20), 0, 1 << 20, 0);
      } finally {
        closeSync(fd);
      }
      sshd = await startSshd(join(space.dir, 'ssh'));
      agent = await startHostAgent(space.dir, 'copies', TOKEN);
    } catch (e) {
      await sshd?.stop();
      space.cleanup();
      throw e;
    }
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await sshd?.stop();
    space?.cleanup();
  });

  it('ceph-volume 16.2 calls it available (it reads the first 22 bytes only)', () => {
    const out = execFileSync(CEPH_VOLUME, ['inventory', '--format', 'json', dev], { encoding: 'utf8', env: { ...process.env, CEPH_VOLUME_ALLOW_LOOP_DEVICES: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(JSON.parse(out)).toMatchObject({ available: true, rejected_reasons: [] });
  });

  it('is NOT_READY for Ceph 19 through the agent and over SSH, naming the copies and their OSD', async () => {
    for (const d of [await viaAgent(19), await viaSsh(19)]) {
      expect(d.verdict).toBe('NOT_READY');
      expect(d.reasons).toEqual([
        {
          code: 'bluestore-label-copy',
          kind: 'not-ready',
          message: 'Has a copy of a BlueStore device label',
          detail: `at 1 GiB (osd_uuid ${OSD}), 10 GiB (osd_uuid ${OSD}): Ceph 19's BlueStore reads it when the label at 0 is gone; ceph-volume 19 would accept this device`,
          source: 'kubectl-odoo',
          release: 19,
        },
      ]);
    }
    // Over SSH the CephCluster's fsid is known: the copies name an OSD of this cluster.
    expect((await viaSsh(19)).bluestore).toEqual({ osdUuid: OSD, cephFsid: FSID, whoami: '4', belongsTo: 'this-cluster' });
  });

  it('is READY for Ceph 16, as ceph-volume 16.2 says', async () => {
    for (const d of [await viaAgent(16), await viaSsh(16)]) expect({ verdict: d.verdict, reasons: d.reasons }).toEqual({ verdict: 'READY', reasons: [] });
  });
});
