import type { LatestPreflight } from '../preflight/latest';
import { escapeHtml as e } from '../window/render-html';
import { formatAt, type Zones } from './times';

/** The status page's "Pre-flight" section: when it ran, by whom, the verdict and each finding with its window field. */
export function renderPreflightSection(latest: LatestPreflight | undefined): string {
  if (!latest) return '';
  const [main = 'America/New_York', ...rest] = latest.zones;
  const zones: Zones = [main, ...rest];
  const verdict =
    latest.errors === 0 && latest.warnings === 0
      ? 'clean: no errors, no warnings'
      : `${latest.errors} error${latest.errors === 1 ? '' : 's'}, ${latest.warnings} warning${latest.warnings === 1 ? '' : 's'}`;
  const cls = latest.errors > 0 ? 'alert' : latest.warnings > 0 ? 'warn' : 'info';
  const items = latest.findings.map((f) => `<li><b>${f.severity === 'error' ? 'error' : 'warning'}</b> <code>${e(f.field)}</code> ${e(f.message)}</li>`).join('');
  return `<section id="preflight" aria-labelledby="preflight-h"><h2 id="preflight-h">Pre-flight</h2>
<div class="banner ${cls}">Latest pre-flight ${e(formatAt(latest.ranAtMs, zones))} (${e(latest.by)}): <b>${e(verdict)}</b></div>
${items ? `<ul>${items}</ul>` : ''}${latest.more > 0 ? `<p class="muted">…and ${latest.more} more: run <code>mw preflight</code>.</p>` : ''}</section>`;
}
