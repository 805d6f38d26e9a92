import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { TokenCredential } from '@azure/identity';
import { revisionOf } from '../window/runbook';
import type { WindowFile, WindowSource, WindowSummary } from '../window/source';

/**
 * Published window revisions in Blob storage, so next weekend's window changes without a
 * redeploy. Every revision is kept (`<id>/revisions/<revision>.yaml`, who and when in its
 * metadata); `<id>/latest.json` points at the newest. The revision is the content hash, so
 * publishing the same text twice is one revision.
 */
export interface WindowPublisher extends WindowSource {
  publish(input: { windowId: string; file: string; text: string; by: string; at: string }): Promise<WindowSummary & { unchanged: boolean }>;
  revisions(windowId: string): Promise<WindowSummary[]>;
}

export type BlobWindowRevisionsOptions = ({ connectionString: string } | { blobUrl: string; credential: TokenCredential }) & { container: string };

interface Latest {
  revision: string;
  file: string;
  publishedBy: string;
  publishedAt: string;
}

export class BlobWindowRevisions implements WindowPublisher {
  private container?: Promise<ContainerClient>;
  /** A revision never changes (its name is its content hash): read each once per process. */
  private readonly texts = new Map<string, WindowFile>();

  constructor(private readonly options: BlobWindowRevisionsOptions) {}

  private blobs(): Promise<ContainerClient> {
    if (!this.container) {
      this.container = (async () => {
        const o = this.options;
        const service = 'connectionString' in o ? BlobServiceClient.fromConnectionString(o.connectionString) : new BlobServiceClient(o.blobUrl, o.credential);
        const container = service.getContainerClient(o.container);
        await container.createIfNotExists();
        return container;
      })();
      this.container.catch(() => (this.container = undefined));
    }
    return this.container;
  }

  async publish(input: { windowId: string; file: string; text: string; by: string; at: string }): Promise<WindowSummary & { unchanged: boolean }> {
    const container = await this.blobs();
    const revision = revisionOf(input.text);
    const latest = await this.latest(input.windowId);
    if (latest?.revision === revision) return { windowId: input.windowId, ...latest, unchanged: true };
    const blob = container.getBlockBlobClient(`${input.windowId}/revisions/${revision}.yaml`);
    // Metadata values must be ASCII: encode who published.
    const metadata = { publishedby: encodeURIComponent(input.by), publishedat: input.at, file: encodeURIComponent(input.file) };
    await blob.upload(input.text, Buffer.byteLength(input.text), { blobHTTPHeaders: { blobContentType: 'application/yaml; charset=utf-8' }, metadata });
    const pointer: Latest = { revision, file: input.file, publishedBy: input.by, publishedAt: input.at };
    const body = JSON.stringify(pointer);
    await container.getBlockBlobClient(`${input.windowId}/latest.json`).upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: 'application/json' } });
    return { windowId: input.windowId, ...pointer, unchanged: false };
  }

  async read(windowId: string): Promise<WindowFile | undefined> {
    const latest = await this.latest(windowId);
    return latest ? this.readRevision(windowId, latest.revision) : undefined;
  }

  async readRevision(windowId: string, revision: string): Promise<WindowFile | undefined> {
    if (!/^[A-Za-z0-9_-]+$/.test(revision)) return undefined;
    const cached = this.texts.get(`${windowId}/${revision}`);
    if (cached) return cached;
    const blob = (await this.blobs()).getBlockBlobClient(`${windowId}/revisions/${revision}.yaml`);
    try {
      const [text, props] = await Promise.all([blob.downloadToBuffer(), blob.getProperties()]);
      const meta = props.metadata ?? {};
      const found: WindowFile = {
        windowId,
        revision,
        text: text.toString('utf8'),
        file: decodeURIComponent(meta.file ?? `${windowId}.yaml`),
        ...(meta.publishedby ? { publishedBy: decodeURIComponent(meta.publishedby) } : {}),
        ...(meta.publishedat ? { publishedAt: meta.publishedat } : {}),
      };
      if (this.texts.size > 500) this.texts.clear();
      this.texts.set(`${windowId}/${revision}`, found);
      return found;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async list(): Promise<WindowSummary[]> {
    const container = await this.blobs();
    const out: WindowSummary[] = [];
    for await (const item of container.listBlobsByHierarchy('/')) {
      if (item.kind !== 'prefix') continue;
      const windowId = item.name.replace(/\/$/, '');
      const latest = await this.latest(windowId);
      if (latest) out.push({ windowId, ...latest });
    }
    return out;
  }

  async revisions(windowId: string): Promise<WindowSummary[]> {
    const container = await this.blobs();
    const out: WindowSummary[] = [];
    for await (const blob of container.listBlobsFlat({ prefix: `${windowId}/revisions/`, includeMetadata: true })) {
      const meta = blob.metadata ?? {};
      out.push({
        windowId,
        revision: blob.name.slice(`${windowId}/revisions/`.length).replace(/\.yaml$/, ''),
        file: decodeURIComponent(meta.file ?? `${windowId}.yaml`),
        ...(meta.publishedby ? { publishedBy: decodeURIComponent(meta.publishedby) } : {}),
        ...(meta.publishedat ? { publishedAt: meta.publishedat } : {}),
      });
    }
    return out.sort((a, b) => (a.publishedAt ?? '').localeCompare(b.publishedAt ?? ''));
  }

  private async latest(windowId: string): Promise<Latest | undefined> {
    try {
      const buffer = await (await this.blobs()).getBlockBlobClient(`${windowId}/latest.json`).downloadToBuffer();
      return JSON.parse(buffer.toString('utf8')) as Latest;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }
}
