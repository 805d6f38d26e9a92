import { readFileSync } from 'fs';
import { inflateRawSync } from 'zlib';

/**
 * Reads a zip archive (PKWARE APPNOTE 6.3: end of central directory, central directory, local
 * headers; stored or deflated entries, no ZIP64, no encryption): enough to check what
 * `npm run package` wrote without trusting the writer that wrote it.
 */
export interface ZipEntry {
  name: string;
  /** Uncompressed bytes. */
  read(): Buffer;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function readZip(file: string): ZipEntry[] {
  const buf = readFileSync(file);
  // The end record is the last 22 bytes plus a comment of up to 64 KiB.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file}: no end of central directory record (not a zip)`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || at === 0xffffffff) throw new Error(`${file}: ZIP64 archives are not supported here`);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(at) !== CENTRAL) throw new Error(`${file}: bad central directory entry ${n}`);
    const flags = buf.readUInt16LE(at + 8);
    const method = buf.readUInt16LE(at + 10);
    const compressedSize = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const localAt = buf.readUInt32LE(at + 42);
    const name = buf.toString(flags & 0x800 ? 'utf8' : 'latin1', at + 46, at + 46 + nameLength);
    if (flags & 0x1) throw new Error(`${file}: ${name} is encrypted`);
    entries.push({
      name,
      read: () => {
        if (buf.readUInt32LE(localAt) !== LOCAL) throw new Error(`${file}: bad local header for ${name}`);
        const start = localAt + 30 + buf.readUInt16LE(localAt + 26) + buf.readUInt16LE(localAt + 28);
        const data = buf.subarray(start, start + compressedSize);
        const out = method === 0 ? Buffer.from(data) : method === 8 ? inflateRawSync(data) : undefined;
        if (!out) throw new Error(`${file}: ${name} uses compression method ${method}`);
        if (out.length !== size) throw new Error(`${file}: ${name} is ${out.length} bytes, the directory says ${size}`);
        return out;
      },
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
