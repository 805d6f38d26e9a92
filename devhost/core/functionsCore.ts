/**
 * Emulates the Node worker boundary: provides the `@azure/functions-core` module so the
 * app's own `@azure/functions` installs its ProgrammingModel and hands us every
 * registration, exactly as it does under the Azure Functions Node worker.
 */
import Module from 'node:module';
import path from 'node:path';

/** A binding as captured from the library (`toCoreFunctionMetadata`). */
export interface CoreBinding {
  type: string;
  direction: 'in' | 'out' | 'inout';
  [property: string]: unknown;
}

/** Function metadata handed to `registerFunction`. */
export interface CoreFunctionMetadata {
  name: string;
  bindings: Record<string, CoreBinding>;
  retryOptions?: unknown;
  [property: string]: unknown;
}

/** RPC typed data, the union the worker exchanges with the host. */
export type RpcTypedData = {
  string?: string;
  json?: string;
  bytes?: Uint8Array;
  int?: number;
  double?: number;
  http?: unknown;
  [key: string]: unknown;
};

/** Core invocation context, the shape `ProgrammingModel.getInvocationModel` expects. */
export interface CoreInvocationContext {
  invocationId: string;
  request: {
    invocationId: string;
    functionId: string;
    inputData: { name: string; data: RpcTypedData }[];
    triggerMetadata: Record<string, RpcTypedData>;
  };
  metadata: CoreFunctionMetadata;
  state?: string;
  log(level: string, category: string, message: string): void;
}

/** The invocation model the library returns for one invocation. */
export interface CoreInvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: (...args: unknown[]) => unknown): Promise<unknown>;
  getResponse(
    context: unknown,
    result: unknown,
  ): Promise<{ invocationId: string; outputData?: { name: string; data: RpcTypedData }[]; returnValue?: RpcTypedData }>;
}

/** The library's ProgrammingModel. */
export interface CoreProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: CoreInvocationContext): CoreInvocationModel;
}

/** A captured function: metadata, the user's handler and its trigger binding. */
export interface RegisteredFunction {
  name: string;
  metadata: CoreFunctionMetadata;
  handler: (...args: unknown[]) => unknown;
  triggerName: string;
  trigger: CoreBinding;
}

/**
 * Writes a function's output bindings after it succeeded (blob, ...); set by the host.
 * `bindingData` is what the trigger offers to binding expressions.
 */
export interface OutputBindingWriter {
  write(
    fn: RegisteredFunction,
    invocationId: string,
    response: { outputData: { name: string; data: RpcTypedData }[]; returnValue?: RpcTypedData },
    bindingData: Record<string, unknown>,
  ): Promise<void>;
}

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation' | 'log';
type HookCallback = (context: Record<string, unknown>) => unknown;

class Disposable {
  private disposed = false;
  constructor(private readonly callOnDispose: () => void) {}
  static from(...items: { dispose(): void }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  dispose(): void {
    if (!this.disposed) {
      this.disposed = true;
      this.callOnDispose();
    }
  }
}

/** Everything the app registered through `@azure/functions-core`. */
export class FunctionRegistry {
  readonly functions = new Map<string, RegisteredFunction>();
  readonly hooks = new Map<HookName, Set<HookCallback>>();
  programmingModel: CoreProgrammingModel | undefined;
  /** Output bindings the host writes (see devhost/bindings); unset: none are written. */
  outputBindings: OutputBindingWriter | undefined;

  /** The module object served as `@azure/functions-core`. */
  coreApi(): Record<string, unknown> {
    return {
      version: '3.10.1',
      hostVersion: '4.1040.0',
      Disposable,
      registerFunction: (metadata: CoreFunctionMetadata, callback: (...args: unknown[]) => unknown) => {
        const key = metadata.name.toLowerCase();
        if (this.functions.has(key)) {
          throw new Error(`A function with the name "${metadata.name}" has already been registered.`);
        }
        const entry = Object.entries(metadata.bindings).find(([, b]) => /trigger$/i.test(b.type));
        if (!entry) throw new Error(`Function "${metadata.name}" has no trigger binding.`);
        this.functions.set(key, { name: metadata.name, metadata, handler: callback, triggerName: entry[0], trigger: entry[1] });
        return new Disposable(() => this.functions.delete(key));
      },
      registerHook: (name: HookName, callback: HookCallback) => {
        const set = this.hooks.get(name) ?? new Set<HookCallback>();
        this.hooks.set(name, set);
        set.add(callback);
        return new Disposable(() => set.delete(callback));
      },
      setProgrammingModel: (model: CoreProgrammingModel) => {
        this.programmingModel = model;
      },
      getProgrammingModel: () => this.programmingModel,
    };
  }

  /** Find a function by name (case-insensitive, as the host does). */
  get(name: string): RegisteredFunction | undefined {
    return this.functions.get(name.toLowerCase());
  }

  /** Functions whose trigger type equals `type` (case-insensitive). */
  byTrigger(type: string): RegisteredFunction[] {
    return [...this.functions.values()].filter((f) => f.trigger.type.toLowerCase() === type.toLowerCase());
  }
}

const CORE_MODULE = '@azure/functions-core';
let installed: { registry: FunctionRegistry; filename: string } | undefined;

/**
 * Make `require('@azure/functions-core')` resolve to the registry's core API in this
 * process. One registry per process: the library caches the module it first sees.
 */
export function installFunctionsCore(registry: FunctionRegistry): void {
  if (installed) {
    if (installed.registry !== registry) throw new Error('@azure/functions-core is already provided by another registry in this process.');
    return;
  }
  const filename = path.join(process.cwd(), '__devhost__', 'azure-functions-core.js');
  const mod = new Module(filename);
  mod.filename = filename;
  mod.loaded = true;
  mod.exports = registry.coreApi();
  const cache = (Module as unknown as { _cache: Record<string, Module> })._cache;
  cache[filename] = mod;
  const m = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = m._resolveFilename;
  m._resolveFilename = function resolveFilename(this: unknown, request: string, ...rest: unknown[]): string {
    if (request === CORE_MODULE) return filename;
    return original.call(this, request, ...rest);
  };
  installed = { registry, filename };
}
