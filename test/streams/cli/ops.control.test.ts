/**
 * The API's resume against a loss-limit halt: that halt is run-wide and lives in the bot stream (no journal
 * entry), so resume refuses it (409) and says why and what to do, instead of answering "not halted" while the
 * pair still does not trade. An operator halt on a pair without a loss halt is cleared after the venue check.
 */
import * as http from 'node:http';
import { events, MAX_LOSS_HALT_REASON } from '../../../src/domain/events';
import type { Executor } from '../../../src/execution/executor';
import { Ops } from '../../../streams/cli/ops';

const TOKEN = 'control-test-token-0123456789';

/** The executor calls resume makes, with a halt an operator set. */
function fakeExecutor(halted: string | undefined) {
  let halt = halted;
  const calls: string[] = [];
  const executor = {
    isHalted: () => halt !== undefined,
    haltReason: () => halt,
    inFlight: () => false,
    currentPosition: () => undefined,
    reconcile: () => {
      calls.push('reconcile');
      return Promise.resolve({ status: 'ok', detail: 'the venues hold what the journal expects (flat)' });
    },
    clearHalt: () => {
      calls.push('clearHalt');
      halt = undefined;
      return [events.tradingResumed(2_000, { pair: 'ETH-PERP' })];
    },
  };
  return { executor: executor as unknown as Executor, calls };
}

function post(url: string): Promise<{ status: number; body: { status: string; lines: string[] } }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { status: string; lines: string[] } }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('resume through the API after the loss limit', () => {
  const btc = fakeExecutor('maintenance');
  const eth = fakeExecutor('maintenance');
  const emitted: string[] = [];
  const ops = new Ops({
    mode: 'sim',
    pairs: [
      { id: 'btc', pair: 'BTC-PERP', dexA: 'vest', dexB: 'paradex', spreadEntry: 0.06, spreadExit: -0.02 },
      { id: 'eth', pair: 'ETH-PERP', dexA: 'vest', dexB: 'paradex', spreadEntry: 0.06, spreadExit: -0.02 },
    ],
    executors: new Map([
      ['btc', btc.executor],
      ['eth', eth.executor],
    ]),
    emit: (e) => {
      emitted.push(e.type);
      ops.observe(e);
    },
    summary: () => undefined,
    now: () => 1_000,
  });
  let base: string;

  beforeAll(async () => {
    ops.observe(events.tradingHalted(900, { pair: 'BTC-PERP', reason: 'maintenance' }));
    ops.observe(events.tradingHalted(950, { pair: 'BTC-PERP', reason: `${MAX_LOSS_HALT_REASON}: realised net -501.20 USD <= -500 USD` }));
    ops.observe(events.tradingHalted(900, { pair: 'ETH-PERP', reason: 'maintenance' }));
    base = (await ops.listen({ host: '127.0.0.1', port: 0, token: TOKEN })).url;
  });
  afterAll(() => ops.close());

  it('refuses with 409, says why (the run-wide loss limit) and what to do, and checks nothing', async () => {
    const reply = await post(`${base}/api/pairs/BTC-PERP/resume`);
    expect(reply.status).toBe(409);
    expect(reply.body.status).toBe('refused');
    expect(reply.body.lines[0]).toBe(
      "BTC-PERP: refused: the run's loss limit halted it (max loss reached: realised net -501.20 USD <= -500 USD); that halt holds for the rest of this run by design, on every pair",
    );
    expect(reply.body.lines[1]).toMatch(/restart the bot .* or raise risk\.max_loss_usd/);
    expect(reply.body.lines[2]).toContain('an operator or reconciliation halt is also on record (maintenance)');
    expect(btc.calls).toEqual([]);
    const status = ops.state.status(1_000, undefined).pairs.find((p) => p.pair === 'BTC-PERP')!;
    expect(status).toMatchObject({ halted: true, lossHalt: expect.stringMatching(/^max loss reached/) });
  });

  it('keeps a loss-halted pair halted when its operator halt is cleared elsewhere (TRADING_RESUMED)', () => {
    ops.observe(events.tradingResumed(1_100, { pair: 'BTC-PERP' }));
    const status = ops.state.status(1_200, undefined).pairs.find((p) => p.pair === 'BTC-PERP')!;
    expect(status).toMatchObject({ halted: true, haltReason: expect.stringMatching(/^max loss reached/) });
  });

  it('clears an operator halt on a pair the loss limit did not halt, after the venue check', async () => {
    const reply = await post(`${base}/api/pairs/ETH-PERP/resume`);
    expect(reply.status).toBe(200);
    expect(reply.body.lines).toEqual(['ETH-PERP: halt cleared (was: maintenance)', 'checked: the venues hold what the journal expects (flat)']);
    expect(eth.calls).toEqual(['reconcile', 'clearHalt']);
    expect(emitted).toEqual(['TRADING_RESUMED']);
    expect(ops.state.status(2_000, undefined).pairs.find((p) => p.pair === 'ETH-PERP')!.halted).toBe(false);
  });
});
