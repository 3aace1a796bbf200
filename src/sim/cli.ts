/**
 * `npm run venues -- --seed 1`: starts the simulated venues, prints one JSON line with their URLs,
 * and serves until SIGINT/SIGTERM. That line is what `npm start -- sim --venues` takes. With
 * `--admin` it also serves the control surface (src/sim/admin.ts) on 127.0.0.1 and adds its URL
 * to the line as "admin".
 */
import { Command, InvalidArgumentError } from 'commander';
import { startSimAdmin, type SimAdmin } from './admin';
import { startSimVenues, type SimVenueOptions } from './index';
import { parseSimModel, SimModelError } from './model-overrides';
import { SIM_MARKETS } from './types';

function integer(min: number): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return n;
  };
}

function simModel(raw: string): Record<string, number> {
  try {
    return parseSimModel(raw);
  } catch (err) {
    if (err instanceof SimModelError) throw new InvalidArgumentError(err.message.replace(/^--sim-model: /, ''));
    throw err;
  }
}

function marketList(raw: string): string[] {
  const bases = raw
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '');
  const known = SIM_MARKETS.map((m) => m.base);
  const unknown = bases.filter((b) => !known.includes(b));
  if (bases.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`expected a comma-separated list of ${known.join(', ')}`);
  }
  return bases;
}

/**
 * The one line, for whoever reads it; a reader that went away (`| head -0`, a closed pipe) must not kill the
 * venues a bot may be trading on: EPIPE is ignored (nothing else goes to stdout), another stdout error is
 * reported on stderr, and serving goes on.
 */
function printLine(line: string): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') process.stderr.write(`stdout: ${err.message}\n`);
  });
  process.stdout.write(line);
}

interface VenuesArgs {
  readonly options: SimVenueOptions;
  readonly markets: string[];
  readonly admin: boolean;
  readonly adminPort: number;
}

function parseArgs(argv: readonly string[]): VenuesArgs {
  const program = new Command()
    .name('venues')
    .description('Simulated Vest and Paradex venues on loopback')
    .option('--seed <n>', 'market path seed', integer(0), 1)
    .option('--markets <list>', 'base assets, comma-separated', marketList, ['BTC'])
    .option('--update-ms <ms>', 'market update period (0 = frozen)', integer(0), 100)
    .option('--paradex-port <port>', 'Paradex port (0 = any free port)', integer(0), 0)
    .option('--vest-port <port>', 'Vest port (0 = any free port)', integer(0), 0)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--sim-model <json>', 'market model and order latency overrides as JSON (keys: npm start -- --help)', simModel)
    .option('--paradex-settle-ms <ms>', 'a fixed delay from answering NEW to settling each Paradex order (default: drawn per order, paradexOrderDelayMs/JitterMs)', integer(0))
    .option('--admin', 'serve the fault/market control surface on 127.0.0.1 (see src/sim/admin.ts)', false)
    .option('--admin-port <port>', 'admin port (0 = any free port)', integer(0), 0)
    .parse(argv as string[]);
  const o = program.opts<{
    seed: number;
    markets: string[];
    updateMs: number;
    paradexPort: number;
    vestPort: number;
    host: string;
    simModel?: Record<string, number>;
    paradexSettleMs?: number;
    admin: boolean;
    adminPort: number;
  }>();
  const options: SimVenueOptions = {
    seed: o.seed,
    markets: o.markets,
    updateIntervalMs: o.updateMs,
    paradexPort: o.paradexPort,
    vestPort: o.vestPort,
    host: o.host,
    ...(o.simModel ? { model: o.simModel } : {}),
    ...(o.paradexSettleMs === undefined ? {} : { paradexTrading: { settleDelayMs: o.paradexSettleMs } }),
  };
  return { options, markets: o.markets, admin: o.admin, adminPort: o.adminPort };
}

export async function main(argv: readonly string[]): Promise<void> {
  const o = parseArgs(argv);
  const sim = await startSimVenues(o.options);
  let admin: SimAdmin | undefined;
  try {
    admin = o.admin ? await startSimAdmin(sim, o.markets, { port: o.adminPort }) : undefined;
  } catch (err) {
    await sim.close();
    throw err;
  }
  printLine(`${JSON.stringify({ paradex: sim.paradex, vest: sim.vest, ...(admin ? { admin: admin.url } : {}) })}\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    Promise.all([admin?.close(), sim.close()]).then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while closing the simulated venues: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main(process.argv).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
