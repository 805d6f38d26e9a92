import { readdirSync, readFileSync } from 'fs';
import { basename, join } from 'path';
import { parse } from 'yaml';
import { revisionOf } from './runbook';

/** One revision of a window file. */
export interface WindowFile {
  windowId: string;
  /** A name for people (the file's base name, never a server path). */
  file: string;
  text: string;
  /** Content hash of the text (revisionOf): a run names the exact text it ran. */
  revision: string;
  /** Present for a published revision: who published it and when. */
  publishedBy?: string;
  publishedAt?: string;
}

export type WindowSummary = Omit<WindowFile, 'text'>;

/**
 * Where windows come from. On Azure they are published (`mw publish`) into Blob storage, every
 * revision kept; locally a folder of files may stand beside them. `read` gives the latest.
 */
export interface WindowSource {
  read(windowId: string): Promise<WindowFile | undefined>;
  /** One exact revision (a running window keeps the one it started with). */
  readRevision(windowId: string, revision: string): Promise<WindowFile | undefined>;
  list(): Promise<WindowSummary[]>;
}

/** Reads `<dir>/*.yaml`; a window's id is its `id:` field (file names are for people). */
export function createFolderWindowSource(dir: string): WindowSource {
  const files = (): string[] => {
    try {
      return readdirSync(dir)
        .filter((f) => /\.ya?ml$/i.test(f))
        .sort()
        .map((f) => join(dir, f));
    } catch {
      return [];
    }
  };
  const all = (): WindowFile[] =>
    files().flatMap((path) => {
      const text = readFileSync(path, 'utf8');
      const windowId = windowIdOf(text);
      return windowId ? [{ windowId, file: basename(path), text, revision: revisionOf(text) }] : [];
    });
  return {
    read: async (windowId) => all().find((w) => w.windowId === windowId),
    readRevision: async (windowId, revision) => all().find((w) => w.windowId === windowId && w.revision === revision),
    list: async () => all().map(({ text: _text, ...rest }) => rest),
  };
}

/** Ids by file text: the timer asks every five minutes, and a file is parsed once, not on every fire. */
const idsByText = new Map<string, string | undefined>();

/** The `id:` of a window file's text, or undefined when it has none (or is not YAML). */
export function windowIdOf(text: string): string | undefined {
  if (idsByText.has(text)) return idsByText.get(text);
  let id: string | undefined;
  try {
    const doc = parse(text) as { id?: unknown } | null;
    id = typeof doc?.id === 'string' ? doc.id : undefined;
  } catch {
    id = undefined;
  }
  if (idsByText.size >= 256) idsByText.clear();
  idsByText.set(text, id);
  return id;
}

/** Published revisions first, then the folder: a window published once is the published one from then on. */
export function layeredWindowSource(published: WindowSource, folder?: WindowSource): WindowSource {
  return {
    read: async (windowId) => (await published.read(windowId)) ?? (await folder?.read(windowId)),
    readRevision: async (windowId, revision) => (await published.readRevision(windowId, revision)) ?? (await folder?.readRevision(windowId, revision)),
    list: async () => {
      const top = await published.list();
      const seen = new Set(top.map((w) => w.windowId));
      return [...top, ...((await folder?.list()) ?? []).filter((w) => !seen.has(w.windowId))].sort((a, b) => a.windowId.localeCompare(b.windowId));
    },
  };
}
