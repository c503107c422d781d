// The body decoder against the cases of the API server's own tests (test/integration/apiserver/
// field_validation_test.go) and the error texts of Go's time.Parse and resource.ParseQuantity.
import { describe, it, expect } from 'vitest';
import { parseJsonNodes, decodeBody, decodeNode, parseGoTime, checkQuantity, decodePatched, patchStrictErrors, fieldValidationOf } from './decode.js';
import { resourceDef } from './resources.js';
import { StatusError } from './errors.js';

const deployments = resourceDef('deployments');

// invalidBodyJSON of field_validation_test.go.
const INVALID_DEPLOYMENT = `{
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "dupename", "name": "web", "labels": {"app": "nginx"}, "unknownMeta": "metaVal"},
  "spec": {
    "unknown1": "val1", "unknownDupe": "valDupe", "unknownDupe": "valDupe2", "paused": true, "paused": false,
    "selector": {"matchLabels": {"app": "nginx"}},
    "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [{
      "name": "nginx", "image": "nginx:latest", "unknownNested": "val1", "imagePullPolicy": "Always", "imagePullPolicy": "Never"}]}}
  }
}`;
const EXPECTED_STRICT = [
  'duplicate field "metadata.name"',
  'unknown field "metadata.unknownMeta"',
  'unknown field "spec.unknown1"',
  'unknown field "spec.unknownDupe"',
  'duplicate field "spec.paused"',
  'unknown field "spec.template.spec.containers[0].unknownNested"',
  'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
];

function statusOf(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return { code: e.code, message: e.status.message ?? '' };
    throw e;
  }
  throw new Error('expected a Status error');
}

