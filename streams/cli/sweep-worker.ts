/** One sweep thread: replays the recording for each grid point it is sent and answers with the summary figures. */
import { parentPort } from 'node:worker_threads';
import { parseConfigObject } from '../../src/config';
import { errorText } from '../../src/logging/redact';
import { startRun } from './run';
import type { SweepJob, SweepRow } from './sweep';

parentPort?.on('message', (job: SweepJob) => {
  void (async () => {
    try {
      const { config } = parseConfigObject(job.rawConfig);
      const result = await startRun({
        mode: 'replay',
        config,
        seed: 1,
        ...(job.sampleMs !== undefined ? { sampleMs: job.sampleMs } : {}),
        closeOnExit: true,
        runsDir: job.runsDir,
        logLevel: 'warn',
        // Each point replays the same data: the worker reads and parses it once (the first point) and keeps it.
        replay: { dataDir: job.dataDir, latencyMs: job.latencyMs, keepLoaded: true },
      }).done;
      const s = result.summary;
      parentPort!.postMessage({
        roundTrips: s.roundTrips,
        winRate: s.winRate,
        netPnlUsd: s.netPnlUsd,
        grossPnlUsd: s.grossPnlUsd,
        feesUsd: s.feesUsd,
        fundingUsd: s.fundingUsd,
        maxDrawdownUsd: s.maxDrawdownUsd,
        openAtExit: s.openAtExit,
      } satisfies Omit<SweepRow, 'values'>);
    } catch (err) {
      parentPort!.postMessage({ skipped: `failed: ${errorText(err)}` } satisfies Omit<SweepRow, 'values'>);
    }
  })();
});
