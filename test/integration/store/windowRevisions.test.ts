import { randomBytes } from 'node:crypto';
import { BlobWindowRevisions } from '../../../shared/store/windowRevisions';
import { layeredWindowSource, type WindowSource } from '../../../shared/window/source';

/** Published window revisions in Blob storage (Azurite): every revision kept, the latest read. */

const connectionString = process.env.DEVHOST_TEST_STORAGE!;
const text = (title: string) => `apiVersion: mw/v1\nid: w-pub\ntitle: ${title}\n`;

describe('BlobWindowRevisions', () => {
  const store = new BlobWindowRevisions({ connectionString, container: `t${randomBytes(6).toString('hex')}-windows` });

  it('keeps every revision with who and when, reads the latest, and publishes the same text once', async () => {
    const first = await store.publish({ windowId: 'w-pub', file: 'w-pub.yaml', text: text('One'), by: 'dana@example.com', at: '2026-12-01T10:00:00.000Z' });
    expect(first).toMatchObject({ unchanged: false, publishedBy: 'dana@example.com' });
    const again = await store.publish({ windowId: 'w-pub', file: 'w-pub.yaml', text: text('One'), by: 'someone.else@example.com', at: '2026-12-01T10:05:00.000Z' });
    expect(again).toMatchObject({ unchanged: true, revision: first.revision, publishedBy: 'dana@example.com' });
    const second = await store.publish({ windowId: 'w-pub', file: 'w-pub.yaml', text: text('Two'), by: 'grace@example.com', at: '2026-12-02T10:00:00.000Z' });
    expect(second.revision).not.toBe(first.revision);

    expect(await store.read('w-pub')).toMatchObject({ revision: second.revision, text: text('Two'), publishedBy: 'grace@example.com' });
    // A run that started on the first revision still reads it.
    expect(await store.readRevision('w-pub', first.revision)).toMatchObject({ text: text('One'), publishedBy: 'dana@example.com', publishedAt: '2026-12-01T10:00:00.000Z' });
    expect((await store.revisions('w-pub')).map((r) => [r.revision, r.publishedBy])).toEqual([
      [first.revision, 'dana@example.com'],
      [second.revision, 'grace@example.com'],
    ]);
    expect(await store.list()).toEqual([expect.objectContaining({ windowId: 'w-pub', revision: second.revision })]);
    expect(await store.readRevision('w-pub', '../../etc')).toBeUndefined();
  });

  it('stands in front of a folder: the published revision wins, other folder windows still show', async () => {
    const folder: WindowSource = {
      read: async (id) => ({ windowId: id, file: `${id}.yaml`, text: 'folder', revision: 'f1' }),
      readRevision: async () => undefined,
      list: async () => [
        { windowId: 'w-pub', file: 'w-pub.yaml', revision: 'f1' },
        { windowId: 'w-local', file: 'w-local.yaml', revision: 'f2' },
      ],
    };
    const layered = layeredWindowSource(store, folder);
    expect((await layered.read('w-pub'))?.text).toBe(text('Two'));
    expect((await layered.read('w-local'))?.text).toBe('folder');
    expect((await layered.list()).map((w) => [w.windowId, w.revision === 'f1'])).toEqual([
      ['w-local', false],
      ['w-pub', false],
    ]);
  });
});
