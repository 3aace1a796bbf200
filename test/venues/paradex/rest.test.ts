import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimVenues, type SimVenues } from '../../../src/sim';
import { createParadexJwtSession, createParadexRest, jwtLifetimeMs, type ParadexRest } from '../../../src/venues/paradex/rest';
import { newParadexAccount } from '../../../src/venues/paradex/signing';
import type { RestResult } from '../../../src/venues/http';

let sim: SimVenues | undefined;

afterEach(async () => {
  sim?.faults.trading.paradex.releaseAll();
  await sim?.close();
  sim = undefined;
});

async function startSim(now?: () => number): Promise<{ sim: SimVenues; rest: ParadexRest }> {
  sim = await startSimVenues({ updateIntervalMs: 0, ...(now ? { now } : {}) });
  return { sim, rest: createParadexRest({ restUrl: sim.paradex.rest, requestTimeoutMs: 2_000 }) };
}

function value<T>(r: RestResult<T>): T {
  if (!r.ok) throw new Error(`expected success, got ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

function fakeJwt(claims: Record<string, unknown>): string {
  const part = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'HS256' })}.${part(claims)}.sig`;
}

describe('Paradex REST against the simulated venue', () => {
  it('reads the chain id and the market rules', async () => {
    const { rest } = await startSim();
    expect(value(await rest.systemConfig()).chainId).toBe('PRIVATE_SN_PARACLEAR_MAINNET');
    const [btc] = value(await rest.markets('BTC-USD-PERP'));
    expect(btc).toMatchObject({ symbol: 'BTC-USD-PERP', price_tick_size: 0.1, order_size_increment: 0.00001, min_notional: 10, max_order_size: 100 });
  });

  it('onboards a fresh account (twice without error) and obtains a JWT', async () => {
    const { rest } = await startSim();
    const account = newParadexAccount();
    const { chainId } = value(await rest.systemConfig());
    value(await rest.onboard(account, chainId));
    value(await rest.onboard(account, chainId));
    const jwt = value(await rest.auth(account, chainId, Date.now()));
    expect(jwt.split('.')).toHaveLength(3);
    expect(value(await rest.positions(jwt))).toEqual([]);
    expect(value(await rest.freeCollateral(jwt))).toBeGreaterThan(0);
  });

  it('returns a refused auth as a value with the venue code, and no secret in the message', async () => {
    const { rest } = await startSim();
    const account = newParadexAccount();
    const { chainId } = value(await rest.systemConfig());
    const r = await rest.auth(account, chainId, Date.now());
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ kind: 'http', status: 400, code: 'NOT_ONBOARDED' });
    expect(r.error.message).not.toContain(account.privateKey.slice(2));
  });

  it('answers undefined for a client id the venue does not know', async () => {
    const { rest } = await startSim();
    const account = newParadexAccount();
    const { chainId } = value(await rest.systemConfig());
    value(await rest.onboard(account, chainId));
    const jwt = value(await rest.auth(account, chainId, Date.now()));
    expect(value(await rest.getOrderByClientId(jwt, 'never-sent'))).toBeUndefined();
  });

  it('reports a venue that does not answer in time as a timeout', async () => {
    const { sim, rest } = await startSim();
    const slow = createParadexRest({ restUrl: sim.paradex.rest, requestTimeoutMs: 100 });
    const account = newParadexAccount();
    const { chainId } = value(await rest.systemConfig());
    value(await rest.onboard(account, chainId));
    const jwt = value(await rest.auth(account, chainId, Date.now()));
    sim.faults.trading.paradex.delayResponses(1_000);
    const r = await slow.positions(jwt);
    expect(r).toMatchObject({ ok: false, error: { kind: 'timeout' } });
  });

  it('reports a closed port as unreachable (the request never left)', async () => {
    const started = await startSim();
    const url = started.sim.paradex.rest;
    await started.sim.close();
    sim = undefined;
    const rest = createParadexRest({ restUrl: url, requestTimeoutMs: 1_000 });
    expect(await rest.systemConfig()).toMatchObject({ ok: false, error: { kind: 'unreachable' } });
  });
});

