import { events, formatPct, formatUsd, type TradingEvent, type TradingEventType } from '../../src/domain/events';

/** 'positionMonitoring' -> 'POSITION_MONITORING' */
const screamingSnake = (camel: string) => camel.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();

describe('event factories', () => {
  it('each factory stamps the type named after it and the given time', () => {
    const names = Object.keys(events) as (keyof typeof events)[];
    // 26 from the original and the money path, + FUNDING_ACCRUED, FUNDING_RECONCILED, FUNDING_MISMATCH (issue 13).
    expect(names.length).toBe(29);
    for (const name of names) {
      const make = events[name] as (time: number, p: object) => TradingEvent;
      const e = make(1234, {});
      expect([name, e.type, e.time]).toEqual([name, screamingSnake(name), 1234]);
    }
  });

  it('keeps the payload fields as given', () => {
    const e = events.tradeExit(5, { pair: 'BTC-PERP', polls: 4, entrySpread: 0.08, exitSpread: -0.01, exitTarget: -0.02, profit: 0.07 });
    expect(e).toEqual({ type: 'TRADE_EXIT', time: 5, pair: 'BTC-PERP', polls: 4, entrySpread: 0.08, exitSpread: -0.01, exitTarget: -0.02, profit: 0.07 });
  });

  it("uses the original bot's SCREAMING_SNAKE names", () => {
    const original: TradingEventType[] = [
      'SPREAD_DETECTED',
      'TRADE_ENTRY',
      'TRADE_EXIT',
      'ORDER_PLACED',
      'ORDER_FILLED',
      'ORDER_FAILED',
      'POSITION_OPENED',
      'POSITION_CLOSED',
      'POSITION_MONITORING',
      'BOT_STARTED',
      'BOT_SHUTDOWN',
      'SLIPPAGE_ANALYSIS',
    ];
    const produced = new Set(Object.values(events).map((f) => (f as (t: number, p: object) => TradingEvent)(0, {}).type));
    for (const t of original) expect(produced.has(t)).toBe(true);
  });

  it('a later payload field cannot overwrite type or time (they come first, the payload has none)', () => {
    const e = events.feedStale(9, { venue: 'paradex', symbol: 'BTC-USD-PERP', ageMs: 5000, reason: 'no updates' });
    expect(e.type).toBe('FEED_STALE');
    expect(e.time).toBe(9);
  });
});

describe('formatPct', () => {
  it("formats like the original's format_pct: four decimals and a percent sign", () => {
    expect(formatPct(0.06)).toBe('0.0600%');
    expect(formatPct(-0.02)).toBe('-0.0200%');
    expect(formatPct(1.23456)).toBe('1.2346%');
    expect(formatPct(0)).toBe('0.0000%');
  });

  it('shows a missing or non-finite value as n/a, never as 0', () => {
    expect(formatPct(undefined)).toBe('n/a');
    expect(formatPct(NaN)).toBe('n/a');
    expect(formatPct(Infinity)).toBe('n/a');
  });
});

describe('formatUsd', () => {
  it("formats like the original's fmt_price, with the sign before the dollar", () => {
    expect(formatUsd(95000)).toBe('$95000.00');
    expect(formatUsd(0.125)).toBe('$0.13');
    expect(formatUsd(-3.5)).toBe('-$3.50');
    expect(formatUsd(undefined)).toBe('n/a');
  });
});
