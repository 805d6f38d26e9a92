import { windowEnd } from '../../../devhost/rehearsalPeople';

// A rehearsal waits for the window's end; a record the store lost must end it loudly, not hang it.
test('the window has ended when its record says so and its orchestration has ended', () => {
  expect(windowEnd({ state: 'succeeded', summary: 'done' }, 'Completed')).toBe('ended');
  expect(windowEnd({ state: 'aborted', stopReason: 'aborted by on-call' }, 'Completed')).toBe('ended');
  // The finish notice still going out: the record is final, the orchestration not yet.
  expect(windowEnd({ state: 'succeeded', summary: 'done' }, 'Running')).toBe('going');
});

test('an orchestration that ended under a record that did not is a lost record, not a window still going', () => {
  expect(windowEnd({ state: 'running' }, 'Completed')).toBe('recordLost');
  expect(windowEnd({ state: 'succeeded' }, 'Failed')).toBe('recordLost');
  expect(windowEnd({ state: 'running' }, 'Running')).toBe('going');
  expect(windowEnd({ state: 'running' }, undefined)).toBe('going');
});
