import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { loadWindowFile, loadWindowText, MAX_NESTING } from '../../../shared/window/load';
import { planWindow } from '../../../shared/window/plan';
import { formatProblem, type Problem } from '../../../shared/window/problems';
import { Window } from '../../../shared/window/schema';
import { zoneProblem } from '../../../shared/window/zones';

/**
 * Windows that used to crash the checker or slip through it (issue 12): each is now refused
 * with the file, line, column, field and a reason a person can act on.
 */

const BASE_TEXT = readFileSync(join(__dirname, '../../fixtures/windows/base.yaml'), 'utf8');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

function problemsAfter(mutate: (doc: Doc) => void): Problem[] {
  const doc = parse(BASE_TEXT) as Doc;
  mutate(doc);
  return loadWindowText(stringify(doc), 'w.yaml').problems;
}

const pathsAndReasons = (problems: Problem[]) => problems.map((p) => [p.path, p.reason]);

describe('impossible dates', () => {
  it('names the field and the reason for a day the month does not have', () => {
    const text = BASE_TEXT.replace('date: 2025-06-22', 'date: 2025-02-30');
    const problems = loadWindowText(text, 'w.yaml').problems;
    expect(problems.map(formatProblem)).toEqual([`w.yaml:7:7  date  2025-02-30 is not a calendar date: February 2025 has 28 days`]);
  });

  it('names a month that does not exist', () => {
    expect(pathsAndReasons(problemsAfter((d) => (d.date = '2025-13-01')))).toEqual([['date', '2025-13-01 is not a calendar date: there is no month 13']]);
  });

  it('refuses an impossible date inside a wall-clock time', () => {
    const problems = problemsAfter((d) => (d.phases[0].start = '2025-02-29 19:00'));
    expect(pathsAndReasons(problems)).toEqual([['phases[0].start', '"2025-02-29 19:00": 2025-02-29 is not a calendar date: February 2025 has 28 days']]);
  });
});

