import { describe, expect, it } from 'vitest';
import { levelNeeded, violationReasons } from './podSecurity.js';

describe('the level a refused helper needs', () => {
  it('splits ForbiddenDetail at the top level only', () => {
    expect(violationReasons('host namespaces (hostIPC=true, hostPID=true), hostPath volumes (volumes "a", "b"), privileged')).toEqual(['host namespaces', 'hostPath volumes', 'privileged']);
  });
  it('baseline reasons need privileged; restricted-only reasons need baseline', () => {
    expect(levelNeeded('hostPath volumes (volume "legacy")')).toBe('privileged');
    expect(levelNeeded('allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true)')).toBe('baseline');
    expect(levelNeeded('runAsUser=0 (pod must not set runAsUser=0), non-default capabilities (container "c" must not include "SYS_ADMIN" in securityContext.capabilities.add)')).toBe('privileged');
  });
});
