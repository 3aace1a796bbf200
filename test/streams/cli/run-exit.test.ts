/**
 * How a CLI run ends (streams/cli/run-exit.ts): every stop is bounded by a backstop, a `--duration` stop
 * included, and leaving early says and journals what stays at the venues. process.exit is recorded, not run.
 */
import type { PairExposure } from '../../../src/execution/types';
import { BACKSTOP_MARGIN_MS, EXIT_EXPOSURE, onStopSignals } from '../../../streams/cli/run-exit';
import type { RunHandle } from '../../../streams/cli/run';

const exposure: PairExposure = { pair: 'BTC-PERP', unhedged: [{ venue: 'vest', symbol: 'BTC-PERP', size: 0.01 }], pendingOrders: [], source: 'journal', note: 'close unfinished' };

function fakeHandle(left: PairExposure[]) {
  const calls = { stop: [] as string[], abandon: [] as string[], notices: [] as string[] };
  const handle: RunHandle = {
    stop: (reason) => void calls.stop.push(reason),
    done: new Promise(() => {}),
    notice: (text) => void calls.notices.push(text),
    abandon: (reason) => {
      calls.abandon.push(reason);
      return left;
    },
  };
  return { handle, calls };
}

describe('run-exit: stop signals and backstops', () => {
  let exits: number[];
  let written: string[];
  let listeners: { SIGINT: NodeJS.SignalsListener[]; SIGTERM: NodeJS.SignalsListener[] };
  const stderr = { write: (s: string) => void written.push(s), failed: false } as never;

  beforeEach(() => {
    jest.useFakeTimers();
    exits = [];
    written = [];
    listeners = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
    jest.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      exits.push(code ?? 0);
      return undefined as never;
    }) as typeof process.exit);
  });
  afterEach(() => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      for (const l of process.listeners(sig)) if (!listeners[sig].includes(l)) process.removeListener(sig, l);
    }
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('a --duration stop that never ends leaves after duration + grace + margin, exit 4 with the exposure said and journalled', () => {
    const { handle, calls } = fakeHandle([exposure]);
    onStopSignals(handle, { graceMs: 1_000, closeOnExit: false, durationSec: 3 }, stderr);
    jest.advanceTimersByTime(3_000 + 1_000 + BACKSTOP_MARGIN_MS - 1);
    expect(exits).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(exits).toEqual([EXIT_EXPOSURE]);
    expect(calls.abandon).toEqual(['the stop after --duration 3 took too long: exited before the run ended']);
    expect(written.join('')).toContain('the stop after --duration 3 took too long; exiting');
    expect(written.join('')).toContain('EXPOSURE AT EXIT BTC-PERP: unhedged vest BTC-PERP');
  });

  it('a hung --duration stop with nothing exposed still exits non-zero (never a silent 0)', () => {
    const { handle } = fakeHandle([]);
    onStopSignals(handle, { graceMs: 0, closeOnExit: false, durationSec: 1 }, stderr);
    jest.advanceTimersByTime(1_000 + BACKSTOP_MARGIN_MS);
    expect(exits).toEqual([EXIT_EXPOSURE]);
    expect(written.join('')).toContain('nothing left unhedged or unresolved');
  });

  it('without --duration no timer is armed until a signal', () => {
    const { handle } = fakeHandle([]);
    onStopSignals(handle, { graceMs: 0, closeOnExit: false }, stderr);
    jest.advanceTimersByTime(10 * 24 * 3600_000);
    expect(exits).toEqual([]);
  });

  it('SIGINT stops with a notice and arms the backstop; a second SIGINT leaves at once, 130 when nothing is exposed', () => {
    const { handle, calls } = fakeHandle([]);
    onStopSignals(handle, { graceMs: 2_000, closeOnExit: true }, stderr);
    process.emit('SIGINT', 'SIGINT');
    expect(calls.stop).toEqual(['SIGINT']);
    expect(calls.notices[0]).toContain('closing open positions');
    jest.advanceTimersByTime(2_000 + BACKSTOP_MARGIN_MS - 1);
    expect(exits).toEqual([]);
    process.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([130]);
    expect(calls.abandon).toEqual(['second SIGINT: exited without waiting']);
  });

  it('the signal backstop leaves with exit 4 when the run outlives the grace', () => {
    const { handle, calls } = fakeHandle([exposure]);
    onStopSignals(handle, { graceMs: 2_000, closeOnExit: false }, stderr);
    process.emit('SIGTERM', 'SIGTERM');
    expect(calls.notices[0]).toContain('open positions stay open and journaled');
    jest.advanceTimersByTime(2_000 + BACKSTOP_MARGIN_MS);
    expect(exits).toEqual([EXIT_EXPOSURE]);
    expect(calls.abandon).toEqual(['shutdown took too long: exited before the run ended']);
  });
});
