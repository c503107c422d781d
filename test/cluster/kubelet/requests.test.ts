// How the kubelet reads exec, log and port-forward requests: the API server's validation messages.
import { describe, expect, it } from 'vitest';
import { pickContainer } from './execServer.js';
import { parseLogQuery } from './logServer.js';
import { parsePorts, portTarget } from './portForwardServer.js';

const pod = (containers: string[], init: string[] = []) => ({ metadata: { name: 'odoo-1' }, spec: { containers: containers.map((name) => ({ name })), initContainers: init.map((name) => ({ name })) } });

describe('pickContainer', () => {
  it.each([
    [pod(['odoo']), undefined, 'odoo'],
    [pod(['odoo', 'sidecar']), 'sidecar', 'sidecar'],
    [pod(['odoo'], ['init-perms']), 'init-perms', 'init-perms'],
  ])('picks %#', (p, requested, name) => {
    expect(pickContainer(p, requested)).toMatchObject({ name });
  });
  it.each([
    [pod(['odoo', 'sidecar']), undefined, 'a container name must be specified for pod odoo-1, choose one of: [odoo sidecar]'],
    [pod(['odoo']), 'nginx', 'container nginx is not valid for pod odoo-1'],
  ])('refuses %#', (p, requested, message) => {
    expect(pickContainer(p, requested)).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest', message });
  });
});

describe('parseLogQuery', () => {
  const q = (s: string) => new URLSearchParams(s);
  it('reads the options', () => {
    expect(parseLogQuery('p', q('container=odoo&follow=true&tailLines=10&timestamps=true&limitBytes=5'))).toEqual({
      container: 'odoo',
      follow: true,
      previous: false,
      timestamps: true,
      tailLines: 10,
      sinceSeconds: undefined,
      sinceTime: undefined,
      limitBytes: 5,
    });
  });
  it.each([
    ['tailLines=-1', 'PodLogOptions "p" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0'],
    ['sinceSeconds=0', 'PodLogOptions "p" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0'],
    ['sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z', 'PodLogOptions "p" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified'],
  ])('%s is invalid', (query, message) => {
    expect(parseLogQuery('p', q(query))).toMatchObject({ code: 422, reason: 'Invalid', message });
  });
});

describe('port-forward requests', () => {
  it.each([
    [['8069'], [8069]],
    [['8069,8072'], [8069, 8072]],
    [['8069', '5432'], [8069, 5432]],
    [[], 'query parameter "port" is required'],
    [['0'], 'unable to parse "0" as a port: port must be in the range 1-65535'],
    [['http'], 'unable to parse "http" as a port: port must be in the range 1-65535'],
  ])('ports %j → %j', (values, want) => {
    expect(parsePorts(values)).toEqual(want);
  });

  it.each([
    [{ 'test.kubectl-odoo.io/port-8069': '127.0.0.1:41234' }, { host: '127.0.0.1', port: 41234 }],
    [{ 'test.kubectl-odoo.io/port-8069': '[::1]:41234' }, { host: '::1', port: 41234 }],
    [{ 'test.kubectl-odoo.io/port-5432': '127.0.0.1:1' }, undefined],
    [{ 'test.kubectl-odoo.io/port-8069': 'nonsense' }, undefined],
  ])('annotation %j → %j', (annotations, want) => {
    expect(portTarget({ metadata: { annotations } }, 8069)).toEqual(want);
  });
});
