import { LEGEND, STATE_COLOURS, contrastRatio, legendOf } from '../../../shared/api/legend';

describe('the legend', () => {
  it('has the seeds\' words and the run\'s own', () => {
    expect(LEGEND.map((l) => l.word)).toEqual(expect.arrayContaining(['done', 'doing', 'not doing', 'failed', 'waiting for approval', 'deferred', 'blocked']));
  });

  it('reads a deferring reason as deferred, any other not-doing reason as not doing', () => {
    expect(legendOf('not-doing', 'not doing: Deferring this upgrade to the next maintenance window.').word).toBe('deferred');
    expect(legendOf('not-doing', 'not doing: no Jira ticket').word).toBe('not doing');
    expect(legendOf('something-new').word).toBe('not started');
  });

  it('meets WCAG AA contrast (4.5:1) for every word on its colour', () => {
    const weak = [...LEGEND.map((l) => [l.word, l.fg, l.bg] as const), ...Object.entries(STATE_COLOURS).map(([k, c]) => [k, c.fg, c.bg] as const)]
      .map(([word, fg, bg]) => ({ word, ratio: Math.round(contrastRatio(fg, bg) * 100) / 100 }))
      .filter((x) => x.ratio < 4.5);
    expect(weak).toEqual([]);
  });

  it('computes contrast as WCAG defines it', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });
});
