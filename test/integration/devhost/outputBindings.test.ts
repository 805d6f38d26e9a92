/**
 * Output bindings: blob outputs are written to Blob storage (Azurite) with their binding
 * expressions resolved per trigger; a binding the host cannot honour stops the app from
 * loading, naming the function and the binding, instead of being dropped.
 */
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { type HostProcess, spawnHost, startOrchestration, testStorage, uniqueHub, waitFor } from '../../support/devhostProcess';

const OUTPUT_CONTAINER = 'conformance-out';
let host: HostProcess;

beforeAll(async () => {
  host = await spawnHost({ taskHub: uniqueHub('bindings') });
});

afterAll(async () => {
  await host.stop();
});

async function readBlob(name: string): Promise<{ text: string; metadata: Record<string, string> } | undefined> {
  const blob = BlobServiceClient.fromConnectionString(testStorage()).getContainerClient(OUTPUT_CONTAINER).getBlobClient(name);
  if (!(await blob.exists())) return undefined;
  const props = await blob.getProperties();
  return { text: (await blob.downloadToBuffer()).toString('utf8'), metadata: props.metadata ?? {} };
}

test('an HTTP function writes its blob output, the path resolved from route and query', async () => {
  const name = uniqueHub('r');
  const res = await host.post(`/api/report/${name}?suffix=v1`, 'quarterly numbers', { 'content-type': 'text/plain' });
  expect(res.status).toBe(201);
  const blob = await readBlob(`http/${name}-v1.txt`);
  expect(blob?.text).toBe('quarterly numbers');
  // The writer is named in the blob's metadata (names come back lower-cased: they travel as x-ms-meta-* headers).
  expect(blob?.metadata).toEqual({ azurewebjobsparentid: expect.stringMatching(/^[0-9a-f-]{36}$/) });
});

test('an output the function leaves unset writes nothing', async () => {
  const name = uniqueHub('s');
  expect((await host.post(`/api/report/${name}?suffix=v1&skip=true`, 'ignored', { 'content-type': 'text/plain' })).status).toBe(201);
  expect(await readBlob(`http/${name}-v1.txt`)).toBeUndefined();
});

test('an activity writes its blob output from instanceId and input; an unresolvable path fails the activity by name', async () => {
  const id = uniqueHub('blobwriter');
  await startOrchestration(host, 'BlobWriter', { label: 'weekly' }, id);
  const status = await waitFor(host, id);
  expect(status.runtimeStatus).toBe('Completed');
  const out = status.output as { written: string; refused: string };
  expect(out.written).toBe('written');
  expect(out.refused).toContain("blob output");
  expect(out.refused).toContain('{noSuchValue}');
  const blob = await readBlob(`activity/${id}-weekly.json`);
  expect(JSON.parse(blob?.text ?? 'null')).toEqual({ report: { label: 'weekly', n: 3 } });
});

test('an app with bindings the host cannot honour is refused at load, naming each binding', async () => {
  const app = path.resolve(__dirname, '..', '..', 'fixtures', 'unsupported-binding-app');
  const failure = await spawnHost({ taskHub: uniqueHub('refused'), app }).then(
    async (h) => {
      await h.stop();
      return 'started';
    },
    (err: unknown) => String(err),
  );
  expect(failure).toContain("function 'notify'");
  expect(failure).toContain("type 'twilioSms'");
  expect(failure).toContain("type 'queue'");
  expect(failure).toContain('refuses to load the app');
});
