import { randomBytes } from 'crypto';
import type { SecretVersionInfo } from '../ports/secrets';
import type { ActivityDeps } from './types';
import { outcome } from './outcome';

type MailgunSecret = { type: 'mailgun'; vault: string; name: string; domain: string };
type MachineKeySecret = { type: 'machine-key'; vault: string; name: string; validation: string; decryption: string };

/** Bytes of each machineKey part: HMACSHA256 wants 64 for validation, AES-256 32 for decryption. */
const VALIDATION_BYTES: Record<string, number> = { HMACSHA256: 64, HMACSHA384: 96, HMACSHA512: 128 };

/**
 * Secret rotations. Values are created, stored and checked inside these activities
 * and never returned: the orchestrator sees versions and key ids only.
 */
export function secretActivities({ ports }: ActivityDeps) {
  /** The version this rotation already created, found by its tag (retries find it). */
  const findOwn = async (vault: string, name: string, key: string) => (await ports.secrets.listVersions(vault, name)).find((v) => v.tags.mwRotation === key);
  const latestEnabled = async (vault: string, name: string) =>
    (await ports.secrets.listVersions(vault, name)).filter((v) => v.enabled).sort((a, b) => (a.createdOn ?? '').localeCompare(b.createdOn ?? '')).at(-1);

  return {
    createMailgunKey: (input: { windowId: string; key: string; secret: MailgunSecret }) =>
      outcome(async () => {
        const { vault, name } = input.secret;
        const tag = `${input.windowId}:${input.key}`;
        const own = await findOwn(vault, name, tag);
        if (own) return versionsOf(own.version, own.tags);
        const previous = await latestEnabled(vault, name);
        const description = `mw ${tag}`;
        // A key created by an earlier attempt that never reached Key Vault is unusable (its secret is gone).
        for (const orphan of (await ports.mail.listKeys()).filter((k) => k.description === description)) await ports.mail.deleteKey(orphan.id);
        const created = await ports.mail.createKey(description);
        const info = await ports.secrets.setSecret(vault, name, created.secret, {
          mwRotation: tag,
          mailgunKeyId: created.id,
          ...(previous ? { previousVersion: previous.version } : {}),
          ...(previous?.tags.mailgunKeyId ? { previousKeyId: previous.tags.mailgunKeyId } : {}),
        });
        return versionsOf(info.version, info.tags);
      }),

    verifyMailgunKey: (input: { windowId: string; vault: string; name: string; version: string }) =>
      outcome(async () => {
        const secret = await ports.secrets.getSecretValue(input.vault, input.name, input.version);
        if (!secret) throw Object.assign(new Error(`version ${input.version} of ${input.name} not found`), { code: 'SecretNotFound' });
        if (!(await ports.mail.verifyKey(secret.value))) throw Object.assign(new Error('Mailgun refused the new key'), { code: 'KeyRejected' });
        return {};
      }),

    deleteMailgunKey: (input: { windowId: string; keyId: string }) =>
      outcome(async () => {
        const exists = (await ports.mail.listKeys()).some((k) => k.id === input.keyId);
        if (exists) await ports.mail.deleteKey(input.keyId);
        return {};
      }),

    generateMachineKey: (input: { windowId: string; key: string; secret: MachineKeySecret }) =>
      outcome(async () => {
        const { vault, name, validation, decryption } = input.secret;
        const tag = `${input.windowId}:${input.key}`;
        const own = await findOwn(vault, name, tag);
        if (own) return versionsOf(own.version, own.tags);
        const previous = await latestEnabled(vault, name);
        // CSPRNG, inside the activity: the value goes straight to Key Vault.
        const value = JSON.stringify({
          validation,
          decryption,
          validationKey: randomBytes(VALIDATION_BYTES[validation] ?? 64).toString('hex').toUpperCase(),
          decryptionKey: randomBytes(32).toString('hex').toUpperCase(),
        });
        const info = await ports.secrets.setSecret(vault, name, value, { mwRotation: tag, ...(previous ? { previousVersion: previous.version } : {}) });
        return versionsOf(info.version, info.tags);
      }),

    /**
     * Tags the new version as rolled out to every server, in Key Vault itself: the restore walk reads
     * this tag, not only its own record, before it would roll a finished rotation back (a record
     * lost from storage must never undo a rotation silently).
     */
    markRolledOut: (input: { windowId: string; vault: string; name: string; version: string }) =>
      outcome(async () => {
        const info = (await ports.secrets.listVersions(input.vault, input.name)).find((v) => v.version === input.version);
        if (!info) throw Object.assign(new Error(`version ${input.version} of ${input.name} not found`), { code: 'SecretNotFound' });
        if (info.tags[ROLLED_OUT_TAG] !== 'true') await ports.secrets.setVersionTags(input.vault, input.name, input.version, { ...info.tags, [ROLLED_OUT_TAG]: 'true' });
        return {};
      }),

    /** Makes `toVersion`'s value current again (as a new version) and disables the failed one. */
    rollbackSecret: (input: { windowId: string; vault: string; name: string; toVersion: string; disableVersion: string }) =>
      outcome(async () => {
        await rollbackSecretVersion(ports, input);
        return {};
      }),
  };
}

