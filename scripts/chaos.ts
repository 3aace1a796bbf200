/**
 * `npm run chaos`: the fault campaign. Runs the real CLI as a child process against simulated venues
 * that live in other processes, injects kill -9 and Ctrl-C at each stage of a trade, order faults,
 * feed faults and bad inputs, restarts the bot on the same venues and journal, and reads what was
 * left. Prints one table (and a paragraph per bad trial); exits 1 on any bad outcome, or when the
 * campaign itself failed in a trial; 2 when it could not run at all.
 *
 *   npm run chaos                          # 100 trials, seed 1
 *   npm run chaos -- --trials 20 --seed 7  # a shorter, different campaign
 *   npm run chaos -- --only kill/SIGKILL/closing --trials 4
 *   npm run chaos -- --json out.json       # the results, for tooling
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { runCampaign } from './chaos/campaign';
import { killAll } from './chaos/processes';
import { report, summarize } from './chaos/table';

function integer(min: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return n;
  };
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command()
    .name('chaos')
    .description('Fault campaign: kills, order and feed faults, bad inputs against the real CLI on simulated venues')
    .option('--trials <n>', 'number of trials', integer(1), 100)
    .option('--seed <n>', 'plan and market seed', integer(0), 1)
    .option('--concurrency <n>', 'trials at a time, each on its own simulated venues', integer(1), 3)
    .option('--only <keys>', 'comma-separated parts of case keys to keep, e.g. kill/SIGKILL,bad-input')
    .option('--json <path>', 'also write the results as JSON')
    .option('--keep', 'keep every trial folder (bad trials are always kept)', false)
    .parse(argv as string[]);
  const o = program.opts<{ trials: number; seed: number; concurrency: number; only?: string; json?: string; keep: boolean }>();
  const root = path.resolve(__dirname, '..');
  const { results, wallMs, workDir } = await runCampaign({
    seed: o.seed,
    trials: o.trials,
    concurrency: o.concurrency,
    ...(o.only !== undefined ? { only: o.only.split(',').map((s) => s.trim()) } : {}),
    root,
    keep: o.keep,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${report(results, { seed: o.seed, wallMs, concurrency: o.concurrency })}\n`);
  if (workDir !== undefined) process.stdout.write(`trial folders (runs, journals, configs): ${workDir}\n`);
  if (o.json !== undefined) {
    const slim = results.map((r) => ({ id: r.trial.id, key: r.trial.key, trial: r.trial, ms: r.ms, ...r.outcome }));
    fs.writeFileSync(o.json, `${JSON.stringify({ seed: o.seed, wallMs, summary: summarize(results), results: slim }, null, 2)}\n`);
  }
  const s = summarize(results);
  return s.bad === 0 && s.harnessErrors === 0 ? 0 : 1;
}

if (require.main === module) {
  // Interrupted: take every bot and venues process down too, rather than leave them running.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`chaos: ${sig}: stopping every trial process\n`);
      killAll();
      process.exit(130);
    });
  }
  main(process.argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`chaos: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}
