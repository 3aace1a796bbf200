/**
 * alertTriggers: which events page a human, in virtual time. Frames are ms under TestScheduler.run.
 */
import { TestScheduler } from 'rxjs/testing';
import { type Alert, type AlertKind, DEFAULT_ALERT_KINDS } from '../../src/domain/alerts';
import { events, type TradingEvent } from '../../src/domain/events';
import { alertTriggers } from '../../streams/alert-triggers';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const PAIR = 'BTC-PERP';

const ev = {
  start: events.botStarted(0, { mode: 'sim', pairs: [PAIR] }),
  stop: events.botShutdown(0, { reason: 'shutdown' }),
  unwound: events.legUnwound(0, { pair: PAIR, venue: 'vest', size: 0.01, ok: false, reason: 'unwind rejected' }),
  halted: events.tradingHalted(0, { pair: PAIR, reason: 'entry leg failed' }),
  maxLoss: events.tradingHalted(0, { pair: PAIR, reason: 'max loss reached: realised net -501.00 USD <= -500 USD' }),
  maxLossEth: events.tradingHalted(0, { pair: 'ETH-PERP', reason: 'max loss reached: realised net -501.00 USD <= -500 USD' }),
  closeFailed: events.closeFailed(0, { pair: PAIR, polls: 3, reason: 'paradex: 503' }),
  closed: events.positionClosed(0, { pair: PAIR, entrySpread: 0.1, exitSpread: -0.02, profit: 0.08, polls: 9 }),
  spread: events.spreadMonitoring(0, { pair: PAIR }),
  stale: events.feedStale(0, { venue: 'paradex', symbol: 'BTC-USD-PERP', ageMs: 5000, reason: 'no updates' }),
  fresh: events.feedFresh(0, { venue: 'paradex', symbol: 'BTC-USD-PERP' }),
} satisfies Record<string, TradingEvent>;

/** The alerts' kinds (the texts are checked separately). */
const kindsOf = (kinds: readonly AlertKind[], opts: { closeFailedAfter?: number; feedStaleAfterMs?: number } = {}) =>
  alertTriggers({ kinds, ...opts });

function kinds(alerts: Alert[]): string[] {
  return alerts.map((a) => a.kind);
}