describe('Paradex REST transport failures', () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  it('reports a connection dropped after the request went out as a network failure, not unreachable', async () => {
    server = http.createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const rest = createParadexRest({ restUrl: `http://127.0.0.1:${port}/v1`, requestTimeoutMs: 1_000 });
    const r = await rest.postOrder('jwt', { market: 'BTC-USD-PERP', side: 'BUY', type: 'MARKET', size: '0.1', client_id: 'c', signature: '[]', signature_timestamp: 1 });
    expect(r).toMatchObject({ ok: false, error: { kind: 'network' } });
  });
});

describe('Paradex JWT session', () => {
  it('refreshes once less than the margin remains, and hands out the old token before that', async () => {
    let clock = 1_000_000;
    let issued = 0;
    const session = createParadexJwtSession({
      now: () => clock,
      backgroundRefresh: false,
      authenticate: () => Promise.resolve({ ok: true, value: `jwt-${++issued}` }),
    });
    expect(value(await session.token())).toBe('jwt-1');
    clock += 179_000; // 2 min 1 s left of 5 min: still handed out
    expect(value(await session.token())).toBe('jwt-1');
    clock += 2_000; // 1 min 59 s left: inside the 2-minute margin, so refresh first
    expect(value(await session.token())).toBe('jwt-2');
    expect(issued).toBe(2);
    session.close();
  });

  it('single-flights concurrent refreshes', async () => {
    let issued = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const session = createParadexJwtSession({
      backgroundRefresh: false,
      authenticate: async () => {
        issued += 1;
        await gate;
        return { ok: true, value: `jwt-${issued}` };
      },
    });
    const all = Promise.all([session.token(), session.token(), session.token()]);
    release();
    expect((await all).map(value)).toEqual(['jwt-1', 'jwt-1', 'jwt-1']);
    expect(issued).toBe(1);
    session.close();
  });

  it('refreshes in the background when the margin is reached', async () => {
    let issued = 0;
    let refreshedInBackground: () => void = () => undefined;
    const background = new Promise<void>((resolve) => (refreshedInBackground = resolve));
    const session = createParadexJwtSession({
      now: () => 0,
      lifetimeMs: 300,
      refreshMarginMs: 120,
      authenticate: () => {
        issued += 1;
        if (issued === 2) refreshedInBackground();
        return Promise.resolve({ ok: true, value: `jwt-${issued}` });
      },
    });
    expect(value(await session.token())).toBe('jwt-1');
    // The timer fires 180 ms after issue (300 − 120) without anyone asking for a token.
    await background;
    await new Promise((resolve) => setImmediate(resolve));
    expect(value(await session.token())).toBe('jwt-2');
    expect(issued).toBe(2);
    session.close();
  });

  it('does not hand out a token whose refresh began so long ago that it is already inside the margin', async () => {
    let clock = 0;
    let issued = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const session = createParadexJwtSession({
      now: () => clock,
      backgroundRefresh: false,
      authenticate: async () => {
        issued += 1;
        if (issued === 1) await gate;
        return { ok: true, value: `jwt-${issued}` };
      },
    });
    const pending = session.token();
    clock += 200_000; // the first auth answers only after 3 min 20 s: its token has 1 min 40 s left
    release();
    expect(value(await pending)).toBe('jwt-2');
    session.close();
  });

  it('passes an auth failure through as a value', async () => {
    const session = createParadexJwtSession({
      backgroundRefresh: false,
      authenticate: () => Promise.resolve({ ok: false, error: { kind: 'http', status: 400, code: 'NOT_ONBOARDED', message: 'no' } }),
    });
    expect(await session.token()).toMatchObject({ ok: false, error: { code: 'NOT_ONBOARDED' } });
    session.close();
  });

  it('reads the token lifetime from exp − iat, capped at the documented 5 minutes', () => {
    expect(jwtLifetimeMs(fakeJwt({ iat: 100, exp: 160 }), 300_000)).toBe(60_000);
    expect(jwtLifetimeMs(fakeJwt({ iat: 100, exp: 100_000 }), 300_000)).toBe(300_000);
    expect(jwtLifetimeMs('opaque-token', 300_000)).toBe(300_000);
  });
});
