import { describe, expect, it } from 'vitest';
import { startInformer, type InformerEvent } from './informer.js';
import { RESOURCES } from './resources.js';
import { ApiError } from './errors.js';

const obj = (name: string, rv: number, extra: any = {}) => ({ metadata: { name, namespace: 'ns', resourceVersion: String(rv) }, ...extra });

/** A fake API: scripted list results and watch streams, recording the resourceVersion each watch asked for. */
function fakeKube(script: { lists: any[][]; listRv: string[]; watches: (((rv: string) => any[]) | 'gone')[] }) {
  const watchedFrom: string[] = [];
  let lists = 0;
  let watches = 0;
  const kube: any = {
    async *listPages() {
      const i = lists++;
      yield { items: script.lists[i], resourceVersion: script.listRv[i] };
    },
    async *watch(_t: any, opts: any) {
      watchedFrom.push(opts.resourceVersion);
      const w = script.watches[watches++];
      if (w === undefined) {
        await new Promise<void>((r) => opts.signal.addEventListener('abort', () => r(), { once: true }));
        return;
      }
      if (w === 'gone') throw new ApiError(410, 'too old resource version', { reason: 'Expired' });
      for (const ev of w(opts.resourceVersion)) yield ev;
    },
  };
  return { kube, watchedFrom, counts: () => ({ lists, watches }) };
}

async function run(script: Parameters<typeof fakeKube>[0], until: (evs: InformerEvent<any>[]) => boolean) {
  const { kube, watchedFrom } = fakeKube(script);
  const controller = new AbortController();
  const events: InformerEvent<any>[] = [];
  const inf = startInformer(kube, RESOURCES.pods, { signal: controller.signal, sleep: async () => {} }, (ev) => {
    events.push(ev);
    if (until(events)) controller.abort();
  });
  await inf.done;
  return { events, watchedFrom, store: inf.store };
}

const summary = (evs: InformerEvent<any>[]) => evs.map((e) => (e.type === 'SYNCED' ? 'SYNCED' : `${e.type} ${e.object.metadata.name}@${e.object.metadata.resourceVersion}`));

describe('startInformer', () => {
  it('lists, then watches from the list version, and resumes from the last version after a dropped watch', async () => {
    const { events, watchedFrom } = await run(
      {
        lists: [[obj('a', 1), obj('b', 2)]],
        listRv: ['10'],
        watches: [
          () => [{ type: 'MODIFIED', object: obj('a', 11) }],
          () => [{ type: 'BOOKMARK', object: { metadata: { resourceVersion: '15' } } }],
          () => [{ type: 'ADDED', object: obj('c', 16) }, { type: 'DELETED', object: obj('b', 17) }],
        ],
      },
      (evs) => evs.some((e) => e.type === 'DELETED'),
    );
    expect(summary(events)).toEqual(['ADDED a@1', 'ADDED b@2', 'SYNCED', 'MODIFIED a@11', 'ADDED c@16', 'DELETED b@17']);
    expect(watchedFrom).toEqual(['10', '11', '15']);
  });

  it('after 410 Gone relists and reports only what changed meanwhile, once', async () => {
    const { events, store } = await run(
      {
        lists: [
          [obj('a', 1), obj('b', 2), obj('c', 3)],
          [obj('a', 1), obj('b', 20), obj('d', 21)],
        ],
        listRv: ['10', '22'],
        watches: ['gone', () => [{ type: 'MODIFIED', object: obj('d', 23) }]],
      },
      (evs) => evs.filter((e) => e.type === 'MODIFIED').length === 2,
    );
    expect(summary(events)).toEqual(['ADDED a@1', 'ADDED b@2', 'ADDED c@3', 'SYNCED', 'MODIFIED b@20', 'ADDED d@21', 'DELETED c@3', 'SYNCED', 'MODIFIED d@23']);
    expect([...store.keys()].sort()).toEqual(['ns/a', 'ns/b', 'ns/d']);
  });

  it('ignores an event it has already applied (same resourceVersion) and deletes of unknown objects', async () => {
    const { events } = await run(
      {
        lists: [[obj('a', 5)]],
        listRv: ['5'],
        watches: [() => [{ type: 'MODIFIED', object: obj('a', 5) }, { type: 'DELETED', object: obj('zz', 6) }, { type: 'MODIFIED', object: obj('a', 7) }]],
      },
      (evs) => evs.some((e) => e.type === 'MODIFIED'),
    );
    expect(summary(events)).toEqual(['ADDED a@5', 'SYNCED', 'MODIFIED a@7']);
  });

  it('gives up on errors retrying cannot fix', async () => {
    const kube: any = {
      async *listPages() {
        throw new ApiError(403, 'forbidden: pods is forbidden');
      },
    };
    const inf = startInformer(kube, RESOURCES.pods, { sleep: async () => {} }, () => {});
    await expect(inf.done).rejects.toThrow(/forbidden/);
  });

  it('stopped while listing, it opens no watch and ends', async () => {
    const controller = new AbortController();
    let watches = 0;
    const kube: any = {
      async *listPages() {
        controller.abort();
        yield { items: [obj('a', 1)], resourceVersion: '5' };
      },
      async *watch() {
        watches++;
        await new Promise(() => {});
      },
    };
    const inf = startInformer(kube, RESOURCES.pods, { signal: controller.signal, sleep: async () => {} }, () => {});
    await inf.done;
    expect(watches).toBe(0);
  });
});
