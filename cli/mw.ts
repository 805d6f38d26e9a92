#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerLiveCommands } from './commands/live';
import { registerOpsCommands } from './commands/ops';
import { registerPlanCommand } from './commands/plan';
import { registerPreflightCommand } from './commands/preflight';
import { registerValidateCommand } from './commands/validate';

/** The `mw` command line: check and plan windows before the weekend, and follow and steer them during it. */
export function buildProgram(): Command {
  const program = new Command('mw')
    .description('maintenance windows as data: validate, plan and rehearse')
    .showHelpAfterError()
    .exitOverride();
  registerValidateCommand(program);
  registerPlanCommand(program);
  registerPreflightCommand(program);
  registerOpsCommands(program);
  registerLiveCommands(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    // A bug of ours, not the user's: one line, no stack, and a distinct exit code.
    console.error(`mw: ${(error as Error).message}`);
    process.exitCode = 3;
  }
}

if (require.main === module) void main(process.argv);
