/**
 * The estate's state on disk: a snapshot (`state.json`) and a journal of changes since it
 * (`state.journal`). The estate saves before it answers every write, so a client told "done"
 * finds it done after the estate is killed. Writing the whole state each time made a large
 * estate's saves quadratic (a 1,000-server rehearsal wrote 2.6 MB before each of thousands of
 * answers); the journal appends only the parts a write changed, and a snapshot is written again
 * once the journal outgrows it, so the cost per write stays near the size of the change.
 *
 * A journal line is one JSON document `{"ids":{...},"p":[[service, part, value], ...]}`, so a
 * line cut short by a kill is ignored whole and a save is never half applied. The journal's
 * first line names the snapshot generation it follows; a journal left from an older snapshot
 * (killed between the two renames of a compaction) is ignored, since the snapshot holds it all.
 */
import { promises as fs } from 'fs';
import path from 'path';
import { z } from 'zod';
import type { SandboxService } from './types';

const STATE_FILE = 'state.json';
const JOURNAL_FILE = 'state.journal';
/** A snapshot is written again once the journal is larger than this or than the last snapshot. */
const MIN_COMPACT_BYTES = 2 * 1024 * 1024;

/** What state.json holds. `journal` is the generation its journal must name (absent: no journal). */
const PersistedState = z.object({
  version: z.literal(1),
  savedAt: z.string(),
  journal: z.number().int().nonnegative().optional(),
  ids: z.record(z.string(), z.number()),
  services: z.record(z.string(), z.unknown()),
});
const JournalHeader = z.object({ journal: z.number().int().nonnegative() });
const JournalLine = z.object({ ids: z.record(z.string(), z.number()), p: z.array(z.tuple([z.string(), z.string(), z.unknown()])) });

/** A parted service's snapshot value: its parts by key. */
const PARTS_KEY = '$parts';

export interface PersistenceOptions {
  stateDir: string;
  /** The services as built now (a reset rebuilds them). */
  services: () => readonly SandboxService[];
  ids: () => Record<string, number>;
  setIds: (ids: Record<string, number>) => void;
  now: () => number;
  /**
   * Check, before every journal write, that each part a service did not report as changed is
   * still what was last written (MW_SANDBOX_CHECK_PARTS=1, set for the test suite): a change a
   * service forgot to report would be lost only when the estate is killed, so it is made loud here.
   */
  check?: boolean;
}

export interface Persistence {
  /** Writes the whole state and starts a new journal. */
  snapshot(): Promise<void>;
  /** Writes what changed since the last save (a snapshot when there is no baseline yet, or the journal has grown). */
  save(): Promise<void>;
  /** Loads the snapshot and its journal into the services; false when there is nothing to load. */
  restore(): Promise<boolean>;
}

/** A service without parts: its whole state as text, journaled as the one part ''. */
function textOf(s: SandboxService): string | undefined {
  return s.save ? JSON.stringify(s.save()) : undefined;
}

