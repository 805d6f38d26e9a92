import { formatZoneTime } from '../window/plan';
import { CHECK_NAMES, type PreflightReport } from './types';

/** `Fri 17:02 EDT | Sat 02:32 IST`: the window's zone and its display zones, never UTC. */
function at(report: PreflightReport, ms: number): string {
  return [report.timeZone, ...report.displayZones].map((z) => formatZoneTime(ms, z)).join(' | ');
}

/** One line saying how it went. */
export function preflightVerdict(report: PreflightReport): string {
  if (report.errors === 0 && report.warnings === 0) return 'clean: no errors, no warnings';
  const parts = [`${report.errors} error${report.errors === 1 ? '' : 's'}`, `${report.warnings} warning${report.warnings === 1 ? '' : 's'}`];
  return `${parts.join(', ')}${report.errors > 0 ? ': fix the errors before the window' : ''}`;
}

/** The report for a terminal: a heading, what was checked, one line per finding (errors first). */
export function renderPreflightText(report: PreflightReport): string {
  const counts = CHECK_NAMES.filter((n) => report.checked[n] > 0).map((n) => `${n} ${report.checked[n]}`);
  const sorted = [...report.findings].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  const width = Math.max(0, ...sorted.map((f) => f.field.length));
  return [
    `Pre-flight of ${report.title} (${report.windowId}), ${at(report, report.ranAtMs)}`,
    `  checked: ${counts.join(', ') || 'nothing'}`,
    ...sorted.map((f) => `${f.severity === 'error' ? 'ERROR' : 'WARN '}  ${f.field.padEnd(width)}  ${f.message}`),
    preflightVerdict(report),
  ].join('\n');
}

/** The report as Slack text: the verdict first, then each finding (at most `limit`, saying how many more). */
export function renderPreflightSlack(report: PreflightReport, limit = 20): string {
  const icon = report.errors > 0 ? ':x:' : report.warnings > 0 ? ':warning:' : ':white_check_mark:';
  const lines = report.findings.slice(0, limit).map((f) => `• ${f.severity === 'error' ? '*error*' : 'warning'} \`${f.field}\`: ${f.message}`);
  const more = report.findings.length > limit ? [`…and ${report.findings.length - limit} more: run mw preflight ${report.windowId}`] : [];
  return [`${icon} Pre-flight of ${report.title}, ${at(report, report.ranAtMs)}: ${preflightVerdict(report)}`, ...lines, ...more].join('\n');
}
