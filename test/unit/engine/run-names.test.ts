import { runCommandName, runCommandPrefix } from '../../../shared/activities/runNames';

/** A managed run command name the adapter accepts (shared/adapters/azure/compute.ts). */
const RESOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;

describe('runCommandName: one deterministic name per window, step, server and purpose', () => {
  it('gives the same name for the same parts, so a retry finds the run it started', () => {
    expect(runCommandName('2025-06-22-monthly', 'run-1:recycle:recycle-rotate:IC-Web1')).toBe(runCommandName('2025-06-22-monthly', 'run-1:recycle:recycle-rotate:IC-Web1'));
  });

  it('gives different names when any part differs, also past the trimmed readable prefix', () => {
    const long = 'x'.repeat(200);
    const names = [
      runCommandName('w', `${long}:IC-Web1`),
      runCommandName('w', `${long}:IC-Web2`),
      runCommandName('w', long, 'read'),
      runCommandName('w', long, 'set'),
      runCommandName('w2', long, 'set'),
      runCommandName('w', 'a:b'),
      runCommandName('w', 'a', 'b'),
    ];
    expect(new Set(names).size).toBe(names.length);
  });

  it('is a valid resource name of at most 64 characters whatever the keys hold', () => {
    for (const parts of [['2025-06-22-monthly', 'run-1:step/with spaces:IC-Web1'], ['w', 'é€:\\', 'undo', 'recycle', 'IC-Web10'], ['--', '::']]) {
      const name = runCommandName(parts[0]!, ...parts.slice(1));
      expect(name).toMatch(RESOURCE_NAME);
      expect(name.length).toBeLessThanOrEqual(64);
    }
  });
});

describe('runCommandPrefix: what the tidy-up matches', () => {
  it('starts every name the window makes, and no name another window makes', () => {
    const long = 'a-window-id-that-is-much-longer-than-the-readable-room-of-a-name';
    for (const [windowId, ...parts] of [['2025-06-22-monthly', 'run-1:step:IC-Web1'], ['w!', 'k'], [long, 'x', 'undo', 'recycle', 'IC-Web10'], ['w'.repeat(43), 'k'], ['w'.repeat(44), 'k']]) {
      expect(runCommandName(windowId!, ...parts)).toMatch(new RegExp(`^${runCommandPrefix(windowId!)}`));
    }
    expect(runCommandName('w10', 'k').startsWith(runCommandPrefix('w1'))).toBe(false);
    // A window whose id starts with another's whole id, at a '-': still not the other's.
    expect(runCommandName('2025-06-22-monthly', 'run-1:step:IC-Web1').startsWith(runCommandPrefix('2025-06-22'))).toBe(false);
    expect(runCommandName('2025-06-22', 'run-1:step:IC-Web1').startsWith(runCommandPrefix('2025-06-22'))).toBe(true);
    // Ids that read the same once trimmed or cleaned: still apart (session 6 left this open).
    const sameStart = ['2025-06-22-monthly-web-estate-east', '2025-06-22-monthly-web-estate-west'];
    expect(runCommandName(sameStart[0]!, 'k').startsWith(runCommandPrefix(sameStart[1]!))).toBe(false);
    expect(runCommandName('a_b', 'k').startsWith(runCommandPrefix('a-b'))).toBe(false);
  });
});
