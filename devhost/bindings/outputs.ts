/**
 * Output bindings written after a successful invocation, as the Functions host binds
 * them from the worker's InvocationResponse (`outputData` by binding name, `returnValue`
 * for `$return`). A value the function did not set is not written (the library leaves
 * it out of `outputData`). A write that fails fails the invocation, as on Azure.
 */
import { resolveConnectionString } from '../azurite';
import type { OutputBindingWriter, RegisteredFunction, RpcTypedData } from '../core/functionsCore';
import { BlobOutputWriter, parseBlobPath, typedDataToBuffer } from './blobOutput';
import { type BindingData, resolveBindingExpression } from './expressions';

/** Options for {@link HostOutputBindings}. */
export interface HostOutputBindingsOptions {
  /** Connection string for a binding's `connection` app setting name. */
  resolveConnection(settingName: string): string;
  /** The host's clock (virtual time), for `{DateTime}`. */
  now(): number;
}

/** Writes the output bindings the catalog admits (see catalog.ts). */
export class HostOutputBindings implements OutputBindingWriter {
  private readonly blobs = new BlobOutputWriter();

  constructor(private readonly options: HostOutputBindingsOptions) {}

  async write(
    fn: RegisteredFunction,
    invocationId: string,
    response: { outputData: { name: string; data: RpcTypedData }[]; returnValue?: RpcTypedData },
    bindingData: BindingData,
  ): Promise<void> {
    for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
      if (binding.direction !== 'out' || binding.type.toLowerCase() !== 'blob') continue;
      const data = name === '$return' ? response.returnValue : response.outputData.find((o) => o.name === name)?.data;
      if (!data || Object.keys(data).length === 0) continue;
      const where = `function '${fn.name}', blob output '${name}'`;
      const resolved = resolveBindingExpression(String(binding.path), bindingData, this.options.now(), `${where} path`);
      const connection = this.options.resolveConnection(typeof binding.connection === 'string' && binding.connection !== '' ? binding.connection : 'AzureWebJobsStorage');
      try {
        await this.blobs.write(connection, parseBlobPath(resolved, where), typedDataToBuffer(data), invocationId);
      } catch (err) {
        throw new Error(`${where}: writing '${resolved}' failed: ${(err as Error).message}`);
      }
    }
  }
}

/**
 * The connection string behind a binding's `connection` setting. `AzureWebJobsStorage`
 * is the host's own storage (host.ts resolves it from that setting or `--connection`).
 */
export function connectionResolver(hostStorage: string | undefined, env: NodeJS.ProcessEnv = process.env): (name: string) => string {
  return (name) => {
    if (name === 'AzureWebJobsStorage' && hostStorage) return hostStorage;
    const value = env[name];
    if (value) return resolveConnectionString(value);
    // An unknown setting fails the invocation, naming the setting.
    throw new Error(`Storage account connection string '${name}' does not exist. Make sure that it is a defined App Setting.`);
  };
}
