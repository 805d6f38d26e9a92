import { readFileSync } from 'fs';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { loadWindowText } from '../../../shared/window/load';
import { formatProblem, type Problem } from '../../../shared/window/problems';
import { planWindow } from '../../../shared/window/plan';
import { compileRunbook } from '../../../shared/window/runbook';

/** The validator's contract: each broken window yields exactly this field path and reason. */

const BASE_TEXT = readFileSync(join(__dirname, '../../fixtures/windows/base.yaml'), 'utf8');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

function problemsAfter(mutate: (doc: Doc) => void): Problem[] {
  const doc = parse(BASE_TEXT) as Doc;
  mutate(doc);
  return loadWindowText(stringify(doc), 'w.yaml').problems;
}

function only(problems: Problem[]): Pick<Problem, 'path' | 'reason'> {
  expect(problems.map(formatProblem)).toHaveLength(1);
  return { path: problems[0]!.path, reason: problems[0]!.reason };
}

const steps = (doc: Doc, phase: number): Doc[] => doc.phases[phase].steps;

describe('the base fixture', () => {
  it('is valid', () => {
    const result = loadWindowText(BASE_TEXT, 'base.yaml');
    expect(result.problems).toEqual([]);
    expect(result.window?.id).toBe('base-window');
  });
});

describe('schema problems', () => {
  it('names a misspelt field and suggests the right one', () => {
    const problems = problemsAfter((d) => {
      const step = steps(d, 0)[0];
      step.stagse = step.pipeline.stages;
      step.pipeline = { name: 'Preparation', stagse: ['Pre-Maintenance'] };
    });
    expect(problems.map((p) => [p.path, p.reason.replace(/; allowed: .*/, '')])).toEqual([
      ['phases[0].steps[0].pipeline.stagse', 'unknown field "stagse" (did you mean "stages"?)'],
      ['phases[0].steps[0].stagse', 'unknown field "stagse"'],
    ]);
  });

  it('reports an unknown top-level field with a suggestion', () => {
    const problems = problemsAfter((d) => {
      d.timezone = d.timeZone;
      delete d.timeZone;
    });
    expect(problems.map((p) => [p.path, p.reason])).toEqual(
      expect.arrayContaining([
        ['timezone', expect.stringMatching(/^unknown field "timezone" \(did you mean "timeZone"\?\)/)],
        ['timeZone', 'required field is missing (expected string)'],
      ]),
    );
  });

  it('reports a wrong type with what it got', () => {
    const p = only(problemsAfter((d) => (d.pools['agw-web'].minHealthy = 'five')));
    expect(p).toEqual({ path: 'pools.agw-web.minHealthy', reason: 'expected number, got text "five"' });
  });

  it('reports an unknown step kind with a suggestion', () => {
    const p = only(problemsAfter((d) => (steps(d, 0)[0].kind = 'pipline')));
    expect(p.path).toBe('phases[0].steps[0].kind');
    expect(p.reason).toMatch(/^unknown step kind "pipline" \(did you mean "pipeline"\?\)/);
  });

  it('reports a bad duration', () => {
    const p = only(problemsAfter((d) => (steps(d, 1)[0].timeout = 'an hour')));
    expect(p).toEqual({ path: 'phases[1].steps[0].timeout', reason: '"an hour" is not a duration; write e.g. "30m", "4h" or "1h30m"' });
  });

  it('reports an unknown time zone', () => {
    const p = only(problemsAfter((d) => (d.displayZones = ['Asia/Kolkata', 'Mars/Olympus'])));
    expect(p.path).toBe('displayZones[1]');
    expect(p.reason).toMatch(/"Mars\/Olympus" is not an IANA location time zone/);
  });

  it('reports a malformed wall-clock time', () => {
    const p = only(problemsAfter((d) => (d.phases[0].start = 'Saturday at seven')));
    expect(p.path).toBe('phases[0].start');
    expect(p.reason).toMatch(/is not a wall-clock time/);
  });

  it('reports a patch maximum above 235 minutes', () => {
    const p = only(problemsAfter((d) => (d.serverGroups.web.patch.maxDuration = '4h')));
    expect(p).toEqual({ path: 'serverGroups.web.patch.maxDuration', reason: "4h is above Azure Update Manager's maximum of 235 minutes" });
  });
});