export function createPersistence(options: PersistenceOptions): Persistence {
  const statePath = path.join(options.stateDir, STATE_FILE);
  const journalPath = path.join(options.stateDir, JOURNAL_FILE);
  /** What was last written, per service and part: the baseline the next save is compared with. */
  let written: Map<string, Map<string, string>> | undefined;
  let generation = 0;
  let journalBytes = 0;
  let snapshotBytes = 0;

  const writeAtomically = async (file: string, text: string): Promise<void> => {
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, text, { mode: 0o600 });
    await fs.rename(tmp, file);
  };

  const snapshot = async (): Promise<void> => {
    const baseline = new Map<string, Map<string, string>>();
    const services: string[] = [];
    for (const s of options.services()) {
      if (s.parts) {
        const parts = s.parts.all();
        s.parts.changed(); // the snapshot holds them all: nothing is pending any more
        baseline.set(s.name, parts);
        services.push(`${JSON.stringify(s.name)}:{${JSON.stringify(PARTS_KEY)}:{${[...parts].map(([k, t]) => `${JSON.stringify(k)}:${t}`).join(',')}}}`);
        continue;
      }
      const text = textOf(s);
      if (text === undefined) continue;
      baseline.set(s.name, new Map([['', text]]));
      services.push(`${JSON.stringify(s.name)}:${text}`);
    }
    const next = generation + 1;
    const doc = `{"version":1,"savedAt":${JSON.stringify(new Date(options.now()).toISOString())},"journal":${next},"ids":${JSON.stringify(options.ids())},"services":{${services.join(',')}}}`;
    await writeAtomically(statePath, doc);
    const header = `${JSON.stringify({ journal: next })}\n`;
    await writeAtomically(journalPath, header);
    generation = next;
    written = baseline;
    snapshotBytes = doc.length;
    journalBytes = header.length;
  };

  /** Parts that differ from what was written; with `check`, also proves nothing unreported changed. */
  const changes = (baseline: Map<string, Map<string, string>>): [string, string, string | null][] => {
    const out: [string, string, string | null][] = [];
    for (const s of options.services()) {
      const before = baseline.get(s.name) ?? new Map<string, string>();
      if (!baseline.has(s.name)) baseline.set(s.name, before);
      const changed = s.parts ? s.parts.changed() : new Map<string, string | null>([['', textOf(s) ?? null]]);
      for (const [key, text] of changed) {
        if (text === null ? !before.has(key) : before.get(key) === text) continue;
        out.push([s.name, key, text]);
        if (text === null) before.delete(key);
        else before.set(key, text);
      }
      if (options.check && s.parts) {
        const all = s.parts.all();
        for (const [key, text] of all) {
          if (before.get(key) !== text) throw new Error(`sandbox: ${s.name} part '${key}' changed without being reported as changed; a kill would lose it`);
        }
        for (const key of before.keys()) if (!all.has(key)) throw new Error(`sandbox: ${s.name} part '${key}' was removed without being reported`);
      }
    }
    return out;
  };

  const save = async (): Promise<void> => {
    if (!written || journalBytes > Math.max(MIN_COMPACT_BYTES, snapshotBytes)) return snapshot();
    const delta = changes(written);
    if (delta.length === 0) return;
    const line = `{"ids":${JSON.stringify(options.ids())},"p":[${delta.map(([s, k, t]) => `[${JSON.stringify(s)},${JSON.stringify(k)},${t ?? 'null'}]`).join(',')}]}\n`;
    await fs.appendFile(journalPath, line, { mode: 0o600 });
    journalBytes += line.length;
  };

  const load = (name: string, value: unknown, part?: string): void => {
    const s = options.services().find((x) => x.name === name);
    if (!s) return;
    if (part !== undefined && s.parts) s.parts.loadPart(part, value);
    else if (part === undefined && s.parts && value && typeof value === 'object' && PARTS_KEY in value) s.parts.load(new Map(Object.entries((value as Record<string, Record<string, unknown>>)[PARTS_KEY]!)));
    // A service without parts, or a parted one's state.json from before parts (its load converts it).
    else if (s.load && value !== null) s.load(value);
  };

  const restore = async (): Promise<boolean> => {
    let text: string;
    try {
      text = await fs.readFile(statePath, 'utf8');
    } catch {
      return false;
    }
    const parsed = PersistedState.safeParse(JSON.parse(text));
    if (!parsed.success) return false;
    options.setIds({ ...parsed.data.ids });
    for (const [name, value] of Object.entries(parsed.data.services)) load(name, value);
    generation = parsed.data.journal ?? 0;
    if (parsed.data.journal !== undefined) {
      const lines = await fs.readFile(journalPath, 'utf8').then(
        (t) => t.split('\n'),
        () => [],
      );
      const header = JournalHeader.safeParse(safeJson(lines[0] ?? ''));
      if (header.success && header.data.journal === parsed.data.journal) {
        for (const raw of lines.slice(1)) {
          // A line cut short by a kill is the last one; its save was never answered.
          const line = JournalLine.safeParse(safeJson(raw));
          if (!line.success) break;
          options.setIds({ ...line.data.ids });
          for (const [name, part, value] of line.data.p) load(name, value, part);
        }
      }
    }
    return true;
  };

  return { snapshot, save, restore };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
