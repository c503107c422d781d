import { describe, expect, it } from 'vitest';
import { isOdooImage, odooFlavour, odooSettings, renderOdooConf } from './odooImage.js';

describe('which images are Odoo', () => {
  it.each([
    ['bitnami/odoo:17', true, 'bitnami'],
    ['bitnamilegacy/odoo:17', true, 'bitnami'],
    ['docker.io/bitnami/odoo:16.0.20240101', true, 'bitnami'],
    ['odoo:17.0', true, 'official'],
    ['docker.io/library/odoo@sha256:abc', true, 'official'],
    ['postgres:15', false, 'official'],
    ['registry.local/odoo-tools:1', false, 'official'],
  ])('%s', (image, odoo, flavour) => {
    expect(isOdooImage(image)).toBe(odoo);
    expect(odooFlavour(image)).toBe(flavour);
  });
});

describe('odoo.conf at first start, read back later', () => {
  it('bitnami: the ODOO_DATABASE_* environment becomes the db_* keys, data_dir points into the volume', () => {
    const conf = renderOdooConf('bitnami', { ODOO_DATABASE_HOST: 'postgres', ODOO_DATABASE_PORT_NUMBER: '5432', ODOO_DATABASE_NAME: 'acme', ODOO_DATABASE_USER: 'odoo', ODOO_DATABASE_PASSWORD: 's3cret' }, 'bitnami/odoo:17');
    expect(conf.startsWith('[options]\n')).toBe(true);
    expect(conf).toContain('\ngevent_port = 8072\n');
    expect(odooSettings('bitnami', conf)).toEqual({ host: 'postgres', port: 5432, user: 'odoo', password: 's3cret', database: 'acme', template: 'template1', dataDirInVolume: 'data' });
  });

  it('bitnami before 16 names the event port longpolling_port; unset values take bitnami’s defaults', () => {
    const conf = renderOdooConf('bitnami', {}, 'bitnami/odoo:15');
    expect(conf).toContain('\nlongpolling_port = 8072\n');
    expect(odooSettings('bitnami', conf)).toMatchObject({ host: 'postgresql', database: 'bitnami_odoo', user: 'bn_odoo', port: 5432 });
  });

  it('official image: HOST/PORT/USER/PASSWORD, and its data_dir is the volume itself', () => {
    const conf = renderOdooConf('official', { HOST: 'pg.saasodoo', PORT: '6432', USER: 'u', PASSWORD: 'p', ODOO_DATABASE_NAME: 'shop' }, 'odoo:17');
    expect(odooSettings('official', conf)).toEqual({ host: 'pg.saasodoo', port: 6432, user: 'u', password: 'p', database: 'shop', template: 'template1', dataDirInVolume: '' });
  });

  it('a later start takes what odoo.conf says now (a `config set` made since)', () => {
    const conf = renderOdooConf('bitnami', { ODOO_DATABASE_HOST: 'postgres', ODOO_DATABASE_NAME: 'acme' }, 'bitnami/odoo:17').replace('db_host = postgres', 'db_host = pg-dedicated-1');
    expect(odooSettings('bitnami', conf).host).toBe('pg-dedicated-1');
  });

  it('where odoo.conf is silent: the local server, no database, template0', () => {
    expect(odooSettings('official', '[options]\n')).toEqual({ host: 'localhost', port: 5432, user: 'odoo', password: '', database: undefined, template: 'template0', dataDirInVolume: '' });
  });
});
