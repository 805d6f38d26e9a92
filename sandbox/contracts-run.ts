/**
 * `npm run contracts`: rehearses every example window with the vendor contracts checked
 * (MW_SANDBOX_CONTRACTS=on), then prints, per vendor operation the app used, its spec, the calls
 * made and the violations, and ends with `contracts: N operations, N covered by a spec, V violations`.
 * Exits 1 on any violation or any operation no spec covers (and 2 when a rehearsal wrote no report).
 */
import { spawn } from 'child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import type { CallRecord } from './core/calls';
import { ContractBook } from './core/contracts';

const ROOT = path.resolve(__dirname, '..', '..');

interface Row {
  listener: string;
  operation: string;
  spec: string;
  calls: number;
  violations: number;
  examples: string[];
}

function rehearse(windowFile: string, report: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/devhost/rehearse.js'), windowFile, '--quiet', '--report', report, '--port', '0', '--base-port', '0'], {
      cwd: ROOT,
      env: { ...process.env, MW_SANDBOX_CONTRACTS: 'on' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const limit = setTimeout(() => child.kill('SIGKILL'), 15 * 60_000);
    child.on('exit', (code) => {
      clearTimeout(limit);
      resolve(code);
    });
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const windows = args.length > 0 ? args : readdirSync(path.join(ROOT, 'windows')).filter((f) => f.endsWith('.yaml')).map((f) => path.join('windows', f));
  const book = await ContractBook.load();
  const sources = book.sources();
  const dir = mkdtempSync(path.join(tmpdir(), 'mw-contracts-'));
  const rows = new Map<string, Row>();
  let missingReports = 0;
  for (const [i, w] of windows.entries()) {
    const report = path.join(dir, `${i}.json`);
    process.stderr.write(`contracts: rehearsing ${w}\n`);
    const code = await rehearse(path.resolve(ROOT, w), report);
    if (!existsSync(report)) {
      process.stderr.write(`contracts: ${w} wrote no report (exit ${String(code)})\n`);
      missingReports++;
      continue;
    }
    const calls = (JSON.parse(readFileSync(report, 'utf8')) as { calls: CallRecord[] }).calls;
    for (const c of calls) {
      if (!book.covers(c.listener) || c.status === 0) continue;
      const operation = c.operation ?? `(no spec) ${c.method} ${c.route ?? c.path}`;
      const key = `${c.listener} ${operation}`;
      const row = rows.get(key) ?? { listener: c.listener, operation, spec: c.spec ?? '-', calls: 0, violations: 0, examples: [] };
      row.calls++;
      const v = c.violations ?? [];
      row.violations += v.length;
      for (const x of v) if (row.examples.length < 3) row.examples.push(`${x.where} ${x.field}: ${x.rule} (${c.method} ${c.path} -> ${c.status})`);
      rows.set(key, row);
    }
  }
  const sorted = [...rows.values()].sort((a, b) => a.listener.localeCompare(b.listener) || a.operation.localeCompare(b.operation));
  const sourceOf = (r: Row): string => {
    const s = sources[r.listener]?.find((x) => x.file === r.spec);
    const src = s?.source as { repository?: string; 'written-from'?: unknown } | undefined;
    return s ? `${r.spec} (${src?.repository ?? 'written from vendor docs'} ${s.version})` : 'none';
  };
  console.log('| vendor | operation | spec source | calls | violations |');
  console.log('|---|---|---|---|---|');
  for (const r of sorted) console.log(`| ${r.listener} | ${r.operation} | ${sourceOf(r)} | ${r.calls} | ${r.violations} |`);
  for (const r of sorted.filter((x) => x.examples.length > 0)) for (const e of r.examples) console.log(`  ${r.listener} ${r.operation}: ${e}`);
  const covered = sorted.filter((r) => r.spec !== '-').length;
  const violations = sorted.reduce((n, r) => n + r.violations, 0);
  console.log(`contracts: ${sorted.length} operations, ${covered} covered by a spec, ${violations} violations`);
  if (missingReports > 0) return 2;
  return violations > 0 || covered < sorted.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  },
);
