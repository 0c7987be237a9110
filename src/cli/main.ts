#!/usr/bin/env node
/**
 * The `ringcast` command. It prints results on stdout, and progress and errors on stderr;
 * an error is one line, `ringcast: <message> (<code>)`, without a stack trace.
 */
import { CliError, EXIT_FAILURE, EXIT_USAGE, usageError } from './errors';
import { INGEST_HELP, parseIngestArgs } from './ingest-options';
import { ProgressDisplay } from './progress';
import { formatJson, formatSummary } from './report';

const HELP = `Usage: ringcast <command> [options]

Commands:
  ingest <file|->   Stream records from a JSON, NDJSON or CSV file through an embedded
                    ringbuffer into consumer threads and print per-field statistics.

Run 'ringcast ingest --help' for its options.
`;

/** Runs the command line `args` (without node and the script) and returns the exit status. */
async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (command === undefined) {
    process.stderr.write(HELP);
    return EXIT_USAGE;
  }
  if (command !== 'ingest') {
    throw usageError(
      `unknown command '${command}': the only command is ingest (see ringcast --help)`,
    );
  }

  const commandLine = parseIngestArgs(rest);
  if (commandLine.help) {
    process.stdout.write(INGEST_HELP);
    return 0;
  }
  const { options } = commandLine;

  // Loaded only now, so that help and usage errors do not load the native addon.
  const { runIngest } = await import('./ingest');
  let display: ProgressDisplay | undefined;
  try {
    const report = await runIngest(options, (progress) => {
      if (options.progress) {
        display = new ProgressDisplay(process.stderr, progress);
      }
    });
    display?.stop();
    const stdout = process.stdout;
    const color = stdout.isTTY === true && stdout.hasColors?.() === true;
    stdout.write(options.json ? formatJson(report) : formatSummary(report, color));
    return 0;
  } finally {
    display?.stop();
  }
}

/** Prints `error` on one line of stderr and returns its exit status. */
function reportError(error: unknown): number {
  if (error instanceof CliError) {
    process.stderr.write(`ringcast: ${error.message} (${error.code})\n`);
    return error.exitCode;
  }
  // Errors of the ringcast library carry a RINGCAST_ code; anything else is unexpected.
  const code = (error as { code?: unknown } | null)?.code;
  const label = typeof code === 'string' ? code : error instanceof Error ? error.name : 'error';
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`ringcast: ${message.replace(/\s+/g, ' ')} (${label})\n`);
  return EXIT_FAILURE;
}

// A closed stdout (`ringcast ingest ... | head -1`) is not an error of ringcast.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') {
    throw error;
  }
});

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.exitCode = reportError(error);
  },
);
