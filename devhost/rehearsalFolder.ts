/**
 * A rehearsal's folder: everything it needs to continue after its process is killed
 * (`npm start -- --resume`). The task hub lives in Azurite (its data under `azurite/`, or
 * in the storage given with --storage), the estate in `sandbox/state.json`, the keys and
 * settings in `local.settings.json`; `rehearsal.json` says how the run was started and
 * `answered.log` what its people have already answered. Removed when the rehearsal ends.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const FILE = 'rehearsal.json';
const ANSWERED = 'answered.log';

/** How the rehearsal was started: what a resume must reuse. */
export const RehearsalRecord = z.strictObject({
  version: z.literal(1),
  windowId: z.string().min(1),
  /** The window file as copied into the folder (the app reads windows/ there). */
  windowFile: z.string().min(1),
  taskHub: z.string().min(1),
  port: z.number().int().min(0).max(65535),
  basePort: z.number().int().min(0).max(65535),
  startMs: z.number().int(),
  storage: z.string().optional(),
  speed: z.number().nonnegative().optional(),
  activityJitterMs: z.number().nonnegative().optional(),
  /** The estate file as copied into the folder (absent: sandbox/estate/default.yaml). */
  estateFile: z.string().min(1).optional(),
  /** The estate runs in a child process (`--estate-process`). */
  estateProcess: z.boolean().optional(),
  /** The scenario (faults, people behaviour) the run was started with. */
  scenario: z.unknown().optional(),
});
export type RehearsalRecord = z.infer<typeof RehearsalRecord>;

/** The paths and records of one rehearsal folder. */
export class RehearsalFolder {
  constructor(readonly dir: string) {}

  /** Where a window's rehearsal lives unless --dir says otherwise. */
  static defaultDir(root: string, windowId: string): string {
    return path.join(root, '.mw', 'rehearsals', windowId);
  }

  get windowsDir(): string {
    return path.join(this.dir, 'windows');
  }
  get sandboxDir(): string {
    return path.join(this.dir, 'sandbox');
  }
  get azuriteDir(): string {
    return path.join(this.dir, 'azurite');
  }
  get settingsFile(): string {
    return path.join(this.dir, 'local.settings.json');
  }
  get hostLog(): string {
    return path.join(this.dir, 'host.log');
  }

  /** Whether a rehearsal was started here (and not finished: a finished one removes its folder). */
  exists(): boolean {
    return existsSync(path.join(this.dir, FILE));
  }

  /** Create the folder for a new rehearsal. */
  create(): void {
    mkdirSync(this.windowsDir, { recursive: true });
  }

  /** Write the record (atomically: a kill mid-write leaves the old one). */
  write(record: RehearsalRecord): void {
    const file = path.join(this.dir, FILE);
    writeFileSync(`${file}.tmp`, JSON.stringify(record, null, 2), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  /** Read the record of a rehearsal to resume. */
  read(): RehearsalRecord {
    const file = path.join(this.dir, FILE);
    if (!existsSync(file)) throw new Error(`no rehearsal to resume in ${this.dir} (${FILE} is missing)`);
    const parsed = RehearsalRecord.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${file}: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
    }
    return parsed.data;
  }

  /** What the people answered so far (each key once). */
  answered(): Set<string> {
    const file = path.join(this.dir, ANSWERED);
    if (!existsSync(file)) return new Set();
    return new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean));
  }

  /** Note an answer once it is given (a kill before this line means asking again, which the API refuses harmlessly). */
  noteAnswered(key: string): void {
    appendFileSync(path.join(this.dir, ANSWERED), `${key}\n`, { mode: 0o600 });
  }
}
