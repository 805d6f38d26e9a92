import { X509Certificate } from 'crypto';
import { promises as fs } from 'fs';
import path from 'path';
import { generate } from 'selfsigned';

/** The sandbox's TLS material: a local CA and a leaf for 127.0.0.1 / localhost signed by it. */
export interface SandboxTls {
  caPem: string;
  caFile: string;
  certPem: string;
  keyPem: string;
}

const FILES = { caCert: 'ca.pem', caKey: 'ca.key', cert: 'server.pem', key: 'server.key' } as const;

/** Leaves are renewed this long before they expire, so a long-lived state dir keeps working. */
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

function stillValid(pem: string, now: number): boolean {
  try {
    const cert = new X509Certificate(pem);
    return Date.parse(cert.validTo) - RENEW_BEFORE_MS > now && Date.parse(cert.validFrom) <= now;
  } catch {
    return false;
  }
}

/**
 * Loads the CA and leaf from `stateDir`, generating whichever is missing or about to expire.
 * The CA is kept across restarts so a client that already trusts ca.pem keeps trusting us.
 * Validity uses the real clock: TLS peers check certificates against real time, not virtual.
 */
export async function ensureTls(stateDir: string): Promise<SandboxTls> {
  await fs.mkdir(stateDir, { recursive: true });
  const file = (name: string): string => path.join(stateDir, name);
  const now = Date.now();
  let caPem = await readIfExists(file(FILES.caCert));
  let caKey = await readIfExists(file(FILES.caKey));
  let certPem = await readIfExists(file(FILES.cert));
  let keyPem = await readIfExists(file(FILES.key));
  let renewLeaf = !certPem || !keyPem || !stillValid(certPem, now);

  if (!caPem || !caKey || !stillValid(caPem, now)) {
    const ca = await generate([{ name: 'commonName', value: 'mw sandbox local CA' }], {
      algorithm: 'sha256',
      keySize: 2048,
      notAfterDate: new Date(now + 5 * 365 * 24 * 3600 * 1000),
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      ],
    });
    caPem = ca.cert;
    caKey = ca.private;
    await fs.writeFile(file(FILES.caCert), caPem);
    await fs.writeFile(file(FILES.caKey), caKey, { mode: 0o600 });
    renewLeaf = true;
  }
  if (renewLeaf || !certPem || !keyPem) {
    const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
      algorithm: 'sha256',
      keySize: 2048,
      notAfterDate: new Date(now + 365 * 24 * 3600 * 1000),
      ca: { key: caKey, cert: caPem },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
      ],
    });
    certPem = leaf.cert;
    keyPem = leaf.private;
    await fs.writeFile(file(FILES.cert), certPem);
    await fs.writeFile(file(FILES.key), keyPem, { mode: 0o600 });
  }
  return { caPem, caFile: file(FILES.caCert), certPem, keyPem };
}
