/**
 * The operator's read commands on the command line (`status`, `positions`): their flags, checked as they are
 * parsed (a bad one exits 2 naming it, as every flag of main.ts). main.ts runs them.
 */
import { type Command, InvalidArgumentError } from 'commander';

/** The run commands' `--no-funding-ws` (its own file), offered here with the other command-line pieces main.ts takes. */
export { fundingWsRunOption, withFundingWsFlag } from './funding-flags';

export interface OperatorCommandRunners {
  status(o: { journalDir?: string; apiUrl?: string }): void;
  positions(o: { journalDir?: string }): void;
}

function apiUrlArg(v: string): string {
  if (/^https?:\/\/[^/\s]+/.test(v)) return v;
  throw new InvalidArgumentError(`--api-url must be an http:// or https:// URL, got ${JSON.stringify(v)}`);
}

export function operatorCommands(program: Command, run: OperatorCommandRunners): void {
  program
    .command('status')
    .description('what a running bot says on its API (when one answers) and what the journals hold: pairs, positions, PnL net of fees, halts')
    .option('--journal-dir <dir>', "journal folder (default: the config's journal_dir)")
    .option('--api-url <url>', "the running bot's API (default: http://<api.host>:<api.port>)", apiUrlArg)
    .action((o: { journalDir?: string; apiUrl?: string }) => run.status(o));
  program
    .command('positions')
    .description("each pair's journal against both venues' positions endpoints (keys from .env, as live; with --venues, the running simulated venues)")
    .option('--journal-dir <dir>', "journal folder (default: the config's journal_dir)")
    .action((o: { journalDir?: string }) => run.positions(o));
}
