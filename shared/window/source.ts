import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';

/** Where window files live: a folder deployed with the app (windows/). */
export interface WindowSource {
  /** The file text of a window, or undefined when no file declares that id. */
  read(windowId: string): { file: string; text: string } | undefined;
  /** Ids and files of every window in the folder. */
  list(): { windowId: string; file: string }[];
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
  // The timer asks every five minutes: parse each file text once, not on every fire.
  const ids = new Map<string, string | undefined>();
  const idOf = (text: string): string | undefined => {
    if (ids.has(text)) return ids.get(text);
    let id: string | undefined;
    try {
      const doc = parse(text) as { id?: unknown } | null;
      id = typeof doc?.id === 'string' ? doc.id : undefined;
    } catch {
      id = undefined;
    }
    if (ids.size >= 256) ids.clear();
    ids.set(text, id);
    return id;
  };
  return {
    read(windowId) {
      for (const file of files()) {
        const text = readFileSync(file, 'utf8');
        if (idOf(text) === windowId) return { file, text };
      }
      return undefined;
    },
    list() {
      return files().flatMap((file) => {
        const id = idOf(readFileSync(file, 'utf8'));
        return id ? [{ windowId: id, file }] : [];
      });
    },
  };
}
