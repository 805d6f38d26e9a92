import { writeFileSync } from 'fs';
import type { Command } from 'commander';
import { loadWindowFile } from '../../shared/window/load';
import { planWindow, type Plan } from '../../shared/window/plan';
import { formatProblem, type Problem } from '../../shared/window/problems';
import { renderPlanHtml } from '../../shared/window/render-html';
import { renderPlanJson, renderPlanText } from '../../shared/window/render-text';

interface PlanCommandOptions {
  json?: boolean;
  html?: string;
  zone?: string[];
}

/**
 * `mw plan FILE [--json] [--html OUT.html] [--zone ZONE...]`: the schedule before the
 * weekend. A window with problems is not planned: they are printed as for `mw validate`
 * and the exit code is 1. A budget overrun is the one exception: the plan is what shows
 * where the time goes, so it is still printed (after the problem), and the exit code is 1.
 * With --json, stdout is one JSON document and the problems are inside it.
 */
export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('plan a window: schedule, critical path, lower bound, page-up minutes, pool capacity')
    .argument('<file>', 'window file (YAML)')
    .option('--json', 'print the plan as JSON (problems inside it)')
    .option('--html <out>', 'also write a self-contained HTML page with a Gantt chart')
    .option('--zone <zones...>', 'extra display zones (IANA names, e.g. Europe/London)')
    .action((file: string, options: PlanCommandOptions) => {
      const loaded = loadWindowFile(file);
      const problems: Problem[] = [...loaded.problems];
      const window = loaded.window ?? loaded.overBudget;
      let plan: Plan | undefined;
      if (window) {
        try {
          plan = planWindow(window, { zones: options.zone ?? [] });
        } catch (error) {
          // Bad input that slipped past validation (e.g. an unknown --zone): one line, no stack.
          problems.push({ file, line: 1, column: 1, path: options.zone?.length ? '(--zone)' : '(plan)', reason: `cannot plan: ${(error as Error).message}` });
        }
      }
      if (problems.length > 0) process.exitCode = 1;
      if (options.json) {
        process.stdout.write(renderPlanJson(plan, problems));
      } else {
        for (const problem of problems) console.log(formatProblem(problem));
        if (plan) process.stdout.write(renderPlanText(plan));
      }
      if (plan && options.html) {
        writeFileSync(options.html, renderPlanHtml(plan), 'utf8');
        console.error(`wrote ${options.html}`);
      }
    });
}
