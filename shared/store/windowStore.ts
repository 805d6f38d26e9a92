import type { TokenCredential } from '@azure/identity';
import { TableClient, TableServiceClient, type TableEntity } from '@azure/data-tables';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { LedgerEntry, Runbook, StepState } from '../orchestrations/contracts';

/**
 * The persistent window record: what ran, who decided what, and the restore ledger.
 * Azure Table storage (Azurite locally) for records, Blob storage for runbooks.
 * Every write is an upsert under a deterministic key, so retried activities are safe.
 */
export interface RunRecord {
  windowId: string;
  /** This run (a window may run many times: rehearsals, a re-run after an abort or a failure). */
  runId: string;
  instanceId: string;
  revision: string;
  startedBy: string;
  mode: string;
  state: string;
  startedAt: string;
  finishedAt?: string;
  summary?: string;
}

export interface StepRecord {
  stepId: string;
  state: StepState;
  at: string;
  detail?: string;
  /** When the step first began doing its work (kept across later states): the Gantt's actual start. */
  startedAt?: string;
}

export interface EventRecord {
  stepId: string;
  type: string;
  at: string;
  data: unknown;
}

export type ReportFormat = 'md' | 'html';

export interface WindowStore {
  saveRunbook(runbook: Runbook): Promise<void>;
  getRunbook(windowId: string, revision: string): Promise<Runbook | undefined>;
  /** The window report of a run, beside the runbooks in Blob storage (`<window>/runs/<run>/report.<format>`). */
  saveReport(windowId: string, runId: string, format: ReportFormat, body: string): Promise<void>;
  getReport(windowId: string, runId: string, format: ReportFormat): Promise<string | undefined>;
  /** Updates the window's current run and, by its `runId`, that run's line in the history. */
  upsertRun(record: Partial<RunRecord> & { windowId: string; runId: string }): Promise<void>;
  /** The window's current (latest) run. */
  getRun(windowId: string): Promise<RunRecord | undefined>;
  /** Every run of the window, oldest first. */
  listRuns(windowId: string): Promise<RunRecord[]>;
  /**
   * Starts a new run: forget the previous run's steps, events and marks, and the ledger entries it
   * put back. What is still changed (open, kept or failed entries) stays: the new run finds the page
   * an earlier one kept up, and its restore walk and status keep reporting the rest.
   */
  resetRun(windowId: string): Promise<void>;
  setStepState(windowId: string, record: StepRecord): Promise<void>;
  getStepStates(windowId: string): Promise<Record<string, StepRecord>>;
  appendEvent(windowId: string, event: EventRecord): Promise<void>;
  listEvents(windowId: string): Promise<EventRecord[]>;
  /**
   * Records a ledger entry and returns the entry in force. One still changed under that key is kept
   * (a retry never overwrites the saved original) and, if kept or failed, reopened: the change is
   * made again. One already put back is replaced: the change is new (a page put up a second time).
   */
  addLedger(windowId: string, entry: LedgerEntry): Promise<LedgerEntry>;
  /** Writes an entry as given: an inverse that grows as the change goes on (a roll-out, batch by batch). */
  putLedger(windowId: string, entry: LedgerEntry): Promise<void>;
  getLedger(windowId: string, key: string): Promise<LedgerEntry | undefined>;
  listLedger(windowId: string): Promise<LedgerEntry[]>;
  settleLedger(windowId: string, key: string, state: LedgerEntry['state'], note?: string): Promise<void>;
  /** Idempotency marks: vendor operation tokens, posted messages. */
  getMark(windowId: string, key: string): Promise<string | undefined>;
  setMark(windowId: string, key: string, value: string): Promise<void>;
  /** Sets a mark only if absent: true for the one caller that set it (concurrent timer fires race here). */
  claimMark(windowId: string, key: string, value: string): Promise<boolean>;
  clearMark(windowId: string, key: string): Promise<void>;
}

const TABLES = { runs: 'mwruns', steps: 'mwsteps', events: 'mwevents', ledger: 'mwledger', marks: 'mwmarks' } as const;

