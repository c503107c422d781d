import { describe, expect, it } from 'vitest';
import { progressFilter } from './wait.js';

describe('progressFilter', () => {
  it('prints a flapping image pull once, not on every retry', () => {
    let now = 0;
    const report = progressFilter(() => now, 30_000);
    const seen: string[] = [];
    const observe = (status: string, reason?: string) => {
      if (report({ status: status as any, reason })) seen.push(`${status}/${reason ?? ''}`);
    };
    observe('creating', 'ContainerCreating');
    for (let i = 0; i < 35; i++) {
      now += 140;
      observe('error', i % 2 ? 'ImagePullBackOff' : 'ErrImagePull');
    }
    expect(seen).toEqual(['creating/ContainerCreating', 'error/ErrImagePull']);
  });
  it('repeats a state that comes back only after the quiet period, and never twice in a row', () => {
    let now = 0;
    const report = progressFilter(() => now, 30_000);
    const run = (steps: [number, string, string?][]) => steps.map(([t, s, r]) => ((now = t), report({ status: s as any, reason: r }))).map(Boolean);
    expect(
      run([
        [0, 'starting', 'NotReady'],
        [1000, 'error', 'CrashLoopBackOff'],
        [2000, 'starting', 'NotReady'],
        [3000, 'error', 'CrashLoopBackOff'],
        [40_000, 'starting', 'NotReady'],
        [40_001, 'starting', 'NotReady'],
        [41_000, 'running'],
      ]),
    ).toEqual([true, true, false, false, true, false, true]);
  });
});
