import type { Command } from 'commander';
import { loadWindowFile } from '../../shared/window/load';
import { formatProblem } from '../../shared/window/problems';

/** `mw validate FILE...`: every problem as `file:line:column  field.path  reason`; exit 1 on any. */
export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check window files; prints each problem as file:line:column  field.path  reason')
    .argument('<files...>', 'window files (YAML)')
    .option('-q, --quiet', 'print only problems')
    .action((files: string[], options: { quiet?: boolean }) => {
      let failed = 0;
      let crashed = 0;
      for (const file of files) {
        let problems;
        try {
          problems = loadWindowFile(file).problems;
        } catch (error) {
          // A bug of ours: say which file, and go on checking the others.
          crashed++;
          console.log(formatProblem({ file, line: 1, column: 1, path: '(mw)', reason: `mw could not check this file (a bug in mw, please report it): ${(error as Error).message}` }));
          continue;
        }
        if (problems.length > 0) {
          failed++;
          for (const problem of problems) console.log(formatProblem(problem));
        } else if (!options.quiet) {
          console.log(`${file}: ok`);
        }
      }
      if (failed + crashed > 0) {
        console.error(`${failed + crashed} of ${files.length} file(s) have problems`);
        process.exitCode = crashed > 0 ? 3 : 1;
      }
    });
}