describe('alertTriggers', () => {
  it('alerts at once on the default kinds and stays quiet on routine events', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot('a-s-u-h-m-x|', { a: ev.start, s: ev.spread, u: ev.unwound, h: ev.halted, m: ev.closed, x: ev.stop });
      const kindOf = source.pipe(kindsOf(DEFAULT_ALERT_KINDS));
      expectObservable(kindOf, '^').toBe('a---u-h---x|', {
        a: expect.objectContaining({ kind: 'BOT_STARTED' }),
        u: expect.objectContaining({ kind: 'LEG_UNWOUND', subject: PAIR }),
        h: expect.objectContaining({ kind: 'TRADING_HALTED', subject: PAIR }),
        x: expect.objectContaining({ kind: 'BOT_SHUTDOWN' }),
      });
    });
  });

  it('sends the loss limit as MAX_LOSS_REACHED once, though it halts every pair', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot('-m-e-h|', { m: ev.maxLoss, e: ev.maxLossEth, h: ev.halted });
      expectObservable(source.pipe(kindsOf(DEFAULT_ALERT_KINDS))).toBe('-m---h|', {
        m: expect.objectContaining({ kind: 'MAX_LOSS_REACHED', text: expect.stringContaining('every pair stops entering') }),
        h: expect.objectContaining({ kind: 'TRADING_HALTED' }),
      });
    });
  });

  it('treats the loss halt as a TRADING_HALTED when MAX_LOSS_REACHED is not subscribed', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot('-m-e|', { m: ev.maxLoss, e: ev.maxLossEth });
      expectObservable(source.pipe(kindsOf(['TRADING_HALTED']))).toBe('-m-e|', {
        m: expect.objectContaining({ kind: 'TRADING_HALTED', subject: PAIR }),
        e: expect.objectContaining({ kind: 'TRADING_HALTED', subject: 'ETH-PERP' }),
      });
    });
  });

  it('alerts on the third close failure in a row, again at the sixth, and counts again after a close', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot('-f-f-f-f-f-f-c-f-f-f|', { f: ev.closeFailed, c: ev.closed });
      expectObservable(source.pipe(kindsOf(['CLOSE_FAILED'], { closeFailedAfter: 3 }))).toBe('-----3-----6-------3|', {
        3: expect.objectContaining({ kind: 'CLOSE_FAILED', text: expect.stringContaining('(3 failures in a row)') }),
        6: expect.objectContaining({ kind: 'CLOSE_FAILED', text: expect.stringContaining('(6 failures in a row)') }),
      });
    });
  });

  it('alerts on a feed still stale after the bound, not on one that recovered before it', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      //                  stale at 0, fresh at 40 (< 100: no alert); stale at 60, still stale at 160: alert
      const source = hot('s 39ms f 19ms s 199ms |', { s: ev.stale, f: ev.fresh });
      expectObservable(source.pipe(kindsOf(['FEED_STALE'], { feedStaleAfterMs: 100 }))).toBe('160ms a 99ms |', {
        a: expect.objectContaining({ kind: 'FEED_STALE', subject: 'paradex BTC-USD-PERP', text: expect.stringContaining('still stale after 100 ms') }),
      });
    });
  });

  it('does not restart the stale clock on a repeated FEED_STALE', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot('s 49ms s 99ms |', { s: ev.stale });
      expectObservable(source.pipe(kindsOf(['FEED_STALE'], { feedStaleAfterMs: 100 }))).toBe('100ms a 49ms |', {
        a: expect.objectContaining({ kind: 'FEED_STALE' }),
      });
    });
  });

  it('ends with the run: a pending stale alert is not waited for', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot('s-|', { s: ev.stale });
      expectObservable(source.pipe(kindsOf(['FEED_STALE'], { feedStaleAfterMs: 100 }))).toBe('--|');
    });
  });

  it('pages on a funding mismatch with a venue when subscribed (not a default kind)', () => {
    const mismatch = events.fundingMismatch(5, { pair: PAIR, direction: 'AOverB', size: 0.01, sinceMs: 0, legs: [], botUsd: 0.5, venueUsd: 0.1, diffUsd: -0.4 });
    const seen: Alert[] = [];
    testScheduler().run(({ hot }) => {
      hot('-m|', { m: mismatch }).pipe(alertTriggers({ kinds: ['FUNDING_MISMATCH'], label: 'arb' })).subscribe((a) => seen.push(a));
    });
    expect(seen).toEqual([expect.objectContaining({ kind: 'FUNDING_MISMATCH', text: expect.stringMatching(/^\[arb\] FUNDING_MISMATCH: FUNDING_MISMATCH BTC-PERP/) })]);
    expect(DEFAULT_ALERT_KINDS).not.toContain('FUNDING_MISMATCH');
  });

  it('writes one readable, labelled line per alert with no secret in it', () => {
    const seen: Alert[] = [];
    const secretReason = events.tradeFailed(0, { pair: PAIR, reason: 'rejected: https://hooks.slack.com/services/T0/B0/abcdefabcdef token=abcdef123456' });
    testScheduler().run(({ hot }) => {
      hot('-u-t|', { u: ev.unwound, t: secretReason }).pipe(alertTriggers({ kinds: ['LEG_UNWOUND', 'TRADE_FAILED'], label: 'arb live' })).subscribe((a) => seen.push(a));
    });
    expect(kinds(seen)).toEqual(['LEG_UNWOUND', 'TRADE_FAILED']);
    expect(seen[0]!.text).toBe('[arb live] LEG_UNWOUND: LEG_UNWOUND BTC-PERP vest size=0.01 FAILED: unwind rejected');
    expect(seen[1]!.text).not.toContain('abcdefabcdef');
    expect(seen[1]!.text).not.toContain('abcdef123456');
  });
});
