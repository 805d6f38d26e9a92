export { preflightWindow, runPreflight } from './run';
export { preflightVerdict, renderPreflightSlack, renderPreflightText } from './render';
export type { Finding, PreflightContext, PreflightReport } from './types';
