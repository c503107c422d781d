import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { dbEnvironmentOf, psqlCommand } from './psql.js';

const dep = (env: any[]) => ({ spec: { template: { spec: { containers: [{ name: 'odoo', image: 'odoo:17', env }] } } } });
const secret = (name: string, key: string) => ({ valueFrom: { secretKeyRef: { name, key } } });

describe('dbEnvironmentOf', () => {
  it.each([
    [
      'bitnami variables, password from a Secret',
      [{ name: 'ODOO_DATABASE_HOST', value: 'pg' }, { name: 'ODOO_DATABASE_USER', value: 'u' }, { name: 'ODOO_DATABASE_PASSWORD', ...secret('s', 'password') }, { name: 'ODOO_DATABASE_NAME', value: 'acme' }],
      [['PGHOST', 'ODOO_DATABASE_HOST'], ['PGUSER', 'ODOO_DATABASE_USER'], ['PGPASSWORD', 'ODOO_DATABASE_PASSWORD'], ['PGDATABASE', 'ODOO_DATABASE_NAME']],
    ],
    ['the official image\'s HOST/USER/PASSWORD', [{ name: 'HOST', value: 'db' }, { name: 'USER', value: 'odoo' }, { name: 'PASSWORD', ...secret('s', 'pw') }], [['PGHOST', 'HOST'], ['PGUSER', 'USER'], ['PGPASSWORD', 'PASSWORD']]],
    ['nothing', [{ name: 'OTHER', value: 'x' }], []],
  ])('%s', (_what, env, pairs) => {
    const db = dbEnvironmentOf(dep(env));
    expect(db.pairs).toEqual(pairs);
    // The entries are the Deployment's own: a Secret reference stays a reference.
    expect(db.entries.every((e) => (env as unknown[]).includes(e))).toBe(true);
  });
});

describe('PSQL_SCRIPT', () => {
  // Runs the script with `psql` replaced by printing what it would get: the values arrive through the
  // environment, the argv holds only names.
  const run = (env: Record<string, string>, argv: string[]) =>
    execFileSync('/bin/sh', ['-c', argv[2].replace('exec psql "$@"', 'env | grep ^PG | sort; printf "%s\\n" "$@"'), ...argv.slice(3)], { env: { PATH: process.env.PATH!, ...env } }).toString();

  it('copies each variable by name and passes psql its own arguments', () => {
    const cmd = psqlCommand(dbEnvironmentOf(dep([{ name: 'ODOO_DATABASE_PASSWORD', value: 'x' }, { name: 'ODOO_DATABASE_HOST', value: 'y' }])), 'acme', ['-c', 'select 1']);
    expect(cmd.join(' ')).not.toContain('s3cr3t');
    expect(run({ ODOO_DATABASE_PASSWORD: "s3cr3t'$(x)", ODOO_DATABASE_HOST: 'pg.local' }, cmd)).toBe("PGHOST=pg.local\nPGPASSWORD=s3cr3t'$(x)\n-d\nacme\n-c\nselect 1\n");
  });

  it('refuses a variable name that is not one', () => {
    const cmd = ['sh', '-c', psqlCommand({ pairs: [], entries: [] }, undefined, [])[2], 'sh', 'PGHOST', 'X;rm -rf /', '--'];
    expect(() => run({}, cmd)).toThrow();
  });
});
