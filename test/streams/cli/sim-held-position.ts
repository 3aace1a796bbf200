/**
 * What the end-to-end CLI tests of the operator commands (`positions`, `resume --accept-flat`) share: the CLI run as
 * a user runs it, in a child process, and running simulated venues holding a hedged position that the bot itself
 * opened and journalled (real servers, real signatures).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { defaultConfig } from '../../../src/config';
import { startSimVenues, type SimVenues } from '../../../src/sim/index';
import { loadOrCreateSimKeys, type SimKeys } from '../../../src/venues/sim-connect';
import { startRun } from '../../../streams/cli/run';

const ROOT = path.resolve(__dirname, '../../..');

export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm start -- ARGS` as a user runs it (from a temp folder), to its exit. */
export function cli(args: string[], cwd: string): Promise<Exit> {
  const tsNode = require.resolve('ts-node/register/transpile-only', { paths: [ROOT] });
  const child = spawn(process.execPath, ['-r', tsNode, path.join(ROOT, 'streams/cli/main.ts'), ...args], {
    cwd,
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

export interface HeldPosition {
  readonly sim: SimVenues;
  readonly journalDir: string;
  /** BTC-PERP's journal file. */
  readonly journalPath: string;
  readonly keys: SimKeys;
}

/**
 * Starts simulated venues (seed 3) and runs the bot on them until it has opened BTC-PERP (Vest 0.4 % cheaper than
 * Paradex: AOverB at once), then stops it with the position left open and journalled in `dir`/journal. The caller
 * closes `sim` (it is handed over as soon as it runs, so a failed start is still closed).
 */
export async function heldPosition(dir: string, onSim: (sim: SimVenues) => void): Promise<HeldPosition> {
  const sim = await startSimVenues({ seed: 3 });
  onSim(sim);
  const journalDir = path.join(dir, 'journal');
  const keys = loadOrCreateSimKeys(journalDir);
  sim.market.setBasis('BTC', -0.4);
  const run = startRun({
    mode: 'sim',
    config: defaultConfig(),
    seed: 1,
    closeOnExit: false,
    runsDir: dir,
    logLevel: 'warn',
    simVenues: { urls: sim, keys },
    journalDir,
    onEvent: (e) => {
      if (e.type === 'POSITION_OPENED') run.stop('test: position open');
    },
  });
  const { summary } = await run.done;
  if (summary.openAtExit !== 1) throw new Error(`heldPosition: the bot left ${summary.openAtExit} position(s) open, not 1`);
  sim.market.releaseBasis('BTC');
  return { sim, journalDir, journalPath: path.join(journalDir, 'btc_vest_paradex.ndjson'), keys };
}
