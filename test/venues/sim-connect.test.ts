import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../src/config';
import { startSimVenues, type SimVenues } from '../../src/sim';
import { createSimVenueClients, loadOrCreateSimKeys, parseSimVenueUrls, SIM_KEYS_FILE } from '../../src/venues/sim-connect';
import type { Venue } from '../../src/venues/venue';

const LINE = {
  paradex: { rest: 'http://127.0.0.1:4001/v1', ws: 'ws://127.0.0.1:4001/v1' },
  vest: { rest: 'http://127.0.0.1:4002/v2', ws: 'ws://127.0.0.1:4002/ws-api?version=1.0&xwebsocketserver=restserver0' },
};

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-connect-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('--venues', () => {
  it('takes the line `npm run venues` prints, with or without its admin URL, inline or from a file', () => {
    expect(parseSimVenueUrls(JSON.stringify(LINE))).toEqual(LINE);
    const file = path.join(dir, 'venues.json');
    fs.writeFileSync(file, `${JSON.stringify({ ...LINE, admin: 'http://127.0.0.1:4003/admin' })}\n`);
    expect(parseSimVenueUrls(file)).toEqual(LINE);
  });

  it('names each missing or malformed URL with the rule', () => {
    const message = messageOf(() => parseSimVenueUrls(JSON.stringify({ paradex: { rest: 'ftp://x', ws: LINE.paradex.ws } })));
    expect(message).toContain('--venues: paradex.rest = "ftp://x": must be a http/https URL');
    expect(message).toContain('vest.rest = (missing)');
    expect(message).toContain('vest.ws = (missing): must be a ws/wss URL');
  });

  it('refuses what is neither JSON nor a readable file', () => {
    expect(messageOf(() => parseSimVenueUrls('{"paradex":'))).toMatch(/--venues: not valid JSON/);
    expect(messageOf(() => parseSimVenueUrls(path.join(dir, 'nope.json')))).toMatch(/--venues: cannot read .*ENOENT/);
  });
});

describe('sim keys beside the journal', () => {
  it('creates the keys once, readable by the owner only, and returns the same keys afterwards', () => {
    const first = loadOrCreateSimKeys(dir);
    const file = path.join(dir, SIM_KEYS_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSimKeys(dir)).toEqual(first);
    expect(first.paradex.privateKey).toMatch(/^0x[0-9a-f]+$/);
    expect(first.vest.signingKey).not.toBe(first.vest.primaryKey);
  });

  it('refuses a damaged keys file naming the field, never showing a key', () => {
    const keys = loadOrCreateSimKeys(dir);
    const file = path.join(dir, SIM_KEYS_FILE);
    // 64 hex digits but above the Stark curve order: not a usable key.
    const outOfRange = `0x${'f'.repeat(64)}`;
    fs.writeFileSync(file, JSON.stringify({ paradex: { ...keys.paradex, privateKey: outOfRange }, vest: { primaryKey: keys.vest.primaryKey } }));
    const message = messageOf(() => loadOrCreateSimKeys(dir));
    expect(message).toContain('paradex.privateKey = <redacted>: is not below the Stark curve order, so it is not a valid private key');
    expect(message).toContain('vest.signingKey = (missing): is missing');
    expect(message).not.toContain(outOfRange.slice(2, 20));
    expect(message).not.toContain(keys.vest.primaryKey.slice(2, 20));
    fs.writeFileSync(file, '{"paradex":');
    expect(messageOf(() => loadOrCreateSimKeys(dir))).toMatch(/not valid JSON/);
  });
});

describe('venue clients for running simulated venues', () => {
  let sim: SimVenues | undefined;
  const clients: Venue[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await sim?.close();
    sim = undefined;
  });

  it('are the same accounts again when built anew from the same keys (a restarted bot)', async () => {
    sim = await startSimVenues({ updateIntervalMs: 0 });
    const keys = loadOrCreateSimKeys(dir);
    const first = createSimVenueClients(sim, keys);
    clients.push(first.paradex, first.vest);
    const book = sim.market.book('vest', 'BTC-PERP')!;
    const buy = { symbol: 'BTC-PERP', side: 'BUY' as const, type: 'MARKET' as const, size: 0.01, price: book.asks[0]!.price * 1.01, timeInForce: 'IOC' as const, reduceOnly: false };
    await expect(first.vest.placeOrder({ ...buy, clientId: 'v1' })).resolves.toMatchObject({ ok: true, filledSize: 0.01 });
    const pbook = sim.market.book('paradex', 'BTC-USD-PERP')!;
    await expect(first.paradex.placeOrder({ ...buy, symbol: 'BTC-USD-PERP', side: 'SELL', price: pbook.bids[0]!.price * 0.99, clientId: 'p1' })).resolves.toMatchObject({ ok: true, filledSize: 0.01 });

    const again = createSimVenueClients(sim, loadOrCreateSimKeys(dir));
    clients.push(again.paradex, again.vest);
    await expect(again.vest.positions()).resolves.toEqual([expect.objectContaining({ symbol: 'BTC-PERP', size: 0.01 })]);
    await expect(again.paradex.positions()).resolves.toEqual([expect.objectContaining({ symbol: 'BTC-USD-PERP', size: -0.01 })]);
  });
});
