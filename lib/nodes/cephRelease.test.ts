import { describe, expect, it } from 'vitest';
import { cephReleaseFromImage, parseCephRelease } from './cephRelease.js';

describe('parseCephRelease', () => {
  it.each([
    ['16', 16],
    ['pacific', 16],
    ['Quincy', 17],
    ['v18', 18],
    ['18.2.4', 18],
    ['v19.2.2-20250409', 19],
    ['15', undefined],
    ['octopus', undefined],
    ['latest', undefined],
    ['', undefined],
  ])('%s → %s', (s, r) => expect(parseCephRelease(s)).toBe(r));
});

describe('cephReleaseFromImage', () => {
  it.each([
    ['quay.io/ceph/ceph:v18.2.4', 18],
    ['quay.io/ceph/ceph:v19', 19],
    ['registry.local:5000/ceph/ceph:v17.2.8', 17],
    ['quay.io/ceph/ceph:v19.2.2@sha256:0123abcd', 19],
    ['quay.io/ceph/ceph@sha256:0123abcd', undefined],
    ['registry.local:5000/ceph/ceph', undefined],
    ['quay.io/ceph/ceph:latest', undefined],
  ])('%s → %s', (image, r) => expect(cephReleaseFromImage(image)).toBe(r));
});
