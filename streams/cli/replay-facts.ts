/** What a replay's report and summary say about its data (moved out of run.ts, which had reached its room size). */
import * as path from 'node:path';
import type { RunSettings } from '../../src/report/summary';
import type { ReplaySetup } from './replay';
import type { RunOptions } from './run';

/** What a replay's report and summary say about its data. */
export function replayFacts(opts: Pick<RunOptions, 'replay'>, replay: ReplaySetup): NonNullable<RunSettings['replay']> {
  const { index, stats } = replay;
  return {
    dataDir: path.resolve(opts.replay!.dataDir),
    files: index.files.length,
    fromMs: index.fromMs,
    toMs: index.toMs,
    frames: index.frames,
    framesDelivered: stats.delivered,
    framesDropped: stats.dropped,
    recorderLost: stats.lost,
    latencyMs: opts.replay!.latencyMs ?? 0,
    faults: index.faults.map((f) => f.message),
    funding: index.funding.status === 'recorded' ? { status: 'recorded', observations: index.funding.observations, failed: index.funding.failed } : { status: 'not recorded', reason: index.funding.reason },
  };
}
