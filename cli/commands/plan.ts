import { readFileSync, writeFileSync } from 'fs';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { loadWindowFile } from '../../shared/window/load';
import { planWindow, type Plan } from '../../shared/window/plan';
import { formatProblem } from '../../shared/window/problems';
import { Window, type WindowDef } from '../../shared/window/schema';
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
 */
export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('plan a window: schedule, critical path, lower bound, page-up minutes, pool capacity')
    .argument('<file>', 'window file (YAML)')
    .option('--json', 'print the plan as JSON')
    .option('--html <out>', 'also write a self-contained HTML page with a Gantt chart')
    .option('--zone <zones...>', 'extra display zones (IANA names, e.g. Europe/London)')
    .action((file: string, options: PlanCommandOptions) => {
      const loaded = loadWindowFile(file);
      for (const problem of loaded.problems) console.log(formatProblem(problem));
      const onlyBudget = loaded.problems.length > 0 && loaded.problems.every((p) => p.path.startsWith('budget.'));
      // The budget check runs last, so a window failing only that passed every other check.
      const window: WindowDef | undefined = onlyBudget ? Window.parse(parse(readFileSync(file, 'utf8'))) : loaded.window;
      if (loaded.problems.length > 0) process.exitCode = 1;
      if (!window || (loaded.problems.length > 0 && !onlyBudget)) return;
      let plan: Plan;
      try {
        plan = planWindow(window, { zones: options.zone ?? [] });
      } catch (error) {
        // Bad input that slipped past validation (e.g. an unknown --zone): one line, no stack.
        console.error(`${file}: cannot plan: ${(error as Error).message}`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(options.json ? renderPlanJson(plan) : renderPlanText(plan));
      if (options.html) {
        writeFileSync(options.html, renderPlanHtml(plan), 'utf8');
        console.error(`wrote ${options.html}`);
      }
    });
}
