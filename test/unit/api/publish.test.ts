import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publishWindow } from '../../../shared/api/publish';
import type { WindowPublisher } from '../../../shared/store/windowRevisions';
import { clientPrincipal, fakeDeps, request } from './fakes';

/** Publishing: platform engineers only, validated again by the API, the id in the file must be the route's. */

const BASE = readFileSync(join(__dirname, '../../fixtures/windows/base.yaml'), 'utf8');

function withPublisher() {
  const made = fakeDeps({ mode: 'app-service', engineers: [] });
  const published: unknown[] = [];
  const publisher = {
    publish: async (input: { windowId: string; file: string; by: string; at: string }) => {
      published.push(input);
      return { windowId: input.windowId, file: input.file, revision: 'abc', publishedBy: input.by, publishedAt: input.at, unchanged: false };
    },
  } as unknown as WindowPublisher;
  made.deps.publisher = publisher;
  return { ...made, published };
}

const engineer = { 'x-ms-client-principal': clientPrincipal('eng@example.com', { roles: ['MaintenanceWindows.Engineer'] }) };

describe('publishWindow', () => {
  it('publishes a valid window for a platform engineer, as them', async () => {
    const { deps, published } = withPublisher();
    const r = await publishWindow(deps, request({ windowId: 'base-window' }, engineer, { text: BASE, file: 'base.yaml' }));
    expect(r.status).toBe(201);
    expect(published).toEqual([expect.objectContaining({ windowId: 'base-window', file: 'base.yaml', by: 'eng@example.com' })]);
  });

  it('refuses anyone else with 403 and publishes nothing', async () => {
    const { deps, published } = withPublisher();
    const r = await publishWindow(deps, request({ windowId: 'base-window' }, { 'x-ms-client-principal': clientPrincipal('dana@example.com') }, { text: BASE }));
    expect(r.status).toBe(403);
    expect(published).toEqual([]);
  });

  it('names what is wrong: another id, a broken window, a path in the file name, a missing text', async () => {
    const { deps, published } = withPublisher();
    const other = await publishWindow(deps, request({ windowId: 'another' }, engineer, { text: BASE }));
    expect(other).toMatchObject({ status: 400, jsonBody: { error: { field: 'text.id' } } });
    const broken = await publishWindow(deps, request({ windowId: 'base-window' }, engineer, { text: BASE.replace(/^timeZone: .*$/m, 'timeZone: Mars/Olympus') }));
    expect(broken).toMatchObject({ status: 400, jsonBody: { error: { code: 'InvalidWindow', problems: [expect.objectContaining({ path: 'timeZone' })] } } });
    const traversal = await publishWindow(deps, request({ windowId: 'base-window' }, engineer, { text: BASE, file: '../../etc/passwd.yaml' }));
    expect(traversal).toMatchObject({ status: 400, jsonBody: { error: { field: 'file' } } });
    const missing = await publishWindow(deps, request({ windowId: 'base-window' }, engineer, {}));
    expect(missing).toMatchObject({ status: 400, jsonBody: { error: { field: 'text' } } });
    expect(published).toEqual([]);
  });
});