/** The tag `markRolledOut` puts on a version every server took. */
export const ROLLED_OUT_TAG = 'mwRolledOut';

/**
 * The restore walk's rollback, decided from Key Vault and Mailgun rather than the ledger alone.
 * Answers whether it rolled back: not when the new version is tagged rolled out (the rotation
 * finished); an error when rolling back would put a Mailgun key that no longer exists back in use
 * (a person decides). One list of the versions serves both the decision and the rollback.
 */
export async function rollbackUnlessFinished(ports: ActivityDeps['ports'], input: { vault: string; name: string; toVersion: string; disableVersion: string }): Promise<boolean> {
  const versions = await ports.secrets.listVersions(input.vault, input.name);
  if (versions.find((v) => v.version === input.disableVersion)?.tags[ROLLED_OUT_TAG] === 'true') return false;
  const keyId = versions.find((v) => v.version === input.toVersion)?.tags.mailgunKeyId;
  if (keyId && !versions.some((v) => v.tags.mwRollbackOf === input.disableVersion) && !(await ports.mail.listKeys()).some((k) => k.id === keyId)) {
    throw Object.assign(new Error(`rolling ${input.name} back would bring back Mailgun key ${keyId}, which no longer exists: left on version ${input.disableVersion}; decide by hand`), { code: 'PreviousKeyGone' });
  }
  await rollbackSecretVersion(ports, input, versions);
  return true;
}

/** Idempotent: the rollback version is found by its tag, so a retry (or the restore walk after the step) adds none. */
export async function rollbackSecretVersion(
  ports: ActivityDeps['ports'],
  input: { vault: string; name: string; toVersion: string; disableVersion: string },
  /** The versions when the caller has just listed them. */
  listed?: SecretVersionInfo[],
): Promise<void> {
  const versions = listed ?? (await ports.secrets.listVersions(input.vault, input.name));
  if (!versions.some((v) => v.tags.mwRollbackOf === input.disableVersion)) {
    const old = await ports.secrets.getSecretValue(input.vault, input.name, input.toVersion);
    if (!old) throw Object.assign(new Error(`version ${input.toVersion} of ${input.name} not found`), { code: 'SecretNotFound' });
    await ports.secrets.setSecret(input.vault, input.name, old.value, { ...old.info.tags, mwRollbackOf: input.disableVersion });
  }
  await ports.secrets.setVersionEnabled(input.vault, input.name, input.disableVersion, false);
}

function versionsOf(version: string, tags: Record<string, string>) {
  return {
    version,
    ...(tags.mailgunKeyId ? { keyId: tags.mailgunKeyId } : {}),
    ...(tags.previousVersion ? { previousVersion: tags.previousVersion } : {}),
    ...(tags.previousKeyId ? { previousKeyId: tags.previousKeyId } : {}),
  };
}
