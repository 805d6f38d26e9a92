import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../shared/config';
import { loadWindowFile } from '../../shared/window/load';
import { formatProblem } from '../../shared/window/problems';

interface PreflightCommandOptions {
  json?: boolean;
}

/**
 * `mw preflight FILE [--json]`: checks a window against the real estate with read-only calls
 * (credentials, resource ids, the app's permissions, pool members, the maintenance origin, Slack
 * channels, pipelines at their refs, rotated secrets). It uses the app's own settings from the
 * environment (MW_*; docs/configuration.md), so run it where the app's credentials are, or with
 * them exported. Exit 0 clean or warnings only, 1 on any error or an invalid window, 2 on bad settings.
 */
export function registerPreflightCommand(program: Command): void {
  program
    .command('preflight')
    .description('check a window against the estate with read-only calls: credentials, resources, permissions, pools, page, channels, pipelines, secrets')
    .argument('<file>', 'window file (YAML)')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, options: PreflightCommandOptions) => {
      const loaded = loadWindowFile(file);
      if (!loaded.window) {
        for (const problem of loaded.problems) console.log(formatProblem(problem));
        process.exitCode = 1;
        return;
      }
      // Loaded here, not at start: the vendor SDKs are needed by this command only.
      const { createPorts } = await import('../../shared/composition');
      const { preflightWindow, renderPreflightText } = await import('../../shared/preflight');
      let ports;
      let alertRulesScope: string | undefined;
      try {
        // The pre-flight reads the estate only: the app's storage is never touched, so none is needed here.
        const config = loadConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', ...process.env });
        ports = createPorts(config);
        alertRulesScope = config.azure.alertRulesScope;
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        console.error(`mw preflight: ${error.message}`);
        process.exitCode = 2;
        return;
      }
      const report = await preflightWindow(loaded.window, { ports, nowMs: Date.now(), ...(alertRulesScope ? { alertRulesScope } : {}) });
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderPreflightText(report)}\n`);
      if (report.errors > 0) process.exitCode = 1;
    });
}