describe('time zone rules', () => {
  it('refuses a local time in the spring-forward gap', () => {
    const p = only(problemsAfter((d) => {
      d.date = '2025-03-09';
      d.budget = { endsBy: 'Sunday 12:00' };
      d.phases[1].start = 'Sunday 02:30';
    }));
    expect(p).toEqual({
      path: 'phases[1].start',
      reason: '2025-03-09 02:30 does not exist in America/New_York (clocks spring forward); use 03:00 or later',
    });
  });

  it('refuses an ambiguous fall-back time without an explicit choice, and accepts one with it', () => {
    const broken = problemsAfter((d) => {
      d.date = '2025-11-02';
      d.phases[1].start = 'Sunday 01:30';
    });
    expect(only(broken)).toEqual({
      path: 'phases[1].start',
      reason:
        '2025-11-02 01:30 is ambiguous in America/New_York (clocks fall back; it happens at EDT and EST); write "Sunday 01:30 EDT" or "Sunday 01:30 EST"',
    });
    const fixed = problemsAfter((d) => {
      d.date = '2025-11-02';
      d.phases[1].start = 'Sunday 01:30 EST';
    });
    expect(fixed).toEqual([]);
  });

  it('refuses a zone hint that matches neither side', () => {
    const p = only(problemsAfter((d) => {
      d.date = '2025-11-02';
      d.phases[1].start = 'Sunday 01:30 PST';
    }));
    expect(p).toEqual({ path: 'phases[1].start', reason: '2025-11-02 01:30 in America/New_York is EDT or EST, not PST' });
  });
});

describe('dependencies', () => {
  it('reports after: naming an unknown step, with a suggestion', () => {
    const p = only(problemsAfter((d) => (steps(d, 1)[2].steps[1].after = ['global-infa'])));
    expect(p).toEqual({ path: 'phases[1].steps[2].steps[1].after[0]', reason: 'unknown step "global-infa" (did you mean "global-infra"?)' });
  });

  it('prints a dependency cycle', () => {
    const p = only(problemsAfter((d) => (steps(d, 1)[2].steps[0].after = ['hub-infra'])));
    expect(p.path).toBe('phases[1].steps[2].steps[0].after[0]');
    expect(p.reason).toBe('dependency cycle: global-infra → hub-infra → global-infra (each waits for the next)');
  });

  it('reports a duplicate id', () => {
    const p = only(problemsAfter((d) => (steps(d, 1)[4].id = 'approve')));
    expect(p).toEqual({ path: 'phases[1].steps[4].id', reason: 'duplicate id "approve" (first defined at phases[1].steps[0])' });
  });
});

describe('capacity floors', () => {
  it('reports a batch that would take a pool below its floor', () => {
    const p = only(problemsAfter((d) => (d.serverGroups.web.batchSize = 3)));
    expect(p).toEqual({
      path: 'serverGroups.web.batchSize',
      reason: 'a batch of 3 from server group "web" would leave 1 of 4 member(s) in pool "agw-web", below its floor of 2',
    });
  });

  it('reports a patch step whose explicit batch breaks the floor', () => {
    const p = only(problemsAfter((d) => (steps(d, 0)[1].batchSize = 4)));
    expect(p).toEqual({
      path: 'phases[0].steps[1].batchSize',
      reason: 'a batch of 4 from step "web-patching" would leave 0 of 4 member(s) in pool "agw-web", below its floor of 2',
    });
  });

  it('reports a floor above the pool size', () => {
    const problems = problemsAfter((d) => (d.pools['agw-web'].minHealthy = 5));
    expect(problems.map((p) => [p.path, p.reason])).toContainEqual(['pools.agw-web.minHealthy', "floor 5 is above the pool's 4 member(s)"]);
  });
});

