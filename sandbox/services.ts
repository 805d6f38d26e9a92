/**
 * Every simulated service, by name (= the listener it is mounted on, see sandbox/core/ports.ts).
 * One line per service; the sandbox builds them all from the same ServiceContext.
 */
import { createArmService, createKeyVaultService, createLoginService, createProbesService } from './azure';
import type { ServiceFactory } from './core/types';

export const serviceFactories: Record<string, ServiceFactory> = {
  arm: createArmService,
  login: createLoginService,
  keyvault: createKeyVaultService,
  probes: createProbesService,
};
