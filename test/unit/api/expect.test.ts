import { expectation } from '../../../shared/api/expect';
import type { RunbookStep } from '../../../shared/window/runbook';

/** The status flags a step that began (or, not begun, is still waiting) after the seed's time for it. */

const step = { id: 'smoke-tests', expectBy: '2025-06-22T12:00:00.000Z' } as RunbookStep;
const now = Date.parse('2025-06-22T13:30:00.000Z');

describe('a step against its expect: time', () => {
  it('is late by the minutes it began after it', () => {
    expect(expectation(step, { stepId: 'smoke-tests', state: 'done', at: '2025-06-22T14:00:00.000Z', startedAt: '2025-06-22T13:10:00.000Z' }, now)).toEqual({ expectedBy: step.expectBy, lateMinutes: 70 });
  });

  it('is late while it has not begun and the time has passed', () => {
    expect(expectation(step, { stepId: 'smoke-tests', state: 'waiting', at: '2025-06-22T11:00:00.000Z' }, now)).toEqual({ expectedBy: step.expectBy, lateMinutes: 90 });
    expect(expectation(step, undefined, now)).toEqual({ expectedBy: step.expectBy, lateMinutes: 90 });
  });

  it('is not late when it began in time, or never ran', () => {
    expect(expectation(step, { stepId: 'smoke-tests', state: 'done', at: '2025-06-22T12:30:00.000Z', startedAt: '2025-06-22T11:58:00.000Z' }, now)).toEqual({ expectedBy: step.expectBy });
    expect(expectation(step, { stepId: 'smoke-tests', state: 'blocked', at: '2025-06-22T11:00:00.000Z' }, now)).toEqual({ expectedBy: step.expectBy });
    expect(expectation({ id: 'x' } as RunbookStep, undefined, now)).toEqual({});
  });
});
