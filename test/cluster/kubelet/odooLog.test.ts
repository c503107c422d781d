import { describe, expect, it } from 'vitest';
import { MAX_PERIODIC_LINES, simulatedOdooLines, startupMessages } from './odooLog.js';

const pod = { metadata: { name: 'odoo-acme-5f7d-x2x4z', labels: { 'saasodoo.io/instance': 'acme' } } };
const container = { name: 'odoo', image: 'bitnami/odoo:17.0', env: [{ name: 'ODOO_DATABASE_HOST', value: 'postgres.db' }] };
const start = new Date(Date.UTC(2024, 4, 1, 10, 0, 0));

describe('simulatedOdooLines', () => {
  it('starts with the Odoo startup block, then a request line per tick, on a fixed grid', () => {
    const until = new Date(start.getTime() + 2000);
    const lines = simulatedOdooLines(pod, container, start, until, 500);
    const n = startupMessages(pod, container).length;
    expect(lines[0].text).toBe('2024-05-01 10:00:00,000 1 INFO ? odoo: Odoo version 17.0-20240520\n');
    expect(lines.some((l) => l.text.includes('database: odoo@postgres.db:5432'))).toBe(true);
    expect(lines.slice(n).map((l) => l.time.getTime() - start.getTime())).toEqual([348, 848, 1348, 1848]);
    expect(lines[n].text).toContain('INFO acme werkzeug: 127.0.0.1 - - [01/May/2024 10:00:00] "GET /web/health HTTP/1.1" 200');
    // Reading again later gives the same earlier lines plus new ones.
    const later = simulatedOdooLines(pod, container, start, new Date(until.getTime() + 1000), 500);
    expect(later.slice(0, lines.length)).toEqual(lines);
    expect(later.length).toBe(lines.length + 2);
  });

  it('ends a finished instance with the shutdown lines and keeps a bounded history', () => {
    const end = new Date(start.getTime() + 1000);
    const lines = simulatedOdooLines(pod, container, start, new Date(start.getTime() + 5000), 100, end);
    expect(lines.at(-2)!.text).toContain('odoo.service.server: Initiating shutdown');
    expect(lines.every((l) => l.time <= end)).toBe(true);
    const long = simulatedOdooLines(pod, container, start, new Date(start.getTime() + 3_600_000), 100);
    expect(long.length).toBe(startupMessages(pod, container).length + MAX_PERIODIC_LINES);
  });
});
