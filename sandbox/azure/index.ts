/** The Azure half of the simulated estate: one factory per listener, sharing one AzureModel. */
export { createArmService } from './arm';
export { createLoginService } from './identity';
export { createKeyVaultService } from './keyvault';
export { createProbesService } from './probes';
