/**
 * Errors of the command-line tool. Each has a stable `code` and the process exit status it
 * maps to. main.ts prints the message on one line of stderr, without a stack trace.
 */

export const CliErrorCode = {
  /** An unknown command or option, a missing argument, or an invalid option value. */
  USAGE: 'RINGCAST_CLI_USAGE',
  /** The input file is missing, is a directory, or cannot be read. */
  INPUT_UNREADABLE: 'RINGCAST_CLI_INPUT_UNREADABLE',
  /** The input is not valid JSON, NDJSON or CSV text, or a record is not an object. */
  INPUT_INVALID: 'RINGCAST_CLI_INPUT_INVALID',
  /** A consumer thread failed or stopped making progress. */
  CONSUMER_FAILED: 'RINGCAST_CLI_CONSUMER_FAILED',
} as const;
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

/** Exit status for usage errors, as most Unix tools use it. */
export const EXIT_USAGE = 2;
/** Exit status for every other failure. */
export const EXIT_FAILURE = 1;

/** An error that the command-line tool reports as one line and turns into an exit status. */
export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly exitCode: number;

  constructor(code: CliErrorCode, message: string) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = code === CliErrorCode.USAGE ? EXIT_USAGE : EXIT_FAILURE;
  }
}

export function usageError(message: string): CliError {
  return new CliError(CliErrorCode.USAGE, message);
}

/**
 * Creates an input error located at `line` of `source` (a file path, or `<stdin>`), in the
 * `file:line: message` form that editors and terminals turn into links.
 */
export function inputError(source: string, line: number, message: string): CliError {
  return new CliError(CliErrorCode.INPUT_INVALID, `${source}:${line}: ${message}`);
}
