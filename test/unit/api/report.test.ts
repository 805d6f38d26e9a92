import { renderReportHtml, renderReportMarkdown } from '../../../shared/api/report';
import { hasIsoInstant } from '../../../shared/api/times';
import type { WindowStatusView } from '../../../shared/api/windows';
import { midWindow } from '../../fixtures/status/midWindow';

const ended: WindowStatusView = {
  ...midWindow,
  state: 'succeeded',
  finishedAt: '2025-06-22T16:09:00.000Z',
  eta: '2025-06-22T16:09:00.000Z',
  details: {
    ...midWindow.details!,
    approvals: [{ ...midWindow.details!.approvals[0]!, state: 'done', decisions: [{ by: 'marcus-lee', decision: 'approve', comment: 'tags | checked', at: '2025-06-22T09:20:00.000Z', via: 'http', counted: true }] }],
    canaries: [{ step: 'canary', title: 'Canary IC-Web11', answers: [{ checkpoint: '1', team: 'payments', ok: false, note: 'errors on pay', by: 'ravi-iyer', at: '2025-06-22T10:00:00.000Z', counted: true }], decision: { decision: 'no-go', reasons: ['payments not ok (errors on pay)'], at: '2025-06-22T10:05:00.000Z' } }],
  },
};

describe('the window report', () => {
  const md = renderReportMarkdown(ended);
  const html = renderReportHtml(ended);

  it('lists every step in the page layout with its legend word, plan and actual, in both zones', () => {
    for (const s of ended.steps) expect(md).toContain(`\`${s.id}\``);
    expect(md).toContain('1. ✔ **done**: `pre-maintenance` Reschedule Jobs stage of the Preparation pipeline');
    expect(md).toContain('   planned Sat 19:00–19:20 EDT | Sun 04:30–04:50 IST; actual Sat 19:00–19:18 EDT | Sun 04:30–04:48 IST');
    // The sequence inside the parallel changes: a bullet holding a numbered list.
    expect(md).toMatch(/- \*\*Sequential changes\*\*, in order:\n {3}1\. ✔ \*\*done\*\*: `page-up`/);
    expect(md).toContain('↷ **deferred**: `sftp-lb`');
  });

  it('has the legend, the approvals with who, when and the comment, the canary answers, deviations and what is still changed', () => {
    expect(md).toMatch(/## Legend\n\nNumbered changes run one after another; bulleted changes run in parallel\.\n\n- ✔ \*\*done\*\*/);
    expect(md).toContain('| pipeline-approval | done | marcus-lee approved via http | Sun 05:20 EDT \\| 14:50 IST | tags \\| checked |');
    expect(md).toContain('| 1 | payments | NOT OK | ravi-iyer | Sun 06:00 EDT \\| 15:30 IST | errors on pay |');
    expect(md).toContain('- **deferred** `sftp-lb`: not doing: Deferring this upgrade to the next maintenance window.');
    expect(md).toContain('- **not doing** `patch-terminal-services`: not doing: no Jira ticket');
    expect(md).toContain('- **kept** IC-Web3 back into agw-web (web-batch-1: failed its sanity checks)');
    expect(md).toContain('| IC-Web3 | failed | failed | agw-web: out, ilb-web: out | sanity checks failed: IIS health page: status 503 |');
    expect(md).toContain('## Notes\n\n- Review the next window on Wednesday at 9:30 ET so the India team can be present.');
  });

  it('says what the window is for, the page it replaces and its tickets, as the window file does', () => {
    const about = { description: 'Monthly patching and the platform releases of June.', source: 'Confluence: Maintenance Window 2025-06-22', tickets: ['PLAT-1982', 'PLAT-1594'] };
    const view: WindowStatusView = { ...ended, details: { ...ended.details!, about } };
    const text = renderReportMarkdown(view);
    expect(text).toContain('Monthly patching and the platform releases of June.\n\nSource: Confluence: Maintenance Window 2025-06-22\n\nTickets: PLAT-1982, PLAT-1594\n');
    expect(renderReportHtml(view)).toContain('<p>Source: Confluence: Maintenance Window 2025-06-22</p>\n<p>Tickets: PLAT-1982, PLAT-1594</p>');
    expect(md).not.toContain('Source:');
  });

  it('never shows a raw UTC instant', () => {
    expect(hasIsoInstant(md)).toBe(false);
    expect(hasIsoInstant(html.replace(/<[^>]+>/g, ' '))).toBe(false);
  });

  it('nests its HTML lists properly and escapes what the window file says', () => {
    const count = (re: RegExp) => (html.match(re) ?? []).length;
    expect(count(/<ol[ >]/g)).toBe(count(/<\/ol>/g));
    expect(count(/<ul[ >]/g)).toBe(count(/<\/ul>/g));
    expect(count(/<li[ >]/g)).toBe(count(/<\/li>/g));
    expect(html).toContain('Pipeline approvals &lt;Release Manager&gt;');
    for (const s of ended.steps) expect(html).toContain(`data-step="${s.id}"`);
  });
});
