import { startSimVenues, type SimVenues } from '../../../src/sim';
import type { FetchLike, RestResult } from '../../../src/venues/http';
import { createVestRest, type VestRest } from '../../../src/venues/vest/rest';
import { newVestKeys, signVestSignerProof, VEST_VERIFYING_CONTRACT } from '../../../src/venues/vest/signing';

let sim: SimVenues | undefined;

afterEach(async () => {
  sim?.faults.trading.vest.releaseAll();
  await sim?.close();
  sim = undefined;
});

function value<T>(r: RestResult<T>): T {
  if (!r.ok) throw new Error(`expected success, got ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

async function startSim(): Promise<{ sim: SimVenues; rest: VestRest }> {
  sim = await startSimVenues({ updateIntervalMs: 0 });
  return { sim, rest: createVestRest({ restUrl: sim.vest.rest, accountGroup: () => 0, requestTimeoutMs: 2_000 }) };
}

async function register(rest: VestRest): Promise<{ apiKey: string; keys: ReturnType<typeof newVestKeys> }> {
  const keys = newVestKeys();
  const expiryTime = Date.now() + 3_600_000;
  const signingAddr = keys.signingAddr.toLowerCase() as `0x${string}`;
  const signature = await signVestSignerProof({ signingAddr, expiryTime, verifyingContract: VEST_VERIFYING_CONTRACT.prod }, keys.primaryKey);
  const { apiKey } = value(
    await rest.register({ signingAddr, primaryAddr: keys.primaryAddr.toLowerCase(), signature, expiryTime, networkType: 0 }),
  );
  return { apiKey, keys };
}

/** A fetch that answers every request with one canned reply. */
function cannedFetch(status: number, body: unknown): FetchLike {
  return () => Promise.resolve({ status, text: () => Promise.resolve(JSON.stringify(body)) });
}

describe('Vest REST against the simulated venue', () => {
  it('reads the market decimals and taker fee from exchangeInfo', async () => {
    const { rest } = await startSim();
    expect(value(await rest.exchangeInfo(['BTC-PERP']))).toEqual([
      { symbol: 'BTC-PERP', sizeDecimals: 4, priceDecimals: 2, takerFee: 0.0001, minNotional: undefined },
    ]);
  });

  it('registers a signing key and reads the account with the API key', async () => {
    const { rest } = await startSim();
    const { apiKey } = await register(rest);
    const account = value(await rest.account(apiKey, Date.now()));
    expect(account.positions).toEqual([]);
    expect(account.withdrawable).toBeGreaterThan(0);
    expect(value(await rest.orders(apiKey, { nonce: 42 }, Date.now()))).toEqual([]);
  });

  it('returns a refused request as a value with the venue code, without the API key', async () => {
    const { rest } = await startSim();
    const r = await rest.account('not-a-key', Date.now());
    expect(r).toMatchObject({ ok: false, error: { kind: 'http', status: 401, code: '1002' } });
    if (!r.ok) expect(r.error.message).not.toContain('not-a-key');
  });

  it('names the account group in the xrestservermm header', async () => {
    const { sim } = await startSim();
    const wrongGroup = createVestRest({ restUrl: sim.vest.rest, accountGroup: () => 7, requestTimeoutMs: 2_000 });
    const { apiKey } = await register(createVestRest({ restUrl: sim.vest.rest, accountGroup: () => 0 }));
    // The sim serves group 0 only, so group 7 must be refused: proof the header follows the setting.
    expect(await wrongGroup.account(apiKey, Date.now())).toMatchObject({ ok: false, error: { code: '1146' } });
  });
});

describe('Vest REST error shapes', () => {
  it('reads {detail:{code,msg}} errors', async () => {
    const rest = createVestRest({ restUrl: 'http://127.0.0.1:1/v2', accountGroup: () => 0, fetch: cannedFetch(400, { detail: { code: 3015, msg: 'DUPLICATE' } }) });
    const r = await rest.postOrder('k', { order: { time: 1, nonce: 1, orderType: 'MARKET', symbol: 'BTC-PERP', isBuy: true, size: '0.1000', limitPrice: '1.00', reduceOnly: false }, recvWindow: 5_000, signature: '0x' });
    expect(r).toMatchObject({ ok: false, error: { kind: 'http', code: '3015', message: expect.stringContaining('DUPLICATE') } });
  });

  it('reads an error body even when it comes with HTTP 200', async () => {
    const rest = createVestRest({ restUrl: 'http://127.0.0.1:1/v2', accountGroup: () => 0, fetch: cannedFetch(200, { code: 429, msg: 'Rate limited' }) });
    expect(await rest.account('k', 1)).toMatchObject({ ok: false, error: { code: '429', message: expect.stringContaining('Rate limited') } });
  });

  it('reports a 2xx body of the wrong shape as malformed', async () => {
    const rest = createVestRest({ restUrl: 'http://127.0.0.1:1/v2', accountGroup: () => 0, fetch: cannedFetch(200, { unexpected: true }) });
    expect(await rest.postOrder('k', { order: { time: 1, nonce: 1, orderType: 'MARKET', symbol: 'BTC-PERP', isBuy: true, size: '0.1000', limitPrice: '1.00', reduceOnly: false }, recvWindow: 5_000, signature: '0x' })).toMatchObject({
      ok: false,
      error: { kind: 'malformed' },
    });
  });
});