describe('maintenance page and approvals', () => {
  it('reports a maintenance page put up and never taken down', () => {
    const p = only(problemsAfter((d) => steps(d, 1).splice(3, 1)));
    expect(p).toEqual({
      path: 'phases[1].steps[1]',
      reason: 'maintenance page "public" is put up here and never taken down; add a maintenance-page step with action "down"',
    });
  });

  it('reports a page taken down before it is put up', () => {
    const p = only(problemsAfter((d) => {
      const list = steps(d, 1);
      const [down] = list.splice(3, 1);
      list.unshift(down);
    }));
    expect(p.reason).toBe('maintenance page "public" is taken down by "page-down", which is not ordered after this step; add after: [page-up] there');
  });

  it('reports an alert set paused and never resumed', () => {
    const p = only(problemsAfter((d) => {
      d.alertSets = { noisy: { scopes: ['/subscriptions/0000/resourceGroups/rg-app-prd'] } };
      steps(d, 1).splice(1, 0, { id: 'pause-noisy', kind: 'alerts', set: 'noisy', action: 'pause' });
    }));
    expect(p).toEqual({ path: 'phases[1].steps[1]', reason: 'alert set "noisy" is paused here and never resumed; add an alerts step with action "resume"' });
  });

  it('reports an alerts step naming an unknown set, with a suggestion', () => {
    const problems = problemsAfter((d) => {
      d.alertSets = { noisy: { scopes: ['/subscriptions/0000/resourceGroups/rg-app-prd'] } };
      steps(d, 1).splice(1, 0, { id: 'pause-noisy', kind: 'alerts', set: 'noisy', action: 'pause' });
      steps(d, 1).push({ id: 'resume-noisy', kind: 'alerts', set: 'noisey', action: 'resume' });
    });
    // The misspelt resume also leaves "noisy" paused; both are said.
    expect(problems.map((p) => [p.path, p.reason])).toEqual([
      ['phases[1].steps[1]', 'alert set "noisy" is paused here and never resumed; add an alerts step with action "resume"'],
      ['phases[1].steps[6].set', 'unknown alert set "noisey" (did you mean "noisy"?); declare it under alertSets'],
    ]);
  });

  it('reports an alert set with nothing to pause, and a scope that is not a resource id', () => {
    const problems = problemsAfter((d) => {
      d.alertSets = { empty: { channels: ['#ops'] }, bad: { scopes: ['rg-app-prd'] } };
    });
    expect(problems.map((p) => [p.path, p.reason])).toEqual([
      ['alertSets.bad.scopes[0]', 'an Azure resource id starting /subscriptions/'],
    ]);
    const empty = problemsAfter((d) => (d.alertSets = { empty: { channels: ['#ops'] } }));
    expect(empty.map((p) => [p.path, p.reason])).toEqual([['alertSets.empty', 'an alert set needs scopes (Azure resource ids) or pingdom checks']]);
  });

  it('reports a condition on an unknown step, on a phase, and with both keys', () => {
    const unknown = only(problemsAfter((d) => (steps(d, 1)[4].when = { done: 'page-upp' })));
    expect(unknown).toEqual({ path: 'phases[1].steps[4].when.done', reason: 'unknown step "page-upp" (did you mean "page-up"?)' });
    const phase = only(problemsAfter((d) => (steps(d, 1)[4].when = { done: 'pre-work' })));
    expect(phase).toEqual({ path: 'phases[1].steps[4].when.done', reason: '"pre-work" is a phase, not a step: a condition names one step' });
    const both = only(problemsAfter((d) => (steps(d, 1)[4].when = { done: 'page-up', notDone: 'page-up' })));
    expect(both).toEqual({ path: 'phases[1].steps[4].when', reason: 'when needs exactly one of done or notDone (a step id)' });
  });

  it('makes a condition wait for its step: naming a later step is a cycle', () => {
    const p = only(problemsAfter((d) => (steps(d, 1)[1].when = { done: 'page-down' })));
    expect(p.reason).toMatch(/^dependency cycle: /);
  });

  it('reports an approval gate whose role has no approver', () => {
    const p = only(problemsAfter((d) => (d.roles['release-manager'].members = [])));
    expect(p).toEqual({ path: 'phases[1].steps[0].roles.release-manager', reason: 'role "release-manager" has no approver; add people to roles.release-manager.members' });
  });

  it('reports a quorum larger than the role', () => {
    const p = only(problemsAfter((d) => (steps(d, 1)[0].roles['platform-approver'] = 3)));
    expect(p.reason).toBe('needs 3 approval(s) from "platform-approver" but the role has 2 member(s)');
  });

  it('requires escalateTo when a timeout escalates', () => {
    const p = only(problemsAfter((d) => (steps(d, 1)[0].onTimeout = 'escalate')));
    expect(p).toEqual({ path: 'phases[1].steps[0].escalateTo', reason: 'onTimeout "escalate" needs escalateTo (the role to notify)' });
  });
});