/** Run history rows sit beside the current run's row (`run`) in the runs table: `run@<runId>`. */
const HISTORY_PREFIX = 'run@';
/** The first row key after every `run@…` key ('@' + 1 = 'A'). */
const HISTORY_END = 'runA';

/** Table keys may not contain / \ # ? or control characters. */
export function safeKey(value: string): string {
  let out = '';
  for (const c of value) {
    const code = c.charCodeAt(0);
    out += '/\\#?%'.includes(c) || code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `%${code.toString(16).padStart(2, '0')}` : c;
  }
  return out;
}

/** A connection string (Azurite, or an account key), or the account's endpoints and an Entra identity. */
export type TableWindowStoreOptions = ({ connectionString: string } | { tableUrl: string; blobUrl: string; credential: TokenCredential }) & {
  /** Prefix for table and container names, so rehearsals and tests can share an account. */
  prefix?: string;
};

export class TableWindowStore implements WindowStore {
  private readonly tables = new Map<string, Promise<TableClient>>();
  private container?: Promise<ContainerClient>;

  constructor(private readonly options: TableWindowStoreOptions) {}

  private table(name: string): Promise<TableClient> {
    let client = this.tables.get(name);
    if (!client) {
      const full = `${(this.options.prefix ?? '').replace(/[^A-Za-z0-9]/g, '')}${name}`;
      client = (async () => {
        const o = this.options;
        const service = 'connectionString' in o ? TableServiceClient.fromConnectionString(o.connectionString, { allowInsecureConnection: true }) : new TableServiceClient(o.tableUrl, o.credential);
        await service.createTable(full).catch((e: { statusCode?: number }) => {
          if (e.statusCode !== 409) throw e;
        });
        return 'connectionString' in o ? TableClient.fromConnectionString(o.connectionString, full, { allowInsecureConnection: true }) : new TableClient(o.tableUrl, full, o.credential);
      })();
      client.catch(() => this.tables.delete(name));
      this.tables.set(name, client);
    }
    return client;
  }

  private blobs(): Promise<ContainerClient> {
    if (!this.container) {
      const name = `${(this.options.prefix ?? '').toLowerCase().replace(/[^a-z0-9]/g, '')}mwrunbooks`;
      this.container = (async () => {
        const o = this.options;
        const service = 'connectionString' in o ? BlobServiceClient.fromConnectionString(o.connectionString) : new BlobServiceClient(o.blobUrl, o.credential);
        const container = service.getContainerClient(name);
        await container.createIfNotExists();
        return container;
      })();
      this.container.catch(() => (this.container = undefined));
    }
    return this.container;
  }

