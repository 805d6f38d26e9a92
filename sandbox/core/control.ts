import type { z } from 'zod';
import type { SandboxResponse } from './types';

/** 400 body for bad control input: names the field and the reason. */
export function badRequest(error: z.ZodError): SandboxResponse {
  const issue = error.issues[0];
  const field = issue ? issue.path.join('.') : '';
  return { status: 400, body: { error: { code: 'InvalidRequest', field, message: `${field || 'body'}: ${issue?.message ?? 'invalid'}` } } };
}

/** Any other control error, in the same `{ error: { code, message } }` shape. */
export function controlError(status: number, code: string, message: string): SandboxResponse {
  return { status, body: { error: { code, message } } };
}
