/**
 * Durable state of a task hub: a snapshot plus an append-only journal of state
 * transitions (JSON lines). Every transition is applied in memory first and journaled
 * in order with group commit, so whatever survives a crash is a prefix of what the
 * host did; side effects whose decision was lost are simply redone (at-least-once).
 *
 * Blob layout (container `devhost-<hub>`): `gen-NNNNNN/snapshot.json` (block blob) and
 * `gen-NNNNNN/journal-NNNN` (append blobs, each block a whole number of lines). A new
 * generation starts at every host start, after recovery; older ones are deleted.
 */
import { type AppendBlobClient, BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { HistoryEvent, RuntimeStatus } from './history';
import type { EntityRequest } from './replay';

/** Where a sub-orchestration reports back. */
export interface ParentRef {
  instanceId: string;
  executionId: string;
  taskScheduledId: number;
  name: string;
}

/** Persisted fields of an orchestration instance. */
export interface InstanceData {
  id: string;
  name: string;
  version: string;
  executionId: string;
  status: RuntimeStatus;
  input: string | null;
  output: string | null;
  customStatus: string | null;
  createdAt: number;
  updatedAt: number;
  history: HistoryEvent[];
  inbox: HistoryEvent[];
  parent?: ParentRef;
  /** Set while suspended: the status to restore on resume. */
  suspendedFrom?: RuntimeStatus;
}

/** Persisted entity state. */
export interface EntityData {
  id: string;
  exists: boolean;
  state?: string;
  queue: EntityRequest[];
  updatedAt: number;
}

/** Persisted timer-trigger schedule status (useMonitor). */
export interface TimerTriggerStatus {
  name: string;
  last: number;
  next: number;
  lastUpdated: number;
}

/** A message to an orchestration instance. */
export interface InstanceMessage {
  k: 'msg';
  id: string;
  /** Only delivered to this execution (omitted: any). */
  executionId?: string;
  ev: HistoryEvent;
}

/** A new orchestration instance. */
export interface CreateRecord {
  k: 'create';
  id: string;
  name: string;
  version: string;
  executionId: string;
  input: string | null;
  at: number;
  parent?: ParentRef;
}

/** An operation request queued on an entity. */
export interface EntityRequestRecord {
  k: 'ereq';
  id: string;
  req: EntityRequest;
  at: number;
}

/** Messages produced atomically with the transition that decided them. */
export type OutgoingRecord = InstanceMessage | CreateRecord | EntityRequestRecord;

/** One state transition. */
export type JournalRecord =
  | OutgoingRecord
  | {
      k: 'episode';
      id: string;
      consumed: number;
      events: HistoryEvent[];
      status: RuntimeStatus;
      output: string | null;
      customStatus: string | null;
      at: number;
      continueAsNew?: { executionId: string; input: string };
      out: OutgoingRecord[];
    }
  | { k: 'control'; id: string; op: 'terminate' | 'suspend' | 'resume'; reason: string | null; at: number; out: OutgoingRecord[] }
  | { k: 'purge'; id: string }
  | { k: 'rewind'; id: string; reason: string | null; at: number }
  | { k: 'entity'; id: string; consumed: number; exists: boolean; state?: string; at: number; out: OutgoingRecord[] }
  | { k: 'entityPurge'; id: string }
  | { k: 'timerTrigger'; status: TimerTriggerStatus }
  | { k: 'clock'; now: number };

/** Everything a task hub persists, as one document. */
export interface HubSnapshot {
  version: 1;
  clockMs: number;
  instances: InstanceData[];
  entities: EntityData[];
  timerTriggers: TimerTriggerStatus[];
}

/** Storage for snapshot + journal. */
export interface JournalBackend {
  /** Read the newest generation. */
  open(): Promise<{ snapshot?: HubSnapshot; records: JournalRecord[] }>;
  /** Start a new generation from this snapshot and drop older ones. */
  writeSnapshot(snapshot: HubSnapshot): Promise<void>;
  /** Append whole lines to the current generation's journal. */
  append(lines: string): Promise<void>;
  /** Human-readable location, for logs. */
  describe(): string;
}

/** Keeps nothing across restarts (`--storage memory`). */
export class MemoryJournalBackend implements JournalBackend {
  async open(): Promise<{ snapshot?: HubSnapshot; records: JournalRecord[] }> {
    return { records: [] };
  }
  async writeSnapshot(): Promise<void> {}
  async append(): Promise<void> {}
  describe(): string {
    return 'memory (not persisted)';
  }
}

const MAX_APPEND_BYTES = 4 * 1024 * 1024 - 1024;
const MAX_BLOCKS_PER_BLOB = 45_000;

/** Snapshot + append-blob journal in Blob storage (Azurite locally). */
export class BlobJournalBackend implements JournalBackend {
  private readonly container: ContainerClient;
  private generation = 0;
  private part = 0;
  private blocksInPart = 0;
  /** The journal part being appended to (none yet in this generation). */
  private partClient: AppendBlobClient | undefined;

  constructor(connectionString: string, taskHub: string) {
    // Each try has a deadline: a storage request that never answers (an overloaded emulator) is
    // retried, never left pending, where it would keep the hub busy and the virtual clock still.
    const service = BlobServiceClient.fromConnectionString(connectionString, { retryOptions: { tryTimeoutInMs: 30_000 } });
    this.container = service.getContainerClient(containerName(taskHub));
  }

  describe(): string {
    return `${this.container.url}`;
  }

  async open(): Promise<{ snapshot?: HubSnapshot; records: JournalRecord[] }> {
    await this.container.createIfNotExists();
    const gens = await this.listGenerations();
    for (const gen of gens.sort((a, b) => b - a)) {
      const snapshotBlob = this.container.getBlockBlobClient(`${genPrefix(gen)}/snapshot.json`);
      if (!(await snapshotBlob.exists())) continue;
      const snapshot = JSON.parse((await snapshotBlob.downloadToBuffer()).toString('utf8')) as HubSnapshot;
      const records: JournalRecord[] = [];
      const parts: string[] = [];
      for await (const blob of this.container.listBlobsFlat({ prefix: `${genPrefix(gen)}/journal-` })) parts.push(blob.name);
      for (const name of parts.sort()) {
        const text = (await this.container.getAppendBlobClient(name).downloadToBuffer()).toString('utf8');
        for (const line of text.split('\n')) if (line) records.push(JSON.parse(line) as JournalRecord);
      }
      this.generation = gen;
      return { snapshot, records };
    }
    return { records: [] };
  }

  async writeSnapshot(snapshot: HubSnapshot): Promise<void> {
    const next = this.generation + 1;
    const body = JSON.stringify(snapshot);
    await this.container.getBlockBlobClient(`${genPrefix(next)}/snapshot.json`).upload(body, Buffer.byteLength(body));
    const old = this.generation;
    this.generation = next;
    this.part = 0;
    this.blocksInPart = 0;
    this.partClient = undefined;
    for (const gen of await this.listGenerations()) {
      if (gen > old) continue;
      for await (const blob of this.container.listBlobsFlat({ prefix: `${genPrefix(gen)}/` })) {
        await this.container.deleteBlob(blob.name).catch(() => undefined);
      }
    }
  }

  async append(lines: string): Promise<void> {
    for (const chunk of chunkLines(lines)) {
      if (!this.partClient || this.blocksInPart >= MAX_BLOCKS_PER_BLOB) {
        // One client per part: building a blob client (its URL, pipeline and policies) for every
        // append cost about 2 s of a 1,000-server rehearsal. Kept only once the part exists, so
        // a failed create is tried again by the next append.
        const part = this.partClient ? this.part + 1 : this.part;
        const client = this.container.getAppendBlobClient(this.partName(part));
        await client.createIfNotExists();
        this.part = part;
        this.partClient = client;
        this.blocksInPart = 0;
      }
      await this.partClient.appendBlock(chunk, chunk.length);
      this.blocksInPart++;
    }
  }

  private partName(part: number): string {
    return `${genPrefix(this.generation)}/journal-${String(part).padStart(4, '0')}`;
  }

  private async listGenerations(): Promise<number[]> {
    const gens = new Set<number>();
    for await (const blob of this.container.listBlobsFlat({ prefix: 'gen-' })) {
      const m = /^gen-(\d+)\//.exec(blob.name);
      if (m?.[1]) gens.add(Number(m[1]));
    }
    return [...gens];
  }
}

function genPrefix(gen: number): string {
  return `gen-${String(gen).padStart(6, '0')}`;
}

/** Container names: 3-63 chars of lowercase letters, digits and single hyphens. */
export function containerName(taskHub: string): string {
  const cleaned = `devhost-${taskHub.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`.replace(/-+/g, '-').replace(/-$/, '');
  return cleaned.slice(0, 63);
}

function* chunkLines(text: string): Generator<Buffer> {
  const buf = Buffer.from(text, 'utf8');
  let start = 0;
  while (start < buf.length) {
    let end = Math.min(buf.length, start + MAX_APPEND_BYTES);
    if (end < buf.length) {
      const nl = buf.lastIndexOf(0x0a, end - 1);
      if (nl < start) throw new Error('A single journal record exceeds 4 MiB; keep orchestration payloads small.');
      end = nl + 1;
    }
    yield buf.subarray(start, end);
    start = end;
  }
}

/**
 * Group commit over a backend: `record` is synchronous and ordered; `flushed()`
 * resolves once everything recorded before the call is durable.
 */
export class Journal {
  private buffer: string[] = [];
  private recorded = 0;
  private durable = 0;
  private flushing = false;
  private waiters: { seq: number; resolve: () => void }[] = [];
  private failures = 0;
  private closed = false;

  constructor(
    private readonly backend: JournalBackend,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Queue a record for the journal. */
  record(rec: JournalRecord): void {
    if (this.closed) return;
    this.buffer.push(JSON.stringify(rec));
    this.recorded++;
    this.kick();
  }

  /** Resolves when every record queued so far is durable. */
  flushed(): Promise<void> {
    if (this.durable >= this.recorded) return Promise.resolve();
    const seq = this.recorded;
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  /** Records queued but not yet durable. */
  get backlog(): number {
    return this.recorded - this.durable;
  }

  /** Stop accepting records (after a final flush by the caller). */
  close(): void {
    this.closed = true;
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => void this.loop());
  }

  private async loop(): Promise<void> {
    while (this.buffer.length > 0) {
      const lines = this.buffer;
      const upTo = this.recorded;
      this.buffer = [];
      try {
        await this.backend.append(lines.join('\n') + '\n');
        this.failures = 0;
      } catch (err) {
        // Storage hiccup: put the lines back in front and retry with backoff (until closed).
        this.buffer = lines.concat(this.buffer);
        this.failures++;
        this.onError(err);
        if (this.closed) break;
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** this.failures)));
        continue;
      }
      this.durable = upTo;
      const ready = this.waiters.filter((w) => w.seq <= this.durable);
      this.waiters = this.waiters.filter((w) => w.seq > this.durable);
      for (const w of ready) w.resolve();
    }
    this.flushing = false;
  }
}
