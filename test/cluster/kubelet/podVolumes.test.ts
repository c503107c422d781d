// Volume setup on real directories: hostPath types, configMap/secret projection, subPath, mounts.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSubPath, containerMounts, prepareVolumes, projectKeys, setUpHostPath, VolumeSetupError } from './podVolumes.js';

const root = mkdtempSync(join(tmpdir(), 'kubelet-volumes-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('setUpHostPath', () => {
  mkdirSync(join(root, 'dir'));
  writeFileSync(join(root, 'file'), 'x');
  it.each([
    ['', 'new-untyped', undefined],
    ['DirectoryOrCreate', 'new-dir', undefined],
    ['Directory', 'dir', undefined],
    ['File', 'file', undefined],
    ['FileOrCreate', 'new-file', undefined],
    ['Directory', 'absent', 'is not a directory'],
    ['Directory', 'file', 'is not a directory'],
    ['File', 'dir', 'is not a file'],
    ['DirectoryOrCreate', 'file', 'is not a directory'],
    ['Socket', 'file', 'is not a socket file'],
    ['BlockDevice', 'dir', 'is not a block device'],
  ])('type %j on %s', (type, name, failure) => {
    const path = join(root, name);
    if (failure) {
      expect(() => setUpHostPath('v', path, type)).toThrow(new VolumeSetupError(`MountVolume.SetUp failed for volume "v" : hostPath type check failed: ${path} ${failure}`));
    } else {
      expect(setUpHostPath('v', path, type)).toBe(path);
      expect(statSync(path)).toBeTruthy();
    }
  });
  it('creates DirectoryOrCreate with mode 0755 and FileOrCreate as an empty file', () => {
    expect(statSync(join(root, 'new-dir')).isDirectory()).toBe(true);
    expect(statSync(join(root, 'new-file')).size).toBe(0);
  });
});

describe('projectKeys', () => {
  const data = { a: Buffer.from('1'), b: Buffer.from('2') };
  it('projects every key, or only the items listed, with their modes', () => {
    expect(projectKeys(data, undefined, 0o644, 'ConfigMap', false, 'v').map((f) => [f.path, f.mode])).toEqual([
      ['a', 0o644],
      ['b', 0o644],
    ]);
    expect(projectKeys(data, [{ key: 'b', path: 'sub/b.txt', mode: 0o600 }], 0o644, 'ConfigMap', false, 'v').map((f) => [f.path, f.mode, f.content.toString()])).toEqual([['sub/b.txt', 0o600, '2']]);
  });
  it('fails on a missing key unless the volume is optional', () => {
    expect(() => projectKeys(data, [{ key: 'c', path: 'c' }], 0o644, 'Secret', false, 'v')).toThrow('MountVolume.SetUp failed for volume "v" : secret references non-existent config key: c');
    expect(projectKeys(data, [{ key: 'c', path: 'c' }], 0o644, 'Secret', true, 'v')).toEqual([]);
  });
});

describe('checkSubPath', () => {
  it.each([
    ['filestore/acme', undefined],
    ['./a', undefined],
    ['/etc', 'must be a relative path'],
    ['../other', "must not contain '..'"],
    ['a/../../b', "must not contain '..'"],
  ])('%s', (p, want) => {
    expect(checkSubPath(p)).toBe(want);
  });
});

describe('prepareVolumes and containerMounts', () => {
  it('backs each volume with a directory and maps mounts with subPath and readOnly', async () => {
    const dataDir = join(root, 'data');
    const pod = {
      metadata: { name: 'p', namespace: 'ns', uid: 'uid-9' },
      spec: {
        volumes: [
          { name: 'data', persistentVolumeClaim: { claimName: 'c' } },
          { name: 'scratch', emptyDir: {} },
          { name: 'conf', configMap: { name: 'cm', defaultMode: 0o440 } },
        ],
      },
    };
    const lookup = {
      pvc: async () => ({ spec: { volumeName: 'pv-1' }, status: { phase: 'Bound' } }),
      pv: async () => undefined,
      configMap: async () => ({ data: { 'odoo.conf': '[options]\n' } }),
      secret: async () => undefined,
    };
    const vols = await prepareVolumes(pod, dataDir, lookup);
    expect(vols.get('data')!.path).toBe(join(dataDir, 'pv', 'pv-1'));
    expect(vols.get('scratch')!.path).toBe(join(dataDir, 'kubelet', 'pods', 'uid-9', 'volumes', 'kubernetes.io~empty-dir', 'scratch'));
    const conf = join(vols.get('conf')!.path, 'odoo.conf');
    expect(readFileSync(conf, 'utf8')).toBe('[options]\n');
    expect(statSync(conf).mode & 0o777).toBe(0o440);
    const mounts = containerMounts(
      {
        name: 'c',
        volumeMounts: [
          { name: 'data', mountPath: '/bitnami/odoo', subPath: 'filestore' },
          { name: 'scratch', mountPath: '/tmp/s', readOnly: true },
          { name: 'conf', mountPath: '/etc/odoo' },
        ],
      },
      vols,
    );
    expect(mounts).toEqual([
      { source: join(dataDir, 'pv', 'pv-1', 'filestore'), target: '/bitnami/odoo', readOnly: false },
      { source: vols.get('scratch')!.path, target: '/tmp/s', readOnly: true },
      { source: vols.get('conf')!.path, target: '/etc/odoo', readOnly: true },
    ]);
    expect(statSync(join(dataDir, 'pv', 'pv-1', 'filestore')).isDirectory()).toBe(true);
  });

  it.each([
    [undefined, 'Unable to attach or mount volumes: unmounted volumes=[data]: error processing PVC ns/c: persistentvolumeclaim "c" not found'],
    [{ spec: {}, status: { phase: 'Pending' } }, 'Unable to attach or mount volumes: unmounted volumes=[data]: error processing PVC ns/c: PVC is not bound'],
  ])('waits for the claim: %j', async (pvc, message) => {
    const pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'c' } }] } };
    const lookup = { pvc: async () => pvc, pv: async () => undefined, configMap: async () => undefined, secret: async () => undefined };
    await expect(prepareVolumes(pod, root, lookup)).rejects.toThrow(message);
  });
});
