/**
 * One trial, as an operator would live it: the real CLI (`sim --venues … --journal-dir …`) as its own
 * process against simulated venues in another process that outlives it; the fault injected through the
 * venues' control surface or by a signal at the planned stage; a restart on the same venues, journal and
 * keys when the trial killed the bot; then the facts (facts.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrialFacts } from './classify';
import { CONFIG, PAIR_ID, QUIET_BASIS, TrialDriver, type Layout, type SlotVenues, type TrialContext } from './driver';
import { gatherFacts } from './facts';
import type { Trial } from './plan';
import { mountSmallDisk, unmountDisk } from './disk';
import { badInput, diskFull, feedFault, killAtStage, orderFault } from './scenarios';

export type { SlotVenues, TrialContext } from './driver';

/** Runs one trial in its own folder under ctx.workDir and returns its facts. */
export async function runTrial(trial: Trial, slot: SlotVenues, ctx: TrialContext): Promise<TrialFacts> {
  const dir = path.join(ctx.workDir, `trial-${String(trial.id).padStart(3, '0')}`);
  // A disk-full trial keeps the journal and the run folder on a small disk of its own, which it fills.
  const disk = trial.kind === 'disk-full' ? path.join(dir, 'disk') : undefined;
  const home = disk ?? dir;
  const journalDir = path.join(home, 'journal');
  const at: Layout = {
    dir,
    journalDir,
    journalFile: path.join(journalDir, `${PAIR_ID}.ndjson`),
    runsDir: path.join(home, 'runs'),
    configPath: path.join(dir, 'config.yaml'),
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(at.configPath, CONFIG);
  const d = new TrialDriver(trial, slot, ctx, at);
  let mounted = false;
  if (disk !== undefined) {
    try {
      mountSmallDisk(disk);
      mounted = true;
    } catch (err) {
      // No root here: the fault cannot be injected (inconclusive), which is not the campaign failing.
      d.miss(err instanceof Error ? err.message : String(err));
      return gatherFacts(d);
    }
  }
  try {
    await slot.admin.reset();
    await d.basis(QUIET_BASIS);
    switch (trial.kind) {
      case 'kill':
        await killAtStage(d, trial);
        break;
      case 'order-fault':
        await orderFault(d, trial);
        break;
      case 'feed-fault':
        await feedFault(d, trial);
        break;
      case 'bad-input':
        await badInput(d, trial);
        break;
      case 'disk-full':
        await diskFull(d, trial, disk!);
        break;
    }
  } catch (err) {
    d.killLeftovers();
    d.harnessError = err instanceof Error ? err.message : String(err);
    d.trace(`campaign error: ${d.harnessError}`);
  }
  if (!mounted) return gatherFacts(d);
  try {
    return await gatherFacts(d);
  } finally {
    const failed = unmountDisk(disk!, path.join(dir, 'disk-kept'));
    if (failed !== undefined) d.trace(failed);
  }
}

