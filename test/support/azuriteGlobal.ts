/**
 * Jest global setup: one in-memory Azurite (Blob service) for the whole run. Test
 * files read its connection string from DEVHOST_TEST_STORAGE, which workers inherit.
 */
import { freePort, startAzurite } from '../../devhost/azurite';

declare global {
  var __DEVHOST_AZURITE__: { stop(): Promise<void> } | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.DEVHOST_TEST_STORAGE) return;
  const blobPort = await freePort();
  const azurite = await startAzurite({ blobPort, queuePort: 0, tablePort: 0, blobOnly: true });
  process.env.DEVHOST_TEST_STORAGE = azurite.connectionString;
  globalThis.__DEVHOST_AZURITE__ = azurite;
}
