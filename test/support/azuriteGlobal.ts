/**
 * Jest global setup: one in-memory Azurite (Blob, Queue, Table) for the whole run. Test
 * files read its connection string from DEVHOST_TEST_STORAGE, which workers inherit;
 * the window record needs Table storage, the task hub Blob storage.
 */
import { freePort, startAzurite } from '../../devhost/azurite';

declare global {
  var __DEVHOST_AZURITE__: { stop(): Promise<void> } | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.DEVHOST_TEST_STORAGE) return;
  const [blobPort, queuePort, tablePort] = [await freePort(), await freePort(), await freePort()];
  const azurite = await startAzurite({ blobPort, queuePort, tablePort });
  process.env.DEVHOST_TEST_STORAGE = azurite.connectionString;
  globalThis.__DEVHOST_AZURITE__ = azurite;
}