describe('positions', () => {
  it('points at the line and column of the offending field', () => {
    const text = BASE_TEXT.replace('    backendPool: web-pool', '    backendPool: web-pool\n    minHealty: 2');
    const problems = loadWindowText(text, 'w.yaml').problems;
    const unknown = problems.find((p) => p.path === 'pools.agw-web.minHealty')!;
    const line = text.split('\n').findIndex((l) => l.includes('minHealty')) + 1;
    expect(formatProblem(unknown)).toMatch(new RegExp(`^w\\.yaml:${line}:5  pools\\.agw-web\\.minHealty  unknown field "minHealty" \\(did you mean "minHealthy"\\?\\)`));
  });

  it('reports YAML syntax errors with a position and no stack', () => {
    const problems = loadWindowText('id: x\nphases: [\n', 'bad.yaml').problems;
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]!.path).toBe('(yaml)');
    expect(problems[0]!.line).toBeGreaterThanOrEqual(2);
    expect(problems[0]!.reason).not.toMatch(/\n|at .*\.js/);
  });

  it('reports duplicate keys', () => {
    const problems = loadWindowText(BASE_TEXT.replace('title: Base window', 'title: Base window\ntitle: Again'), 'd.yaml').problems;
    expect(problems[0]!.reason).toBe('duplicate key "title": a mapping may give each key only once');
  });
});

describe('time budget', () => {
  it('reports a plan that cannot fit the budget, with the overrun and the lower bound', () => {
    const p = only(problemsAfter((d) => (d.budget = { endsBy: 'Sunday 05:30' })));
    expect(p.path).toBe('budget.endsBy');
    expect(p.reason).toMatch(/^the plan takes \d+h( \d\dm)? and ends Sun \d\d:\d\d EDT, \d+m past the budget \(endsBy Sun 05:30 EDT\); the lower bound is /);
  });

  it('reports a maxDuration overrun', () => {
    const p = only(problemsAfter((d) => (d.budget = { maxDuration: '2h' })));
    expect(p.path).toBe('budget.maxDuration');
    expect(p.reason).toMatch(/past the budget \(maxDuration 2h from Sat 19:00 EDT\)/);
  });
});

describe('onFailure: page-up', () => {
  const smoke = { id: 'smoke', kind: 'test', suite: 'smoke', onFailure: 'page-up', checks: [{ url: 'https://www.invoicecloud.com/' }] };

  it('is accepted on a test after the page comes down, and compiles to that page going back up', () => {
    const doc = parse(BASE_TEXT) as Doc;
    steps(doc, 1).splice(4, 0, smoke);
    const { window, problems } = loadWindowText(stringify(doc), 'w.yaml');
    expect(problems).toEqual([]);
    expect(window!.phases[1]!.steps[4]).toMatchObject({ id: 'smoke', onFailure: 'page-up' });
    const spec = compileRunbook(window!, planWindow(window!, { recommend: false }), 'r').steps.find((x) => x.id === 'smoke')!.spec;
    expect(spec).toMatchObject({ kind: 'test', pageUpOnFailure: [{ kind: 'maintenance-page', page: 'public', action: 'up', cloudflare: { hostnames: ['www.invoicecloud.com'] } }] });
  });

  it('is refused on a test that no page-down comes before', () => {
    const p = only(problemsAfter((d) => steps(d, 1).splice(2, 0, smoke)));
    expect(p).toEqual({ path: 'phases[1].steps[2].onFailure', reason: 'onFailure: page-up, but no maintenance page is taken down before this test; order it after the page\'s "down" step' });
  });

  it('names the one action it knows', () => {
    const p = only(problemsAfter((d) => steps(d, 1).splice(4, 0, { ...smoke, onFailure: 'rollback' })));
    expect(p).toEqual({ path: 'phases[1].steps[4].onFailure', reason: 'onFailure: the only action is "page-up"' });
  });
});

