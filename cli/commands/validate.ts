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
      for (const file of files) {
        const result = loadWindowFile(file);
        if (result.problems.length > 0) {
          failed++;
          for (const problem of result.problems) console.log(formatProblem(problem));
        } else if (!options.quiet) {
          console.log(`${file}: ok`);
        }
      }
      if (failed > 0) {
        console.error(`${failed} of ${files.length} file(s) have problems`);
        process.exitCode = 1;
      }
    });
}
