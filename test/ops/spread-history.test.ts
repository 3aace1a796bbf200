import { SpreadHistory } from '../../src/ops/spread-history';
import { events } from '../../src/domain/events';
import { OpsState } from '../../src/ops/state';

describe('SpreadHistory (the dashboard chart on opening)', () => {
  it('keeps one point per step, the latest sample of the step', () => {
    const h = new SpreadHistory(10, 1000);
    h.add([1000, 0.1, -0.2, null]);
    h.add([1400, 0.2, -0.3, null]);
    h.add([2100, 0.3, -0.4, -0.1]);
    expect(h.list()).toEqual([
      [1400, 0.2, -0.3, null],
      [2100, 0.3, -0.4, -0.1],
    ]);
  });

  it('stays bounded: only the last `capacity` points, oldest first', () => {
    const h = new SpreadHistory(3, 1000);
    for (let i = 0; i < 10; i++) h.add([i * 1000, i, null, null]);
    expect(h.list().map((p) => p[0])).toEqual([7000, 8000, 9000]);
  });

  it('hands out a copy (a caller cannot change the history)', () => {
    const h = new SpreadHistory();
    h.add([0, 1, 1, null]);
    h.list().pop();
    expect(h.list()).toHaveLength(1);
  });
});

describe('OpsState: what the views keep stays bounded (spreadHistoryPoints, recentLimit)', () => {
  it('keeps each pair’s newest spread points and the newest notable events, whatever the run’s length', () => {
    const state = new OpsState({ mode: 'sim', pairs: [{ pair: 'BTC-PERP', dexA: 'vest', dexB: 'paradex', spreadEntry: 0.06, spreadExit: -0.02 }], recentLimit: 4, spreadHistoryPoints: 5 }, 0);
    for (let i = 0; i < 1_000; i++) {
      state.observe(events.spreadMonitoring(i * 1000, { pair: 'BTC-PERP', entryAOverB: i, entryBOverA: -i, exitAOverB: -i, exitBOverA: i, netEntryAOverB: i, netEntryBOverA: -i }));
      if (i % 10 === 0) state.observe(events.tradingHalted(i * 1000 + 1, { pair: 'BTC-PERP', reason: `r${i}` }));
    }
    expect(state.spreadHistory('BTC-PERP').map((p) => p[0])).toEqual([995_000, 996_000, 997_000, 998_000, 999_000]);
    expect(state.spreadHistory('BTC-PERP').at(-1)![1]).toBe(999);
    expect(state.recentEvents().map((e) => (e.type === 'TRADING_HALTED' ? e.reason : e.type))).toEqual(['r960', 'r970', 'r980', 'r990']);
    // Every event is still counted.
    expect(state.eventCounts.get('SPREAD_MONITORING')).toBe(1_000);
  });
});