describe('decodeBody', () => {
  it('lists unknown and duplicate fields in document order, an unknown duplicate once', () => {
    const { obj, warnings } = decodeBody(deployments, parseJsonNodes(INVALID_DEPLOYMENT), 'Warn');
    expect(warnings).toEqual(EXPECTED_STRICT);
    // Unknown fields are dropped, the last of duplicates wins.
    expect(obj.metadata).toEqual({ name: 'web', labels: { app: 'nginx' } });
    expect(obj.spec.paused).toBe(false);
    expect(obj.spec.template.spec.containers[0]).toEqual({ name: 'nginx', image: 'nginx:latest', imagePullPolicy: 'Never' });
  });

  it('answers 400 under Strict and says nothing under Ignore', () => {
    expect(statusOf(() => decodeBody(deployments, parseJsonNodes(INVALID_DEPLOYMENT), 'Strict'))).toEqual({
      code: 400,
      message: `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ${EXPECTED_STRICT.join(', ')}`,
    });
    expect(decodeBody(deployments, parseJsonNodes(INVALID_DEPLOYMENT), 'Ignore').warnings).toEqual([]);
  });

  it.each([
    ['a malformed quantity', 'persistentvolumeclaims', '{"spec":{"resources":{"requests":{"storage":"10GB"}}}}', "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    ['a quantity suffix that does not exist', 'persistentvolumeclaims', '{"spec":{"resources":{"requests":{"storage":"10Gi5"}}}}', "unable to parse quantity's suffix"],
    ['a container limit', 'pods', '{"spec":{"containers":[{"name":"a","resources":{"limits":{"memory":"1 GiB"}}}]}}', "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    ['a string for an integer', 'deployments', '{"spec":{"replicas":"2"}}', 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32'],
    ['a fraction for an integer', 'pods', '{"spec":{"terminationGracePeriodSeconds":1.5}}', 'json: cannot unmarshal number 1.5 into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64'],
    ['an object for a string map', 'configmaps', '{"data":["a"]}', 'json: cannot unmarshal array into Go struct field ConfigMap.data of type map[string]string'],
  ])('%s is a 400 before any validation', (_what, plural, body, why) => {
    const def = resourceDef(plural);
    expect(statusOf(() => decodeBody(def, parseJsonNodes(body), 'Strict'))).toEqual({ code: 400, message: `${def.kind} in version "v1" cannot be handled as a ${def.kind}: ${why}` });
  });

  it('names the kind and version the body gives', () => {
    expect(statusOf(() => decodeBody(resourceDef('configmaps'), parseJsonNodes('{"apiVersion":"v1","kind":"ConfigMap","bogus":1}'), 'Strict')).message).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"',
    );
  });

  it('keeps unknown fields of custom resources, and still reports their duplicates', () => {
    const route = resourceDef('ingressroutes');
    const { obj, warnings } = decodeBody(route, parseJsonNodes('{"spec":{"anything":1,"routes":[{"match":"a","match":"b"}]}}'), 'Warn');
    expect(obj.spec).toEqual({ anything: 1, routes: [{ match: 'b' }] });
    expect(warnings).toEqual(['duplicate field "spec.routes[0].match"']);
  });

  it('normalises timestamps as the server stores them', () => {
    const { obj } = decodeNode(resourceDef('leases'), parseJsonNodes('{"spec":{"renewTime":"2026-01-02T04:04:05.123456+01:00"},"metadata":{"creationTimestamp":"2026-01-02T03:04:05.9Z"}}'));
    expect(obj.spec.renewTime).toBe('2026-01-02T03:04:05.123456Z');
    expect(obj.metadata.creationTimestamp).toBe('2026-01-02T03:04:05Z');
  });
});

describe('parseGoTime', () => {
  it.each([
    ['2026-01-02T03:04:05.123Z', true, 'parsing time "2026-01-02T03:04:05.123Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".123Z" as ".000000"'],
    ['2026-01-02T03:04:05Z', true, 'parsing time "2026-01-02T03:04:05Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"'],
    ['2026-01-02 03:04:05Z', false, 'parsing time "2026-01-02 03:04:05Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 03:04:05Z" as "T"'],
    ['yesterday', false, 'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"'],
    ['2026-13-02T03:04:05Z', false, 'parsing time "2026-13-02T03:04:05Z": month out of range'],
    ['2026-02-30T03:04:05Z', false, 'parsing time "2026-02-30T03:04:05Z": day out of range'],
    ['2026-01-02T03:04:05', false, 'parsing time "2026-01-02T03:04:05" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"'],
    ['2026-01-02T03:04:05Zjunk', false, 'parsing time "2026-01-02T03:04:05Zjunk": extra text: "junk"'],
  ])('%s (micro=%s) fails as Go does', (value, micro, message) => {
    expect(() => parseGoTime(value, micro)).toThrow(message);
  });

  it('reads offsets and microseconds', () => {
    expect(parseGoTime('2026-01-02T04:04:05.000007+01:00', true)).toEqual({ ms: Date.UTC(2026, 0, 2, 3, 4, 5), micros: 7 });
  });
});

describe('checkQuantity', () => {
  it.each(['10Gi', '1.5', '500m', '1e3', '+5', '.5Ki', 10])('accepts %s', (q) => expect(() => checkQuantity(q)).not.toThrow());
  it.each(['', 'abc', '10GB', '1 Gi', '--1'])('rejects %j with the format message', (q) => expect(() => checkQuantity(q)).toThrow('quantities must match the regular expression'));
});

describe('patches', () => {
  it('reports duplicates of a merge patch first, then the unknown fields of the result in key order, as a 422', () => {
    const body = '{"spec":{"unknown1":"val1","unknownDupe":"valDupe","unknownDupe":"valDupe2","paused":true,"paused":false}}';
    const { patch, strict } = patchStrictErrors('merge', parseJsonNodes(body));
    const patched = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1, ...(patch as any).spec } };
    const warned = decodePatched(deployments, 'merge', patched, patch, strict, 'Warn');
    expect(warned.warnings).toEqual(['duplicate field "spec.unknownDupe"', 'duplicate field "spec.paused"', 'unknown field "spec.unknown1"', 'unknown field "spec.unknownDupe"']);
    expect(Object.keys(warned.obj.spec)).toEqual(['replicas', 'paused']);
    const refused = statusOf(() => decodePatched(deployments, 'merge', patched, patch, strict, 'Strict'));
    expect(refused.code).toBe(422);
    expect(refused.message).toMatch(/^ "" is invalid: patch: Invalid value: "\{\\"apiVersion\\":\\"apps\/v1\\",.*\}": strict decoding error: duplicate field "spec.unknownDupe", /);
  });

  it('checks the operations of a JSON patch', () => {
    const { strict } = patchStrictErrors('json', parseJsonNodes('[{"op":"add","path":"/a","value":1,"foo":"bar"},{"op":"add","path":"/b","path":"/c","value":1}]'));
    expect(strict).toEqual(['json patch unknown field "[0].foo"', 'json patch duplicate field "[1].path"']);
  });

  it('quotes the patch map of a strategic merge patch', () => {
    const patch = { spec: { bogus: 1, replicas: 2 } };
    const refused = statusOf(() => decodePatched(deployments, 'strategic', { spec: patch.spec }, patch, [], 'Strict'));
    expect(refused.message).toBe(' "" is invalid: patch: Invalid value: "map[spec:map[bogus:1 replicas:2]]": strict decoding error: unknown field "spec.bogus"');
  });
});

describe('fieldValidationOf', () => {
  it('defaults to Warn and refuses an unsupported value with the 422 of CreateOptions', () => {
    expect(fieldValidationOf(new URLSearchParams(''), 'create')).toBe('Warn');
    expect(fieldValidationOf(new URLSearchParams('fieldValidation=Strict'), 'patch')).toBe('Strict');
    expect(statusOf(() => fieldValidationOf(new URLSearchParams('fieldValidation=strict'), 'create'))).toEqual({
      code: 422,
      message: 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"',
    });
  });
});
