/**
 * The blob output binding, written to Blob storage (Azurite locally) the way the Storage
 * Blobs extension writes it (Azure/azure-sdk-for-net,
 * sdk/storage/Microsoft.Azure.WebJobs.Extensions.Storage.Blobs): the path is
 * `container/blob` (BlobPath.ParseAndValidate), the container is created when it does not
 * exist (BlobsExtensionConfigProvider.GetBlobAsync, for write access), the blob is a block
 * blob overwritten whole, and its metadata names the writing invocation
 * (`AzureWebJobsParentId`, BlobCausalityManager.SetWriter).
 */
import { BlobServiceClient } from '@azure/storage-blob';
import type { RpcTypedData } from '../core/functionsCore';

/** Container names: 3-63 lowercase letters, digits and single hyphens, starting with a letter or digit. */
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$/;

/** Split a resolved `container/blob` path; errors name the binding. */
export function parseBlobPath(path: string, where: string): { container: string; blob: string } {
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) {
    throw new Error(`${where}: invalid blob path '${path}'; blob identifiers must be in the format 'container/blob'.`);
  }
  const container = path.slice(0, slash);
  const blob = path.slice(slash + 1);
  // Expressions may still be in the container part before resolution; check only literal names.
  if (!/[{%]/.test(container) && !CONTAINER_NAME.test(container)) {
    throw new Error(`${where}: invalid container name '${container}' (3-63 lowercase letters, digits and single hyphens).`);
  }
  return { container, blob };
}

/** The bytes a function handed to an output binding. */
export function typedDataToBuffer(data: RpcTypedData): Buffer {
  if (data.bytes) return Buffer.from(data.bytes);
  if (typeof data.string === 'string') return Buffer.from(data.string, 'utf8');
  if (typeof data.json === 'string') return Buffer.from(data.json, 'utf8');
  if (data.int !== undefined && data.int !== null) return Buffer.from(String(data.int), 'utf8');
  if (data.double !== undefined && data.double !== null) return Buffer.from(String(data.double), 'utf8');
  throw new TypeError(`blob output: unsupported value (typed data keys: ${Object.keys(data).join(', ') || 'none'}).`);
}

/** Writes blobs for output bindings; one service client per connection string. */
export class BlobOutputWriter {
  private readonly clients = new Map<string, BlobServiceClient>();
  private readonly knownContainers = new Set<string>();

  async write(connectionString: string, path: { container: string; blob: string }, content: Buffer, invocationId: string): Promise<void> {
    let service = this.clients.get(connectionString);
    if (!service) {
      service = BlobServiceClient.fromConnectionString(connectionString);
      this.clients.set(connectionString, service);
    }
    const container = service.getContainerClient(path.container);
    const key = `${container.url}`;
    if (!this.knownContainers.has(key)) {
      await container.createIfNotExists();
      this.knownContainers.add(key);
    }
    await container.getBlockBlobClient(path.blob).uploadData(content, { metadata: { AzureWebJobsParentId: invocationId } });
  }
}
