/**
 * Invokes a registered function the way the Node worker does: through the library's
 * own invocation model (converters, hooks, return-value handling), never by calling
 * the handler directly.
 */
import { randomUUID } from 'node:crypto';
import type { CoreInvocationContext, FunctionRegistry, RegisteredFunction, RpcTypedData } from './functionsCore';

/** Outcome of one invocation. */
export interface InvocationResult {
  invocationId: string;
  returnValue?: RpcTypedData;
  outputData: { name: string; data: RpcTypedData }[];
  /** The error thrown by the function (after postInvocation hooks), if any. */
  error?: unknown;
}

/** A log line produced by the function through `context.log` and friends. */
export type InvocationLogSink = (level: string, category: string, message: string) => void;

/** Options for {@link invokeFunction}. */
export interface InvokeOptions {
  /** Typed data for extra (non-trigger) input bindings, by binding name. */
  extraInputs?: Record<string, RpcTypedData>;
  triggerMetadata?: Record<string, RpcTypedData>;
  log?: InvocationLogSink;
  /** Values the trigger offers to binding expressions of output bindings (route parameters, activity input...). */
  bindingData?: Record<string, unknown>;
}

/** Run `fn` with `triggerData` as its trigger input. Never throws for user errors. */
export async function invokeFunction(
  registry: FunctionRegistry,
  fn: RegisteredFunction,
  triggerData: RpcTypedData,
  options: InvokeOptions = {},
): Promise<InvocationResult> {
  const model = registry.programmingModel;
  if (!model) throw new Error('The app did not set a programming model: is @azure/functions installed and loaded by the app?');
  const invocationId = randomUUID();
  const inputData = [{ name: fn.triggerName, data: triggerData }];
  for (const [name, data] of Object.entries(options.extraInputs ?? {})) inputData.push({ name, data });
  const coreCtx: CoreInvocationContext = {
    invocationId,
    request: { invocationId, functionId: fn.name, inputData, triggerMetadata: options.triggerMetadata ?? {} },
    metadata: fn.metadata,
    state: undefined,
    log: options.log ?? (() => undefined),
  };
  const invocationModel = model.getInvocationModel(coreCtx);
  const { context, inputs } = await invocationModel.getArguments();
  const hookData: Record<string, unknown> = {};
  const pre = { hookData, invocationContext: context, functionCallback: fn.handler, inputs };
  coreCtx.state = 'preInvocationHooks';
  for (const hook of registry.hooks.get('preInvocation') ?? []) await hook(pre);
  coreCtx.state = 'invocation';
  let result: unknown;
  let error: unknown;
  try {
    result = await invocationModel.invokeFunction(context, pre.inputs, pre.functionCallback);
  } catch (err) {
    error = err ?? new Error('Function threw a nullish value');
  }
  const post = { hookData, invocationContext: context, inputs: pre.inputs, result, error };
  coreCtx.state = 'postInvocationHooks';
  for (const hook of registry.hooks.get('postInvocation') ?? []) {
    try {
      await hook(post);
    } catch (err) {
      post.error = err;
    }
  }
  if (post.error !== undefined && post.error !== null) {
    return { invocationId, outputData: [], error: post.error };
  }
  const response = await invocationModel.getResponse(context, post.result);
  const outputData = response.outputData ?? [];
  const returnValue = response.returnValue ?? undefined;
  if (registry.outputBindings) {
    try {
      await registry.outputBindings.write(fn, invocationId, { outputData, returnValue }, options.bindingData ?? {});
    } catch (err) {
      // A binding that cannot be written fails the invocation, as it does on Azure.
      return { invocationId, outputData: [], error: err };
    }
  }
  return { invocationId, returnValue, outputData };
}

/**
 * Decode a typed-data return value into a JS value: `json` is parsed, `string` is the
 * string the function returned (the library sends objects as `json`).
 */
export function fromTypedData(data: RpcTypedData | undefined): unknown {
  if (!data) return undefined;
  if (data.json !== undefined && data.json !== null) return JSON.parse(data.json);
  if (data.string !== undefined && data.string !== null) return data.string;
  if (data.int !== undefined && data.int !== null) return Number(data.int);
  if (data.double !== undefined && data.double !== null) return Number(data.double);
  if (data.bytes) return Buffer.from(data.bytes).toString('utf8');
  return undefined;
}

/** A readable message for anything thrown. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