  async saveRunbook(runbook: Runbook): Promise<void> {
    const body = JSON.stringify(runbook);
    const blob = (await this.blobs()).getBlockBlobClient(`${runbook.windowId}/${runbook.revision}.json`);
    await blob.upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: 'application/json' } });
  }

  async getRunbook(windowId: string, revision: string): Promise<Runbook | undefined> {
    const blob = (await this.blobs()).getBlockBlobClient(`${windowId}/${revision}.json`);
    try {
      return JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as Runbook;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async saveReport(windowId: string, runId: string, format: ReportFormat, body: string): Promise<void> {
    const blob = (await this.blobs()).getBlockBlobClient(`${windowId}/runs/${runId}/report.${format}`);
    const type = format === 'md' ? 'text/markdown; charset=utf-8' : 'text/html; charset=utf-8';
    await blob.upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: type } });
  }

  async getReport(windowId: string, runId: string, format: ReportFormat): Promise<string | undefined> {
    const blob = (await this.blobs()).getBlockBlobClient(`${windowId}/runs/${runId}/report.${format}`);
    try {
      return (await blob.downloadToBuffer()).toString('utf8');
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async upsertRun(record: Partial<RunRecord> & { windowId: string; runId: string }): Promise<void> {
    const table = await this.table(TABLES.runs);
    // The history line first: a crash between the two writes leaves the current run unchanged, and the retry writes both.
    await table.upsertEntity({ partitionKey: safeKey(record.windowId), rowKey: `${HISTORY_PREFIX}${safeKey(record.runId)}`, ...record }, 'Merge');
    await table.upsertEntity({ partitionKey: safeKey(record.windowId), rowKey: 'run', ...record }, 'Merge');
  }

  async getRun(windowId: string): Promise<RunRecord | undefined> {
    return (await this.getEntity<RunRecord>(TABLES.runs, windowId, 'run')) ?? undefined;
  }

  async listRuns(windowId: string): Promise<RunRecord[]> {
    const table = await this.table(TABLES.runs);
    const out: RunRecord[] = [];
    const filter = `PartitionKey eq '${safeKey(windowId).replace(/'/g, "''")}' and RowKey ge '${HISTORY_PREFIX}' and RowKey lt '${HISTORY_END}'`;
    for await (const entity of table.listEntities<TableEntity<RunRecord>>({ queryOptions: { filter } })) out.push(strip(entity) as RunRecord);
    return out.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  async resetRun(windowId: string): Promise<void> {
    const partition = `PartitionKey eq '${safeKey(windowId).replace(/'/g, "''")}'`;
    for (const name of [TABLES.steps, TABLES.events, TABLES.ledger, TABLES.marks]) {
      const table = await this.table(name);
      // Ledger entries still changed are kept (see the interface); only those put back go.
      const filter = name === TABLES.ledger ? `${partition} and state eq 'undone'` : partition;
      for await (const entity of table.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) {
        await table.deleteEntity(safeKey(windowId), entity.rowKey!).catch((e: { statusCode?: number }) => {
          if (e.statusCode !== 404) throw e;
        });
      }
    }
  }

  async setStepState(windowId: string, record: StepRecord): Promise<void> {
    const table = await this.table(TABLES.steps);
    // The first record of work keeps its time through every later state (a retried write keeps the first).
    const previous = await this.getEntity<StepRecord>(TABLES.steps, windowId, record.stepId);
    const startedAt = record.startedAt ?? previous?.startedAt ?? (record.state === 'doing' || record.state === 'waiting-for-approval' ? record.at : undefined);
    await table.upsertEntity({ partitionKey: safeKey(windowId), rowKey: safeKey(record.stepId), ...record, ...(startedAt ? { startedAt } : {}) }, 'Replace');
  }

  async getStepStates(windowId: string): Promise<Record<string, StepRecord>> {
    const out: Record<string, StepRecord> = {};
    for (const entity of await this.list<StepRecord>(TABLES.steps, windowId)) out[entity.stepId] = entity;
    return out;
  }

  async appendEvent(windowId: string, event: EventRecord): Promise<void> {
    const table = await this.table(TABLES.events);
    const rowKey = safeKey(`${event.at}|${event.stepId}|${event.type}|${hash(JSON.stringify(event.data))}`);
    await table.upsertEntity({ partitionKey: safeKey(windowId), rowKey, stepId: event.stepId, type: event.type, at: event.at, data: JSON.stringify(event.data) }, 'Replace');
  }

  async listEvents(windowId: string): Promise<EventRecord[]> {
    const rows = await this.list<{ stepId: string; type: string; at: string; data: string }>(TABLES.events, windowId);
    return rows.map((r) => ({ stepId: r.stepId, type: r.type, at: r.at, data: JSON.parse(r.data) as unknown })).sort((a, b) => a.at.localeCompare(b.at));
  }

  async addLedger(windowId: string, entry: LedgerEntry): Promise<LedgerEntry> {
    const existing = await this.getLedger(windowId, entry.key);
    if (existing && existing.state === 'open') return existing;
    if (existing && existing.state !== 'undone') {
      await this.settleLedger(windowId, entry.key, 'open');
      return { ...existing, state: 'open' };
    }
    const table = await this.table(TABLES.ledger);
    if (existing) {
      await table.upsertEntity({ partitionKey: safeKey(windowId), rowKey: safeKey(entry.key), ...toRow(entry) }, 'Replace');
      return entry;
    }
    await table.createEntity({ partitionKey: safeKey(windowId), rowKey: safeKey(entry.key), ...toRow(entry) }).catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 409) throw e;
    });
    return (await this.getLedger(windowId, entry.key)) ?? entry;
  }

  async putLedger(windowId: string, entry: LedgerEntry): Promise<void> {
    const table = await this.table(TABLES.ledger);
    await table.upsertEntity({ partitionKey: safeKey(windowId), rowKey: safeKey(entry.key), ...toRow(entry) }, 'Replace');
  }

  async getLedger(windowId: string, key: string): Promise<LedgerEntry | undefined> {
    const row = await this.getEntity<LedgerRow>(TABLES.ledger, windowId, key);
    return row ? fromRow(row) : undefined;
  }

  async listLedger(windowId: string): Promise<LedgerEntry[]> {
    return (await this.list<LedgerRow>(TABLES.ledger, windowId)).map(fromRow);
  }

  async settleLedger(windowId: string, key: string, state: LedgerEntry['state'], note?: string): Promise<void> {
    const table = await this.table(TABLES.ledger);
    await table.updateEntity({ partitionKey: safeKey(windowId), rowKey: safeKey(key), state, ...(note !== undefined ? { note } : {}) }, 'Merge').catch((e: { statusCode?: number }) => {
      // Settling an entry that was never recorded (nothing was changed) is not an error.
      if (e.statusCode !== 404) throw e;
    });
  }

  async getMark(windowId: string, key: string): Promise<string | undefined> {
    return (await this.getEntity<{ value: string }>(TABLES.marks, windowId, key))?.value;
  }

  async setMark(windowId: string, key: string, value: string): Promise<void> {
    const table = await this.table(TABLES.marks);
    await table.upsertEntity({ partitionKey: safeKey(windowId), rowKey: safeKey(key), value }, 'Replace');
  }

  async claimMark(windowId: string, key: string, value: string): Promise<boolean> {
    const table = await this.table(TABLES.marks);
    try {
      await table.createEntity({ partitionKey: safeKey(windowId), rowKey: safeKey(key), value });
      return true;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 409) return false;
      throw error;
    }
  }

  async clearMark(windowId: string, key: string): Promise<void> {
    const table = await this.table(TABLES.marks);
    await table.deleteEntity(safeKey(windowId), safeKey(key)).catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 404) throw e;
    });
  }

  private async getEntity<T extends object>(name: string, windowId: string, rowKey: string): Promise<T | undefined> {
    const table = await this.table(name);
    try {
      return strip(await table.getEntity<TableEntity<T>>(safeKey(windowId), safeKey(rowKey))) as T;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  private async list<T extends object>(name: string, windowId: string): Promise<T[]> {
    const table = await this.table(name);
    const out: T[] = [];
    for await (const entity of table.listEntities<TableEntity<T>>({ queryOptions: { filter: `PartitionKey eq '${safeKey(windowId).replace(/'/g, "''")}'` } })) {
      out.push(strip(entity) as T);
    }
    return out;
  }
}

interface LedgerRow {
  key: string;
  stepId: string;
  order: number;
  action: string;
  description: string;
  state: LedgerEntry['state'];
  note?: string;
}

function toRow(entry: LedgerEntry): LedgerRow {
  return { key: entry.key, stepId: entry.stepId, order: entry.order, action: JSON.stringify(entry.action), description: entry.description, state: entry.state, ...(entry.note ? { note: entry.note } : {}) };
}

function fromRow(row: LedgerRow): LedgerEntry {
  return { key: row.key, stepId: row.stepId, order: Number(row.order), action: JSON.parse(row.action) as LedgerEntry['action'], description: row.description, state: row.state, ...(row.note ? { note: row.note } : {}) };
}

function strip<T extends object>(entity: T): Omit<T, 'partitionKey' | 'rowKey' | 'etag' | 'timestamp'> {
  const { partitionKey: _p, rowKey: _r, etag: _e, timestamp: _t, ...rest } = entity as Record<string, unknown>;
  return rest as Omit<T, 'partitionKey' | 'rowKey' | 'etag' | 'timestamp'>;
}

function hash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16);
}
