/**
 * `mora` — the headless CLI. Same pipeline as the extension, for terminals and CI.
 * Each command lives in src/cli/commands/<name>.ts and exports `register(program)`.
 */
import { Command, CommanderError } from 'commander';
import { EXIT_CODES_HELP, EXIT_FAILURE, EXIT_UNREACHABLE, EXIT_USAGE, UserError } from './errors';
import { InputError } from '../data/timeseries-csv';
import { COMMANDS } from './commands';
import { forTerminal } from './format/terminal';

export function buildProgram(): Command {
  const program = new Command('mora')
    .description('MOrA — rightsizing for Kubernetes workloads: CPU, memory and replicas from forecasts')
    .version(require('../../package.json').version as string)
    .exitOverride();
  for (const register of COMMANDS) register(program);
  helpCommands(program);
  unknownCommandsBeforeHelp(program);
  // Every subcommand's --help ends with the exit codes (README § Exit codes), after its own notes.
  const withExitCodes = (c: Command): void => {
    for (const sub of c.commands) {
      sub.addHelpText('after', EXIT_CODES_HELP);
      withExitCodes(sub);
    }
  };
  withExitCodes(program);
  program.addHelpText('after', EXIT_CODES_HELP);
  // A usage error (a misspelt flag, a missing value) is one line on stderr, as README § Exit codes promises, with
  // commander's suggestion and where the help is, not the whole help: `mora: unknown option '--sett' (did you mean
  // --set?); see mora recommend --help`.
  const oneLineErrors = (c: Command, path: string[]): void => {
    c.configureOutput({ outputError: (str, write) => write(usageLine(str, path)) });
    for (const sub of c.commands) oneLineErrors(sub, [...path, sub.name()]);
  };
  oneLineErrors(program, ['mora']);
  return program;
}

/**
 * `help [command...]` in place of commander's implicit `help [command]`, in every command that has subcommands:
 * `mora help recommend` prints what `mora recommend --help` does (stdout, exit 0), a path reaches a subcommand
 * (`mora help manifests scan`), and an unknown name is the one-line usage error `mora foo` gives (`mora: unknown
 * command 'foo'; see mora --help`, exit 2, stdout empty). commander's own printed the whole help on stderr instead.
 */
function helpCommands(c: Command): void {
  if (c.commands.length === 0) return;
  for (const sub of c.commands) helpCommands(sub);
  c.command('help [command...]')
    .description('display help for command')
    .action((names: string[]) => {
      let target = c;
      for (const name of names) {
        // commander's own unknown-command error (with its "did you mean" suggestion), as for `mora <name>`.
        target = subcommand(target, name) ?? unknownCommand(target, name);
      }
      target.help();
    });
}

/** commander's unknown-command error (not in its typings; cli-help-command.test.ts pins its wording). */
function unknownCommand(c: Command, name: string): never {
  c.args = [name];
  return (c as unknown as { unknownCommand(): never }).unknownCommand();
}

/** commander's unknown-option error (not in its typings either; the same test pins its wording). */
function unknownOption(c: Command, flag: string): never {
  return (c as unknown as { unknownOption(flag: string): never }).unknownOption(flag);
}

const isHelp = (arg: string): boolean => arg === '-h' || arg === '--help';

/** The subcommand of `c` named `name` (or aliased so). */
const subcommand = (c: Command, name: string): Command | undefined => c.commands.find((s) => s.name() === name || s.aliases().includes(name));

/**
 * A name that is no subcommand is the one-line usage error `mora foo` gives (`mora: unknown command 'foo' (did you
 * mean …?); see mora --help`, exit 2, stdout empty), with --help too: commander printed the whole help for
 * `mora foo --help` (or `mora manifests foo -h`), exit 0, as if foo existed. Its help comes through outputHelp with the
 * command's parsed args (operands first: an operand is what does not start with '-'); `mora --help foo` is still
 * mora's help, and `mora help …` (args empty or a known name) is unchanged. A command with subcommands and an action
 * of its own but no arguments (`experiment`) says the same for `experiment foo`, not commander's 'too many arguments'.
 */
function unknownCommandsBeforeHelp(c: Command): void {
  if (c.commands.length === 0) return;
  for (const sub of c.commands) unknownCommandsBeforeHelp(sub);
  const outputHelp = c.outputHelp.bind(c) as (...args: unknown[]) => void;
  c.outputHelp = ((...args: unknown[]) => {
    const first = c.args[0];
    // An option c does not know (`mora -q foo -h`: mora has no -q) is the error `mora -q foo` gives, not c's help.
    if (first?.startsWith('-') && !isHelp(first) && !c.options.some((o) => [o.short, o.long].includes(first.split('=')[0]))) unknownOption(c, first);
    if (first !== undefined && !first.startsWith('-') && !subcommand(c, first)) unknownCommand(c, first);
    outputHelp(...args);
  }) as Command['outputHelp'];
  const own = c as unknown as { _actionHandler?: unknown }; // commander's (private): whether c has an action
  if (own._actionHandler && c.registeredArguments.length === 0) {
    c.allowExcessArguments(true).hook('preAction', (_self, action) => {
      if (action === c && c.args.length > 0) unknownCommand(c, c.args[0]);
    });
  }
}

/** commander's "error: <what>\n(Did you mean <x>?)\n" as one line naming the command's --help. */
export function usageLine(commanderMessage: string, path: readonly string[]): string {
  const [what, ...rest] = commanderMessage.trim().replace(/^error: /, '').split('\n');
  const hint = rest.map((l) => l.trim()).filter((l) => l !== '').map((l) => l.replace(/^\((.*)\)$/, '$1').replace(/^Did you/, 'did you'));
  return `mora: ${forTerminal([what, ...hint.map((h) => `(${h})`)].join(' '))}; see ${path.join(' ')} --help\n`;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors already printed by commander
      return e.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    // Messages often quote input (file names, names from manifests): never let them drive the terminal.
    if (e instanceof UserError) {
      process.stderr.write(`mora: ${forTerminal(e.message)}\n`);
      return e.exitCode;
    }
    if (e instanceof InputError) {
      process.stderr.write(`mora: ${forTerminal(e.message)}\n`);
      return EXIT_USAGE;
    }
    // A data source failing mid-run (the API server went away, a token expired, RBAC on one namespace, Prometheus down):
    // both clients already word it as one line. Unreachable (and a transient 5xx/429 from the API server) is exit 3, the rest (credentials, RBAC, bad URL) exit 2.
    const name = (e as { name?: string })?.name;
    if (name === 'KubeError' || name === 'PrometheusError') {
      const { kind, status } = e as { kind?: string; status?: number };
      const unreachable = kind === 'unreachable' || kind === 'timeout' || (name === 'PrometheusError' && kind === 'http' && (status === undefined || status >= 500));
      process.stderr.write(`mora: ${forTerminal((e as Error).message)}\n`);
      return unreachable ? EXIT_UNREACHABLE : EXIT_USAGE;
    }
    process.stderr.write(`mora: unexpected error: ${forTerminal((e as Error)?.stack ?? String(e)).replace(/\\n/g, '\n')}\n`);
    return EXIT_FAILURE;
  }
}

// bin/mora.js calls main(); nothing runs on import so tests can drive it.