describe('the runtime budget fields', () => {
  it('refuses estimateFrom naming a step that does not end before this one', () => {
    const p = only(problemsAfter((d) => (steps(d, 0)[0].estimateFrom = { step: 'global-infra', factor: 2 })));
    expect(p).toEqual({ path: 'phases[0].steps[0].estimateFrom.step', reason: '"global-infra" is not done before this step starts; order this step after it' });
  });

  it('refuses estimateFrom naming an unknown step, with a suggestion', () => {
    const p = only(problemsAfter((d) => (steps(d, 1)[2].steps[1].estimateFrom = { step: 'global-infa' })));
    expect(p).toEqual({ path: 'phases[1].steps[2].steps[1].estimateFrom.step', reason: 'unknown step "global-infa" (did you mean "global-infra"?)' });
  });

  it('refuses budget approvers that are not a role of two or more', () => {
    expect(only(problemsAfter((d) => (d.budget = { endsBy: 'Sunday 12:00', approvers: 'platform-aprover' })))).toEqual({
      path: 'budget.approvers',
      reason: 'unknown role "platform-aprover" (did you mean "platform-approver"?); declare it under roles',
    });
    expect(
      only(problemsAfter((d) => {
        d.budget = { endsBy: 'Sunday 12:00', approvers: 'release-manager' };
      })),
    ).toEqual({ path: 'budget.approvers', reason: 'role "release-manager" needs at least two members: whoever starts the window cannot approve its overruns' });
  });
});

describe('rollout.deleteOldKeyAfter', () => {
  const rotation = (after: string[]) => ({
    id: 'mailgun-rotation',
    kind: 'rotate-secret',
    secret: { type: 'mailgun', vault: 'kv', name: 'Mailgun-ApiKey', domain: 'mg.example.com' },
    rollout: { validateOn: 'IC-Web1', batches: [{ members: ['IC-Web2'] }], deleteOldKeyAfter: after },
  });

  it('accepts a step that comes after the rotation', () => {
    const problems = problemsAfter((d) => steps(d, 1).splice(2, 0, rotation(['global-infra'])));
    expect(problems).toEqual([]);
  });

  it('refuses a step that does not come after the rotation, saying which after: to add', () => {
    const p = only(problemsAfter((d) => steps(d, 1).splice(2, 0, rotation(['page-up']))));
    expect(p).toEqual({ path: 'phases[1].steps[2].rollout.deleteOldKeyAfter[0]', reason: '"page-up" must come after this rotation (it updates a consumer with the new key); add after: [mailgun-rotation] there' });
  });

  it('refuses it on a machineKey, which has no old key to delete', () => {
    const p = only(problemsAfter((d) => steps(d, 1).splice(2, 0, { ...rotation(['global-infra']), secret: { type: 'machine-key', vault: 'kv', name: 'MyIIS-MachineKey' } })));
    expect(p).toEqual({ path: 'phases[1].steps[2].rollout.deleteOldKeyAfter', reason: 'only a Mailgun rotation deletes an old key; a machineKey has none' });
  });
});

describe('access', () => {
  it('names an unknown person, role or team in access, with a suggestion', () => {
    const d = parse(BASE_TEXT) as Doc;
    const role = Object.keys(d.roles as object)[0]!;
    expect(only(problemsAfter((doc) => (doc.access = { leads: [role], onCall: [`${role}x`] })))).toEqual({
      path: 'access.onCall[0]',
      reason: `unknown person, role or team "${role}x" (did you mean "${role}"?)`,
    });
  });

  it('refuses an object id that is not a GUID', () => {
    const d = parse(BASE_TEXT) as Doc;
    const person = Object.keys(d.people as object)[0]!;
    const problems = problemsAfter((doc) => (doc.people[person].entraObjectId = 'dana'));
    expect(only(problems)).toEqual({ path: `people.${person}.entraObjectId`, reason: 'expected an Entra object id (a GUID)' });
  });
});
