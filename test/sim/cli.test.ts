import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = path.resolve(__dirname, '../..');
let child: ChildProcess | undefined;

afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
});

describe('npm run venues', () => {
  it('prints one JSON line with both venues URLs, serves them, and exits 0 on SIGINT', async () => {
    child = spawn(
      process.execPath,
      [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'src/sim/cli.ts', '--seed', '1', '--markets', 'BTC,ETH', '--update-ms', '50'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const proc = child;
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    const line = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: proc.stdout! });
      rl.once('line', (l) => {
        rl.close();
        resolve(l);
      });
      proc.once('exit', (code) => reject(new Error(`exited ${code} before printing`)));
    });
    const urls = JSON.parse(line) as { paradex: { rest: string; ws: string }; vest: { rest: string; ws: string } };
    expect(Object.keys(urls)).toEqual(['paradex', 'vest']);
    expect(urls.paradex.rest).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(urls.paradex.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(urls.vest.rest).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2$/);
    expect(urls.vest.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws-api\?version=1\.0&xwebsocketserver=restserver0$/);

    const markets = (await (await fetch(`${urls.paradex.rest}/markets`)).json()) as { results: { symbol: string }[] };
    expect(markets.results.map((m) => m.symbol)).toEqual(['BTC-USD-PERP', 'ETH-USD-PERP']);

    proc.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 60_000);
});

describe('npm run venues with its stdout reader gone', () => {
  it('keeps serving (no EPIPE crash) and still exits 0 on SIGINT', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    child = spawn(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'src/sim/cli.ts', '--paradex-port', String(port)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = child;
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // The reader goes away before the URL line is written (`npm run venues | head -0`).
    proc.stdout!.destroy();
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    const until = Date.now() + 50_000;
    let serving = false;
    while (!serving && Date.now() < until && proc.exitCode === null) {
      serving = await fetch(`http://127.0.0.1:${port}/v1/markets`).then((r) => r.ok, () => false);
      if (!serving) await new Promise((r) => setTimeout(r, 200));
    }
    expect(serving).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000)); // time for an EPIPE to surface
    expect(proc.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${port}/v1/markets`)).ok).toBe(true);
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  }, 60_000);
});

describe('npm run venues -- --admin', () => {
  it('adds the loopback control surface to the line it prints, and it turns the knobs', async () => {
    child = spawn(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', 'src/sim/cli.ts', '--admin', '--paradex-settle-ms', '20'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = child;
    const line = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: proc.stdout! });
      rl.once('line', (l) => {
        rl.close();
        resolve(l);
      });
      proc.once('exit', (code) => reject(new Error(`exited ${code} before printing`)));
    });
    const urls = JSON.parse(line) as { admin: string };
    expect(Object.keys(urls)).toEqual(['paradex', 'vest', 'admin']);
    expect(urls.admin).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/admin$/);
    const res = await fetch(`${urls.admin}/knob`, { method: 'POST', body: JSON.stringify({ knob: 'feed.dropConnections', args: ['vest'] }) });
    expect(await res.json()).toEqual({ ok: true });
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 60_000);
});
