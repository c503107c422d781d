import { describe, expect, it } from 'vitest';
import { fleetConcurrency, mapLimit, MAX_FLEET_CONCURRENCY } from './mapLimit.js';

describe('mapLimit', () => {
  it.each([
    { items: 10, limit: 4 },
    { items: 3, limit: 4 },
    { items: 1, limit: 1 },
    { items: 0, limit: 4 },
  ])('runs $items items with at most $limit at once, results in order', async ({ items, limit }) => {
    let running = 0;
    let most = 0;
    const input = Array.from({ length: items }, (_, i) => i);
    const out = await mapLimit(input, limit, async (i) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, (items - i) % 3));
      running--;
      return i * 2;
    });
    expect(out).toEqual(input.map((i) => i * 2));
    expect(most).toBeLessThanOrEqual(Math.max(1, limit));
    if (items >= limit) expect(most).toBe(limit);
  });
});

describe('fleetConcurrency', () => {
  it.each([
    { nodes: 1, requested: undefined, want: 1 },
    { nodes: 50, requested: undefined, want: 50 },
    { nodes: 1000, requested: undefined, want: MAX_FLEET_CONCURRENCY },
    { nodes: 0, requested: undefined, want: 1 },
    { nodes: 50, requested: 10, want: 10 },
  ])('$nodes nodes, --concurrency $requested → $want at once', (c) => expect(fleetConcurrency(c.nodes, c.requested)).toBe(c.want));
});
