import { secretTargets } from '../targets';
import { reasonOf, type Check } from '../types';

/** Key Vault: every secret the window rotates exists and has an enabled version (its metadata only; no value is read). */
export const checkSecrets: Check = async (ctx, out) => {
  for (const { vault, name, field } of secretTargets(ctx.window)) {
    out.count('secrets');
    try {
      const versions = await ctx.ports.secrets.listVersions(vault, name);
      if (versions.length === 0) out.error('secrets', `${field}.name`, `secret ${name} does not exist in vault ${vault}`);
      else if (!versions.some((v) => v.enabled)) out.error('secrets', `${field}.name`, `secret ${name} in vault ${vault} has no enabled version: the rotation has nothing to roll back to`);
    } catch (e) {
      out.error('secrets', `${field}.vault`, `cannot read secret ${name} in vault ${vault}: ${reasonOf(e)}`);
    }
  }
};
