/**
 * Another RxJS app embeds the library: `npm run build`, then a consumer outside the repo imports
 * `{ exitMonitor, marketTicks, entrySignal }` from 'vest-paradex-arb' through the package's `exports` map,
 * type-checks against the emitted .d.ts, and runs an exit monitor on its own tick stream.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

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
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [ROOT] }), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
    app = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-consumer-'));
    fs.mkdirSync(path.join(app, 'node_modules'));
    fs.symlinkSync(ROOT, path.join(app, 'node_modules', 'vest-paradex-arb'), 'dir');
    fs.symlinkSync(path.join(ROOT, 'node_modules', 'rxjs'), path.join(app, 'node_modules', 'rxjs'), 'dir');
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  }, 120_000);
  afterAll(() => fs.rmSync(app, { recursive: true, force: true }));

  it('type-checks a TypeScript consumer against the emitted declarations through the exports map', () => {
    fs.writeFileSync(path.join(app, 'consumer.ts'), CONSUMER_TS);
    const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
    const run = () =>
      execFileSync(
        process.execPath,
        [tsc, '--noEmit', '--strict', '--skipLibCheck', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules/@types'), 'consumer.ts'],
        { cwd: app, stdio: 'pipe' },
      );
    expect(run).not.toThrow();
  }, 60_000);

  it('runs an exit monitor from the built entry in a plain Node app', () => {
    fs.writeFileSync(path.join(app, 'consumer.js'), CONSUMER_JS);
    const out = execFileSync(process.execPath, ['consumer.js'], { cwd: app, encoding: 'utf8' });
    expect(JSON.parse(out.trim())).toEqual(['TRADE_EXIT:2', 'POSITION_CLOSED:2', 'EXIT_MONITOR_STOPPED:2']);
  }, 30_000);

  it('ships a bin that prints the package version and, after --, takes --env-file as the bot\'s own flag', () => {
    const bin = path.join(ROOT, 'dist/streams/main.js');
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const v = spawnSync(process.execPath, [bin, '--version'], { cwd: app, encoding: 'utf8' });
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(version);
    // Node 20 reads --env-file anywhere on its command line, but stops at `--` (README: start the bin with `--`).
    const env = spawnSync(process.execPath, [bin, '--', '--env-file', 'missing.env'], { cwd: app, encoding: 'utf8' });
    expect(env.status).toBe(2);
    expect(env.stderr).toContain('cannot read env file missing.env: no such file');
  }, 30_000);
});