describe('time zones', () => {
  it('refuses EST, a fixed UTC−5 zone, and names the zone to write', () => {
    const problems = problemsAfter((d) => (d.timeZone = 'EST'));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe('timeZone');
    expect(problems[0]!.reason).toBe('"EST" is a fixed offset (UTC−5 all year, no daylight saving time), so a summer window would be an hour off; write "America/New_York"');
  });

  it('refuses old names and legacy rules with the canonical name', () => {
    expect(zoneProblem('US/Eastern')).toBe('"US/Eastern" is an old name kept for backward compatibility; write "America/New_York"');
    expect(zoneProblem('Asia/Calcutta')).toBe('"Asia/Calcutta" is an old name kept for backward compatibility; write "Asia/Kolkata"');
    expect(zoneProblem('EST5EDT')).toMatch(/legacy name, not a location zone.*"America\/New_York"/);
    expect(zoneProblem('Etc/GMT+5')).toMatch(/fixed offset \(UTC−5/);
    expect(zoneProblem('america/new_york')).toBe('write "America/New_York" (time zone names are case-sensitive)');
    expect(zoneProblem('IST')).toMatch(/abbreviation or legacy name.*"Asia\/Kolkata"/);
    expect(zoneProblem('America/New_Yrok')).toMatch(/did you mean "America\/New_York"/);
  });

  it('accepts location zones, including ones tzdb merged (Europe/Oslo), and UTC', () => {
    for (const zone of ['America/New_York', 'Asia/Kolkata', 'Europe/Oslo', 'Africa/Accra', 'Europe/Kyiv', 'UTC', 'Etc/UTC']) expect(zoneProblem(zone)).toBeUndefined();
  });

  it('checks display zones the same way', () => {
    expect(pathsAndReasons(problemsAfter((d) => (d.displayZones = ['Asia/Kolkata', 'US/Pacific'])))).toEqual([
      ['displayZones[1]', '"US/Pacific" is an old name kept for backward compatibility; write "America/Los_Angeles"'],
    ]);
  });
});

describe('servers patched twice', () => {
  it('refuses a member listed twice in its group', () => {
    const problems = problemsAfter((d) => d.serverGroups.web.members.push('ic-web2'));
    expect(pathsAndReasons(problems)).toEqual([['serverGroups.web.members[4]', '"ic-web2" is listed twice in server group "web" (also members[1])']]);
  });

  it('refuses a server in two groups', () => {
    const problems = problemsAfter((d) => {
      d.serverGroups.api = { members: ['IC-Api1', 'IC-Web3'] };
      d.phases[0].steps.push({ id: 'api-patching', kind: 'patch', group: 'api' });
    });
    expect(pathsAndReasons(problems)).toContainEqual([
      'serverGroups.api.members[1]',
      '"IC-Web3" is already a member of server group "web" (serverGroups.web.members[2]); a server belongs to one group',
    ]);
  });

  it('refuses the same server twice in one step', () => {
    const problems = problemsAfter((d) => (d.phases[0].steps[1].members = ['IC-Web1', 'IC-Web2', 'IC-Web1']));
    expect(pathsAndReasons(problems)).toEqual([['phases[0].steps[1].members[2]', '"IC-Web1" is listed twice (also members[0])']]);
  });

  it('refuses two patch steps that patch the same server', () => {
    const problems = problemsAfter((d) => {
      d.phases[0].steps[1].members = ['IC-Web1', 'IC-Web2'];
      d.phases[0].steps.push({ id: 'web-again', kind: 'patch', group: 'web', members: ['IC-Web2', 'IC-Web3'] });
    });
    expect(pathsAndReasons(problems)).toEqual([
      ['phases[0].steps[2].members', 'IC-Web2 is already patched by step "web-patching"; each server is patched once (give each step its own members)'],
    ]);
  });

  it('allows two steps on the same servers when opposite conditions mean only one runs, and a skipped one', () => {
    expect(
      problemsAfter((d) => {
        d.phases[0].steps[1].when = { done: 'pre-maintenance' };
        d.phases[0].steps.push({ id: 'web-again', kind: 'patch', group: 'web', when: { notDone: 'pre-maintenance' } });
        d.phases[0].steps.push({ id: 'web-skipped', kind: 'patch', group: 'web', skip: 'not this month' });
      }),
    ).toEqual([]);
  });

  it('refuses a server in two one-after-another chains', () => {
    const problems = problemsAfter((d) => (d.serverGroups.web.oneAfterAnother = [['IC-Web1', 'IC-Web2'], ['IC-Web3', 'IC-Web1']]));
    expect(pathsAndReasons(problems)).toEqual([
      ['serverGroups.web.oneAfterAnother[1][1]', '"IC-Web1" is already in a chain (oneAfterAnother[0][0]); a server can follow or lead only one chain position'],
    ]);
  });
});

describe('durations and estimates', () => {
  it('refuses an estimate of 1e15 minutes instead of planning "Invalid DateTime"', () => {
    const problems = problemsAfter((d) => (d.phases[0].steps[0].estimate = 1e15));
    expect(pathsAndReasons(problems)).toEqual([['phases[0].steps[0].estimate', '1000000000000000 is longer than 7 days, the longest duration a window may give (a number alone is minutes)']]);
  });

  it('refuses maxDuration 0m instead of capping every estimate to nothing', () => {
    const problems = problemsAfter((d) => (d.serverGroups.web.patch.maxDuration = '0m'));
    expect(pathsAndReasons(problems)).toEqual([['serverGroups.web.patch.maxDuration', '0m would stop Update Manager before it installs anything; leave it at 235 minutes']]);
  });

  it('refuses a patch estimate above the maximum duration, at the field that gives it', () => {
    expect(pathsAndReasons(problemsAfter((d) => (d.serverGroups.web.patch = { estimate: '5h' })))).toEqual([
      ['serverGroups.web.patch.estimate', 'patch estimate 5h is above the maximum duration of 3h 55m (serverGroups.web.patch.maxDuration): Update Manager would stop mid-install'],
    ]);
    expect(pathsAndReasons(problemsAfter((d) => (d.serverGroups.web.members[1] = { name: 'IC-Web2', patchEstimate: '4h' })))).toEqual([
      ['serverGroups.web.members[1].patchEstimate', 'patch estimate 4h is above the maximum duration of 3h 55m (serverGroups.web.patch.maxDuration): Update Manager would stop mid-install'],
    ]);
    expect(pathsAndReasons(problemsAfter((d) => (d.serverGroups.web.patch = { maxDuration: '60m' })))).toEqual([
      ['serverGroups.web.patch.maxDuration', "1h is below the planner's default patch estimate of 1h 30m; give serverGroups.web.patch.estimate"],
    ]);
  });

  it('never caps an estimate silently in the planner either', () => {
    const doc = parse(BASE_TEXT) as Doc;
    doc.serverGroups.web.patch = { estimate: '5h' };
    expect(() => planWindow(Window.parse(doc))).toThrow(/patch estimate of 5h for IC-Web1 is above serverGroups\.web\.patch\.maxDuration \(3h 55m\)/);
  });

  it('refuses an estimate for a step that does not exist', () => {
    const problems = problemsAfter((d) => (d.estimates = { steps: { 'pre-maintenanse': '10m' } }));
    expect(pathsAndReasons(problems)).toEqual([
      ['estimates.steps.pre-maintenanse', 'unknown step "pre-maintenanse" (did you mean "pre-maintenance"?); estimates.steps gives estimates to steps by id'],
    ]);
  });
});

describe('the file itself', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-bad-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses bytes that are not UTF-8, with the byte offset and where it is', () => {
    const file = join(dir, 'latin1.yaml');
    const text = BASE_TEXT.replace('title: Base window', 'title: Base window caf\u00e9');
    const bytes = Buffer.from(text, 'latin1');
    writeFileSync(file, bytes);
    const offset = bytes.indexOf(0xe9);
    const line = text.slice(0, text.indexOf('caf')).split('\n').length;
    expect(loadWindowFile(file).problems).toEqual([
      { file, line, column: 'title: Base window caf'.length + 1, path: '(file)', reason: `not UTF-8: invalid byte sequence at byte offset ${offset} (0xE9 0x0A 0x74 0x69); save the file as UTF-8` },
    ]);
  });

  it('reads UTF-8 with a byte-order mark', () => {
    const file = join(dir, 'bom.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(BASE_TEXT, 'utf8')]));
    expect(loadWindowFile(file).problems).toEqual([]);
  });

  it('names the duplicate key without a dangling colon', () => {
    const problems = loadWindowText(BASE_TEXT.replace('title: Base window', 'title: Base window\ntitle: Again'), 'd.yaml').problems;
    expect(problems.map(formatProblem)).toEqual(['d.yaml:5:1  (yaml)  duplicate key "title": a mapping may give each key only once']);
  });

  it('refuses absurd nesting with a limit instead of overflowing the stack', () => {
    const flow = loadWindowText(`notes: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, 'n.yaml').problems;
    const block = loadWindowText(Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n', 'b.yaml').problems;
    for (const problems of [flow, block]) {
      expect(problems).toHaveLength(1);
      expect(problems[0]!.path).toBe('(yaml)');
      expect(problems[0]!.reason).toBe(`nested more than ${MAX_NESTING} levels deep; a window file nests about 12 (blocks inside blocks can be flattened)`);
    }
    expect(block[0]!.line).toBe(MAX_NESTING + 1);
  });

  it('refuses a file larger than the limit', () => {
    const problems = loadWindowText(`notes: "${'x'.repeat(5 * 1024 * 1024)}"\n`, 'big.yaml').problems;
    expect(problems.map((p) => [p.path, p.reason])).toEqual([['(file)', expect.stringMatching(/^the file is \d+ characters; a window file may be at most 4\.0 MiB$/)]]);
  });
});

describe('long sequences', () => {
  it('validates and plans a sequence of 3,000 steps without recursion over its length', () => {
    const doc = parse(BASE_TEXT) as Doc;
    doc.phases.push({ id: 'long', steps: Array.from({ length: 3000 }, (_, i) => ({ id: `n${i}`, kind: 'notify', channels: ['#x'], message: 'm' })) });
    delete doc.budget;
    const loaded = loadWindowText(stringify(doc), 'long.yaml');
    expect(loaded.problems).toEqual([]);
    const plan = planWindow(loaded.window!, { recommend: false });
    expect(plan.steps).toHaveLength(3000 + 8);
    const last = plan.steps.at(-1)!;
    expect(last.id).toBe('n2999');
    expect(last.end.epochMs - plan.steps.find((s) => s.id === 'n0')!.start.epochMs).toBe(3000 * 60_000);
  });
});

describe('a take-down redirect check without the message to look for', () => {
  it('names maintenanceMarker: without it the check would pass on the normal site', () => {
    const text = readFileSync(join(__dirname, '../../../windows/consul-takedown.yaml'), 'utf8').replace(/^ {4}maintenanceMarker: .*\n/m, '');
    expect(pathsAndReasons(loadWindowText(text, 'w.yaml').problems)).toEqual([['consulEstates.billpay.maintenanceMarker', 'required with verifyRedirect: the text of the maintenance message the check looks for']]);
  });
});
