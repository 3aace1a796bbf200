/**
 * Another RxJS app embeds the library: `npm run build`, then a consumer outside the repo imports
 * `{ exitMonitor, marketTicks, entrySignal }` from 'vest-paradex-arb' through the package's `exports` map,
 * type-checks against the emitted .d.ts, and runs an exit monitor on its own tick stream. The README's
 * embedding example is compiled and run exactly as printed, through the subpath exports
 * (`vest-paradex-arb/venues`, `/execution`, `/sim`), against the simulated venues, under a guard that stops the
 * process at its first connection to anything but the loopback interface.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const TSC = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
/** How a consumer's TypeScript resolves the package: node16 reads the `exports` map and its `types`. */
const CONSUMER_TSC_FLAGS = ['--strict', '--skipLibCheck', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules/@types')];

/** The README section whose first ```ts block is the embedding example. */
const EMBEDDING_HEADING = '## Embedding the bot in your own RxJS app';

/** The first ```ts fenced block after `heading` in the README, verbatim. */
export function readmeCodeBlock(readme: string, heading: string): string {
  const at = readme.split('\n').findIndex((line) => line.trim() === heading);
  if (at < 0) throw new Error(`README has no heading ${JSON.stringify(heading)}`);
  const rest = readme.split('\n').slice(at + 1);
  const open = rest.findIndex((line) => line.trim() === '```ts');
  const nextHeading = rest.findIndex((line) => /^#{1,3} /.test(line));
  if (open < 0 || (nextHeading >= 0 && nextHeading < open)) throw new Error(`no \`\`\`ts block under ${JSON.stringify(heading)}`);
  const close = rest.findIndex((line, i) => i > open && line.trim() === '```');
  if (close < 0) throw new Error(`the \`\`\`ts block under ${JSON.stringify(heading)} is not closed`);
  return `${rest.slice(open + 1, close).join('\n')}\n`;
}

/**
 * Preloaded (`node -r`) into the README example: any socket to a host other than the loopback interface
 * (a real venue's hostname included, before any DNS lookup) ends the process with exit 70 and says where.
 */
const LOOPBACK_ONLY_JS = `
const net = require('node:net');
const fs = require('node:fs');
const connect = net.Socket.prototype.connect;
const LOOPBACK = /^(127\\.\\d+\\.\\d+\\.\\d+|::1|::ffff:127\\.\\d+\\.\\d+\\.\\d+|localhost)$/i;
net.Socket.prototype.connect = function (...args) {
  let opts = args[0];
  if (Array.isArray(opts)) opts = opts[0];
  if (opts === null || typeof opts !== 'object') opts = { port: args[0], host: typeof args[1] === 'string' ? args[1] : undefined };
  if (opts.path === undefined) {
    const host = String(opts.host ?? 'localhost').replace(/^\\[|\\]$/g, '');
    if (!LOOPBACK.test(host)) {
      fs.writeSync(2, 'loopback-only: blocked a connection to ' + host + ':' + opts.port + '\\n');
      process.exit(70);
    }
  }
  return connect.apply(this, args);
};
`;

const CONSUMER_TS = `
import { Subject, of } from 'rxjs';
import { exitMonitor, marketTicks, entrySignal, bookFromLevels, type MarketTick, type ExitEvent } from 'vest-paradex-arb';

const a$ = new Subject<ReturnType<typeof bookFromLevels>>();
const b$ = new Subject<ReturnType<typeof bookFromLevels>>();
const ticks$ = marketTicks(a$, b$, { sampleMs: 0 });
const signals$ = ticks$.pipe(entrySignal({ pair: 'BTC-PERP', entryThreshold: 0.05, fees: { a: 0.0001, b: 0.00045 } }));
const monitor = exitMonitor({
  position: { pair: 'BTC-PERP', direction: 'AOverB', entrySpread: 0.2, size: 0.001 },
  exitTarget: -0.02,
  shutdown$: new Subject<void>(),
  closePosition: () => of({ ok: true }),
});
const events: ExitEvent[] = [];
const tick: MarketTick | undefined = undefined;
void tick;
void signals$;
ticks$.pipe(monitor).subscribe((e) => events.push(e));
`;

const CONSUMER_JS = `
const { Subject, of } = require('rxjs');
const { exitMonitor, marketTicks, bookFromLevels } = require('vest-paradex-arb');
const a$ = new Subject();
const b$ = new Subject();
const out = [];
marketTicks(a$, b$, { sampleMs: 0 })
  .pipe(exitMonitor({
    position: { pair: 'BTC-PERP', direction: 'AOverB', entrySpread: 0.2, size: 0.001 },
    exitTarget: -0.02,
    shutdown$: new Subject(),
    closePosition: () => of({ ok: true }),
  }))
  .subscribe({ next: (e) => out.push(e.type + ':' + e.polls), complete: () => console.log(JSON.stringify(out)) });
const book = (bid, ask) => bookFromLevels([{ price: bid, size: 1 }], [{ price: ask, size: 1 }], { receivedAt: Date.now() });
a$.next(book(99, 100));   // long leg (A) bids 99
b$.next(book(101, 102));  // short leg (B) asks 102: exit -2.9 %, keep watching
b$.next(book(98.5, 99));  // asks 99: exit 0 %, >= -0.02 %: close
`;

describe('the built package', () => {
  let app: string;
  beforeAll(() => {
    execFileSync(process.execPath, [TSC, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
    app = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-consumer-'));
    fs.mkdirSync(path.join(app, 'node_modules'));
    fs.symlinkSync(ROOT, path.join(app, 'node_modules', 'vest-paradex-arb'), 'dir');
    fs.symlinkSync(path.join(ROOT, 'node_modules', 'rxjs'), path.join(app, 'node_modules', 'rxjs'), 'dir');
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  }, 120_000);
  afterAll(() => fs.rmSync(app, { recursive: true, force: true }));

  it('type-checks a TypeScript consumer against the emitted declarations through the exports map', () => {
    fs.writeFileSync(path.join(app, 'consumer.ts'), CONSUMER_TS);
    const run = () => execFileSync(process.execPath, [TSC, '--noEmit', ...CONSUMER_TSC_FLAGS, 'consumer.ts'], { cwd: app, stdio: 'pipe' });
    expect(run).not.toThrow();
  }, 60_000);

  it('runs an exit monitor from the built entry in a plain Node app', () => {
    fs.writeFileSync(path.join(app, 'consumer.js'), CONSUMER_JS);
    const out = execFileSync(process.execPath, ['consumer.js'], { cwd: app, encoding: 'utf8' });
    expect(JSON.parse(out.trim())).toEqual(['TRADE_EXIT:2', 'POSITION_CLOSED:2', 'EXIT_MONITOR_STOPPED:2']);
  }, 30_000);

  it('ships a bin that prints the package version and, after --, takes --env-file as the bot\'s own flag', () => {
    const bin = path.join(ROOT, 'dist/streams/cli/main.js');
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const v = spawnSync(process.execPath, [bin, '--version'], { cwd: app, encoding: 'utf8' });
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(version);
    // Node 20 reads --env-file anywhere on its command line, but stops at `--` (README: start the bin with `--`).
    const env = spawnSync(process.execPath, [bin, '--', '--env-file', 'missing.env'], { cwd: app, encoding: 'utf8' });
    expect(env.status).toBe(2);
    expect(env.stderr).toContain('cannot read env file missing.env: no such file');
  }, 30_000);

  describe("the README's embedding example", () => {
    beforeAll(() => fs.writeFileSync(path.join(app, 'loopback-only.js'), LOOPBACK_ONLY_JS));

    it('the loopback guard stops a connection to any other host before it leaves', () => {
      const probe = spawnSync(process.execPath, ['-r', './loopback-only.js', '-e', "require('node:net').connect(443, 'api.prod.paradex.trade'); setTimeout(() => {}, 5000)"], {
        cwd: app,
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(probe.status).toBe(70);
      expect(probe.stderr).toContain('loopback-only: blocked a connection to api.prod.paradex.trade:443');
    }, 30_000);

    it('type-checks against the built package, then trades on the simulated venues and stops cleanly, as printed', () => {
      const example = readmeCodeBlock(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'), EMBEDDING_HEADING);
      expect(example).toContain("from 'vest-paradex-arb/venues'");
      fs.writeFileSync(path.join(app, 'readme-example.ts'), example);
      const compile = spawnSync(process.execPath, [TSC, ...CONSUMER_TSC_FLAGS, '--outDir', 'out', 'readme-example.ts'], { cwd: app, encoding: 'utf8' });
      expect(compile.stdout + compile.stderr).toBe('');
      expect(compile.status).toBe(0);

      // Exits by itself (the timeout is the failure): every socket, server and timer it opened is closed.
      const run = spawnSync(process.execPath, ['-r', './loopback-only.js', 'out/readme-example.js'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
      expect(run.stderr).toBe('');
      expect(run.signal).toBeNull();
      expect(run.status).toBe(0);
      const lines = run.stdout.trim().split('\n');
      const tick = /^first tick: vest bid (\d+(?:\.\d+)?), paradex ask (\d+(?:\.\d+)?)$/.exec(lines[0] ?? '');
      expect(tick).not.toBeNull();
      expect(Number(tick![1])).toBeGreaterThan(0);
      expect(Number(tick![2])).toBeGreaterThan(0);
      // One round trip: entered on the forced spread, closed when it converged, then shut down; all four
      // orders (two legs in, two out) filled and none failed.
      const milestones = ['BOT_STARTED', 'TRADE_ENTRY', 'POSITION_OPENED', 'TRADE_EXIT', 'POSITION_CLOSED', 'EXIT_MONITOR_STOPPED', 'BOT_SHUTDOWN', 'stopped cleanly'];
      expect(lines.filter((l) => milestones.includes(l))).toEqual(milestones);
      expect(lines.filter((l) => l === 'ORDER_FILLED')).toHaveLength(4);
      expect(lines.filter((l) => /FAILED|HALTED|UNWOUND|MISMATCH/.test(l))).toEqual([]);
      expect(lines.at(-1)).toBe('stopped cleanly');
    }, 90_000);
  });
});
