import type { Clock } from '../clock';
import type { AppConfig } from '../config';
import type { Ports } from '../ports';
import type { WindowDef } from '../window/schema';
import { preflightWindow } from './run';
import type { PreflightReport } from './types';

/** The app's pre-flight: its own ports and settings, the time from its clock (virtual in rehearsals). */
export function appPreflight(s: { ports: Ports; clock: Clock; config: Pick<AppConfig, 'azure'> }): (window: WindowDef) => Promise<PreflightReport> {
  return async (window) => {
    const scope = s.config.azure.alertRulesScope;
    return preflightWindow(window, { ports: s.ports, nowMs: await s.clock.now(), ...(scope ? { alertRulesScope: scope } : {}) });
  };
}
