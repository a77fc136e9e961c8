import { parseArgs } from 'node:util';
import { ConfigError, type Config, parseConfig } from '../../core/config/config-schema.js';
import { createLogger } from '../../observability/logger.js';
import { alertsTestCommand } from './alerts-test-command.js';
import { cacheClearCommand } from './cache-clear-command.js';
import { type CommandIo, type OperatorCommandInput, UsageError, exitCode, processIo } from './command-io.js';
import { configValidateCommand } from './config-validate-command.js';
import { healthCommand } from './health-command.js';
import { dailyReportCommand, pruneCommand, rollupCommand, sweepCommand } from './maintenance-commands.js';
import { metricsExportCommand } from './metrics-export-command.js';
import { analyzeSessionCommand, traceUserCommand } from './trace-commands.js';

interface OperatorCommand {
  /** The words that name it: `['report', 'daily']`. */
  words: string[];
  usage: string;
  run: (input: OperatorCommandInput) => Promise<number>;
}

/** The runbook routines, one command each (README "Runbook"); every one is also an npm script. */
export const operatorCommands: OperatorCommand[] = [
  { words: ['health'], usage: 'health [--json]             dependencies, queue depths, firing alerts; exit 0 healthy, 1 degraded, 2 unhealthy', run: healthCommand },
  { words: ['report', 'daily'], usage: 'report daily [--date D]     roll day D (default today, UTC) up now and print it', run: dailyReportCommand },
  { words: ['trace', 'user'], usage: 'trace user ID [--limit N]   a learner\'s decision traces, newest first', run: traceUserCommand },
  { words: ['analyze', 'session'], usage: 'analyze session ID          a session: plan, answers, outcome and its decision traces', run: analyzeSessionCommand },
  { words: ['metrics', 'export'], usage: 'metrics export [--format json|prom]   cluster-wide queue counts and alert signals', run: metricsExportCommand },
  { words: ['alerts', 'test'], usage: 'alerts test                 one test message through the alert webhook (rate limit respected)', run: alertsTestCommand },
  { words: ['cache', 'clear'], usage: 'cache clear [--family F]    drop read-cache keys (insight, question, profile, session; default all)', run: cacheClearCommand },
  { words: ['sweep'], usage: 'sweep                       the retention sweep, now', run: sweepCommand },
  { words: ['rollup'], usage: 'rollup [--date D]           the analytics roll-up of day D (default yesterday), now', run: rollupCommand },
  { words: ['prune'], usage: 'prune                       delete backups older than BACKUP_KEEP_DAYS, now', run: pruneCommand },
  { words: ['config', 'validate'], usage: 'config validate [--json]    check the environment\'s configuration; exit 0 valid, 1 invalid', run: configValidateCommand },
];

export const operatorUsage = operatorCommands.map((c) => `  ${c.usage}`).join('\n');

/** True when argv (without node and script) starts with an operator command's first word. */
export function isOperatorCommand(argv: readonly string[]): boolean {
  return operatorCommands.some((c) => c.words[0] === argv[0]);
}

/**
 * Runs one operator command: parses its arguments and the environment (the same config schema as
 * every role), logs to stderr so stdout carries only the answer, and maps failures to exit codes
 * (2 usage or configuration, 1 the command failed).
 */
export async function runOperatorCli(argv: readonly string[], env: NodeJS.ProcessEnv, io: CommandIo = processIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        date: { type: 'string' },
        format: { type: 'string' },
        family: { type: 'string' },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${operatorUsage}`);
    return exitCode.usage;
  }
  const { positionals, values } = parsed;
  const command = operatorCommands.find((c) => c.words.every((w, i) => positionals[i] === w));
  if (!command) {
    io.err(`unknown command: ${positionals.join(' ')}\n\n${operatorUsage}`);
    return exitCode.usage;
  }
  if (values.help) {
    io.out(`usage: learnloop ${command.usage}`);
    return exitCode.ok;
  }
  const isConfigValidate = command.run === configValidateCommand;
  let config: Config;
  try {
    config = parseConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(isConfigValidate ? `configuration is INVALID\n${error.message}` : error.message);
    return isConfigValidate ? exitCode.failed : exitCode.usage;
  }
  const logger = createLogger(config.LOG_LEVEL, { role: command.words.join('-') }, process.stderr);
  try {
    return await command.run({ config, logger, args: positionals.slice(command.words.length), options: values, io });
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\nusage: learnloop ${command.usage}`);
      return exitCode.usage;
    }
    io.err(`${command.words.join(' ')} failed: ${(error as Error).message}`);
    return exitCode.failed;
  }
}
