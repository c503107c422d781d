import { describe, expect, it } from 'vitest';
import { nodeFits } from './daemonsets.js';

const node = (labels: Record<string, string> = {}, taints: any[] = [], unschedulable = false) => ({ metadata: { name: 'n', labels }, spec: { taints, unschedulable } });
const tpl = (spec: any = {}) => ({ spec });

describe('nodeFits (where a DaemonSet pod belongs)', () => {
  it.each([
    { name: 'any node without taints', tpl: tpl(), node: node(), fits: true },
    { name: 'a cordoned node (the daemon controller tolerates unschedulable)', tpl: tpl(), node: node({}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }], true), fits: true },
    { name: 'nodeSelector mismatch', tpl: tpl({ nodeSelector: { disk: 'ssd' } }), node: node({ disk: 'hdd' }), fits: false },
    { name: 'nodeSelector match', tpl: tpl({ nodeSelector: { disk: 'ssd' } }), node: node({ disk: 'ssd' }), fits: true },
    { name: 'an untolerated NoSchedule taint', tpl: tpl(), node: node({}, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]), fits: false },
    { name: 'a PreferNoSchedule taint does not keep it away', tpl: tpl(), node: node({}, [{ key: 'dedicated', effect: 'PreferNoSchedule' }]), fits: true },
    { name: 'operator Exists without a key tolerates everything', tpl: tpl({ tolerations: [{ operator: 'Exists' }] }), node: node({}, [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]), fits: true },
    { name: 'Equal needs the same value', tpl: tpl({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }] }), node: node({}, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]), fits: false },
  ])('$name', (c) => {
    expect(nodeFits(c.tpl, c.node)).toBe(c.fits);
  });
});
