/**
 * How a CLI run ends: Ctrl-C and SIGTERM, the backstop that bounds every stop (a signal's or `--duration`'s),
 * and the exit code with the summary JSON. The exit codes are main.ts's (its header lists them).
 */
import * as path from 'node:path';
import { pairExposureText } from '../../src/execution/reconcile';
import type { Outputs, TextOutput } from '../../src/logging/output';
import { summaryJson } from '../../src/report/summary';
import type { RunHandle, RunMode, RunResult } from './run';

/** The run stopped cleanly, but a file output was lost (a full disk): see the `output error:` line. */
const OUTPUT_LOST_EXIT = 3;
/**
 * The run left unhedged exposure or an operation unfinished when its shutdown grace ran out (run.ts
 * EXIT_EXPOSURE; run.ts loads lazily). It wins over OUTPUT_LOST_EXIT: money at risk comes first.
 */
export const EXIT_EXPOSURE = 4;
/** After the shutdown grace, the run still writes its report and closes its sockets: this much more at most. */
export const BACKSTOP_MARGIN_MS = 5_000;
/** Outputs whose loss does not change the exit code: the reader chose to go away (`| head`). */
const CONSOLE_OUTPUTS = new Set(['stdout', 'stderr', 'status']);

export interface StopSettings {
  /** execution.shutdown_grace_ms */
  readonly graceMs: number;
  readonly closeOnExit: boolean;
  /** `--duration` (not in a replay, which ends with its data): its stop gets the same backstop as a signal's. */
  readonly durationSec?: number;
}

/**
 * Ctrl-C (or SIGTERM) stops the run, finishing orders in flight; a second one, or the backstop, leaves at once.
 * Every stop, a signal's or the `--duration` timer's, is bounded: should the run not end within the shutdown
 * grace plus BACKSTOP_MARGIN_MS (a hung report, a socket that never closes), the process leaves, printing and
 * journalling what stays at the venues, never hanging (a cron'd `--duration` run) and never a silent exit 0.
 */
export function onStopSignals(handle: RunHandle, settings: StopSettings, stderr: TextOutput): void {
  const { graceMs } = settings;
  /** Leaves now, before the run ends: says (and journals) what stays at the venues. */
  const exitNow = (why: string, quietCode: number): never => {
    const left = handle.abandon(why);
    for (const e of left) stderr.write(`EXPOSURE AT EXIT ${pairExposureText(e)}\n`);
    if (left.length === 0) stderr.write('nothing left unhedged or unresolved at the venues as far as the journal knows\n');
    process.exit(left.length > 0 ? EXIT_EXPOSURE : quietCode);
  };
  const backstop = (afterMs: number, what: string) =>
    setTimeout(() => {
      stderr.write(`${what} took too long; exiting\n`);
      exitNow(`${what} took too long: exited before the run ended`, EXIT_EXPOSURE);
    }, afterMs).unref();
  if (settings.durationSec !== undefined) backstop(settings.durationSec * 1000 + graceMs + BACKSTOP_MARGIN_MS, `the stop after --duration ${settings.durationSec}`);
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      stderr.write(`second ${sig}: exiting now\n`);
      exitNow(`second ${sig}: exited without waiting`, 130);
    }
    handle.notice(
      `${sig}: stopping; orders in flight are finished first (up to ${graceMs / 1000} s; Ctrl-C again to leave at once)` +
        `; ${settings.closeOnExit ? 'closing open positions' : 'open positions stay open and journaled'}`,
    );
    handle.stop(sig);
    // The backstop, should the report or a socket hang after the grace: never a silent exit 0.
    backstop(graceMs + BACKSTOP_MARGIN_MS, 'shutdown');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export interface ReportSettings {
  readonly mode: RunMode;
  readonly graceMs: number;
  /** `--summary-json` */
  readonly summaryJson?: string;
}

/** The summary JSON, what the run left exposed, and the exit code. */
export function reportRun(result: RunResult, settings: ReportSettings, { outputs, stderr }: { readonly outputs: Outputs; readonly stderr: TextOutput }): never {
  // The run's bot.log is closed now: a late failure (the summary JSON) is appended to it directly.
  if (!outputs.hasFailed('bot.log')) {
    const botLog = outputs.file('bot.log', path.join(result.runDir, 'bot.log'));
    outputs.reportTo('bot.log', (line) => botLog.write(`${JSON.stringify({ level: 'error', message: line, timestamp: new Date().toISOString() })}\n`));
  }
  if (settings.summaryJson) {
    const json = summaryJson(result.summary, { mode: settings.mode, reportPath: result.reportPath, eventsPath: result.eventsPath, settings: result.settings, unfinished: result.unfinished });
    const summaryOut = outputs.file(`summary JSON ${settings.summaryJson}`, settings.summaryJson, 'w');
    summaryOut.write(JSON.stringify({ ...json, outputErrors: result.outputErrors }, null, 2) + '\n');
    summaryOut.close();
  }
  const left = result.summary.exposureAtExit;
  if (result.unfinished || left.length > 0) {
    for (const e of left) stderr.write(`EXPOSURE AT EXIT ${pairExposureText(e)}\n`);
    if (result.unfinished) stderr.write(`an operation was still in flight when the ${settings.graceMs / 1000} s shutdown grace ran out; the next start finishes it\n`);
    process.exit(EXIT_EXPOSURE);
  }
  const fileLost = [...outputs.failedOutputs()].some((name) => !CONSOLE_OUTPUTS.has(name));
  process.exit(fileLost ? OUTPUT_LOST_EXIT : 0);
}
