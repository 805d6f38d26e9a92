/** Jest global teardown: stop the Azurite started by azuriteGlobal.ts. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__DEVHOST_AZURITE__?.stop();
}
