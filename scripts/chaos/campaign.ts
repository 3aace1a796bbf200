/**
 * The campaign: a plan of trials run a few at a time, each slot on its own simulated-venues process
 * (`npm run venues -- --admin`, compiled), so one trial's faults never reach another's orders, and
 * the venues outlive every bot that trades on them. Bounded: every run has an exit bound, every
 * stage a deadline.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSimVenueClients, newSimKeys, parseSimVenueUrls, type SimVenueUrls } from '../../src/venues/sim-connect';
import { AdminClient } from './admin-client';
import { buildForCampaign } from './build';
import { classify, type TrialFacts } from './classify';
import { planTrials, type Trial } from './plan';
import { spawnProc, waitExit, waitUntil, type Proc } from './processes';
import type { TrialResult } from './table';
import { runTrial, type SlotVenues } from './trial';

export interface CampaignOptions {
  readonly seed: number;
  readonly trials: number;
  /** Trials at a time (one venues process each). */
  readonly concurrency: number;
  /** Only cases whose key contains one of these. */
  readonly only?: readonly string[];
  /** The repository root. */
  readonly root: string;
  /** Keep every trial folder (default: only when a trial went bad). */
  readonly keep?: boolean;
  readonly log?: (line: string) => void;
}

export interface CampaignResult {
  readonly results: TrialResult[];
  readonly wallMs: number;
  /** Where the trial folders are, when kept. */
  readonly workDir: string | undefined;
}

interface Slot {
  readonly index: number;
  proc: Proc;
  venues: SlotVenues;
}

async function startVenues(build: string, seed: number, workDir: string, log: (line: string) => void): Promise<{ proc: Proc; venues: SlotVenues }> {
  // Book updates every 200 ms: half the default's CPU for the venues and every bot, and a forced spread
  // is pushed at once anyway.
  const proc = spawnProc(process.execPath, [path.join(build, 'src', 'sim', 'cli.js'), '--admin', '--seed', String(seed), '--update-ms', '200'], { cwd: workDir });
  const printed = await waitUntil(proc, () => proc.stdout().includes('\n'), 30_000);
  const line = proc.stdout().split('\n')[0] ?? '';
  let admin: string | undefined;
  let urls: SimVenueUrls;
  try {
    if (!printed) throw new Error(`the simulated venues did not start: ${proc.stderr().slice(0, 500)}`);
    admin = (JSON.parse(line) as { admin?: string }).admin;
    if (admin === undefined) throw new Error(`the simulated venues printed no admin URL: ${line}`);
    urls = parseSimVenueUrls(line);
  } catch (err) {
    proc.signal('SIGKILL');
    throw err;
  }
  // A venue's first signature check builds its curve tables (seconds on a busy machine): pay that
  // here, so the first trial meets venues that have been up a while, as a bot normally does.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const warm = createSimVenueClients(urls, newSimKeys());
    try {
      await Promise.all([warm.paradex.positions(), warm.vest.positions()]);
      break;
    } catch (err) {
      log(`chaos: warming the venues up (attempt ${attempt}): ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await Promise.all([warm.paradex.close(), warm.vest.close()]);
    }
  }
  return { proc, venues: { line, urls, admin: new AdminClient(admin) } };
}

export async function runCampaign(opts: CampaignOptions): Promise<CampaignResult> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const plan = planTrials(opts.seed, opts.trials, opts.only ? { only: opts.only } : {});
  const build = await buildForCampaign(opts.root, log);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vest-paradex-arb-chaos-'));
  const mainJs = path.join(build, 'streams', 'cli', 'main.js');
  const results: TrialResult[] = [];
  const queue: Trial[] = [...plan];
  const slots: Slot[] = [];
  try {
    const count = Math.max(1, Math.min(opts.concurrency, plan.length));
    for (let i = 0; i < count; i++) slots.push({ index: i, ...(await startVenues(build, opts.seed * 100 + i, workDir, log)) });
    log(`chaos: ${plan.length} trials, seed ${opts.seed}, ${count} at a time; trial folders in ${workDir}`);
    await Promise.all(
      slots.map(async (slot) => {
        for (let trial = queue.shift(); trial !== undefined; trial = queue.shift()) {
          if (slot.proc.exit() !== undefined) {
            log(`chaos: venues of slot ${slot.index} died (${slot.proc.stderr().slice(-300)}); restarting them`);
            Object.assign(slot, await startVenues(build, opts.seed * 100 + slot.index + 50, workDir, log));
          }
          const t0 = Date.now();
          let facts: TrialFacts;
          try {
            facts = await runTrial(trial, slot.venues, { mainJs, workDir });
          } catch (err) {
            facts = { runs: [], venues: { error: 'not read' }, journal: undefined, secrets: [], harnessError: err instanceof Error ? err.message : String(err) };
          }
          const outcome = classify(facts);
          results.push({ trial, outcome, ms: Date.now() - t0 });
          const verdict = outcome.harnessError ? 'CAMPAIGN ERROR' : !outcome.ok ? 'BAD' : outcome.inconclusive ? 'ok (inconclusive)' : 'ok';
          log(`chaos: #${trial.id} ${trial.key} ${verdict} ${((Date.now() - t0) / 1000).toFixed(1)} s [${results.length}/${plan.length}]`);
        }
      }),
    );
  } finally {
    await Promise.all(
      slots.map(async (s) => {
        s.proc.signal('SIGINT');
        await waitExit(s.proc, 10_000);
      }),
    );
    // The campaign itself failed before any trial: nothing to keep.
    if (results.length === 0 && opts.keep !== true) fs.rmSync(workDir, { recursive: true, force: true });
  }
  results.sort((a, b) => a.trial.id - b.trial.id);
  const keep = opts.keep === true || results.some((r) => !r.outcome.ok || r.outcome.harnessError);
  if (!keep) fs.rmSync(workDir, { recursive: true, force: true });
  return { results, wallMs: Date.now() - started, workDir: keep ? workDir : undefined };
}
