/**
 * `--no-funding-ws` on the run commands: funding by REST polls only (the default reads each venue's WebSocket
 * first, REST while a channel is silent or refused: streams/cli/funding.ts). A replay refuses it (exit 2): it
 * replays the funding the recorded run read, whatever its source.
 */
import type { Command } from 'commander';
import type { RunMode } from './run';

export function withFundingWsFlag(program: Command): Command {
  return program.option('--no-funding-ws', "read funding by REST polls only (default: each venue's WebSocket first, REST while a channel is silent or refused)");
}

/** The run option the flag gives; `fail` (exit 2) when it does not apply to the mode. */
export function fundingWsRunOption(mode: RunMode, flags: object, fail: (message: string) => never): { fundingOverWs?: false } {
  if ((flags as { fundingWs?: boolean }).fundingWs !== false) return {};
  if (mode === 'replay') fail('--no-funding-ws does not apply to replay (it replays the funding the recorded run read)');
  return { fundingOverWs: false };
}
