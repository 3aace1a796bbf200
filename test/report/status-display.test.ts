/**
 * The live status on a terminal, checked on a real terminal emulator (xterm.js headless): what a user
 * sees after many redraws, with event lines printed above, long lines that wrap, and a resize.
 */
import { EventEmitter } from 'node:events';
import { Terminal } from '@xterm/headless';
import { events, type TradingEvent } from '../../src/domain/events';
import { clockTime, createStatusDisplay, eventOnConsole, type StatusDisplay } from '../../src/report/status-display';
import type { PairView } from '../../src/report/status-layout';

const PAIRS: PairView[] = [
  { pair: 'BTC-PERP', dexA: 'vest', dexB: 'paradex', entryThreshold: 0.06, exitTarget: -0.02 },
  { pair: 'ETH-PERP', dexA: 'vest', dexB: 'paradex', entryThreshold: 0.08, exitTarget: -0.02 },
];

/** A terminal as a tty stream: what is written goes to the emulator; `\n` is written as CR LF, as a tty's ONLCR does. */
class FakeTty extends EventEmitter {
  readonly isTTY = true;
  private pending = Promise.resolve();
  constructor(
    readonly term: Terminal,
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write(text: string): boolean {
    this.pending = this.pending.then(() => new Promise<void>((r) => this.term.write(text, r)));
    return true;
  }
  flushed(): Promise<void> {
    return this.pending;
  }
  resize(columns: number): void {
    this.columns = columns;
    this.term.resize(columns, this.rows);
    this.emit('resize');
  }
}

function screen(term: Terminal): Array<{ text: string; wrapped: boolean }> {
  const b = term.buffer.active;
  const out: Array<{ text: string; wrapped: boolean }> = [];
  for (let i = 0; i < b.length; i++) {
    const line = b.getLine(i)!;
    out.push({ text: line.translateToString(true), wrapped: line.isWrapped });
  }
  return out;
}

const sample = (time: number, pair: string, net: number): TradingEvent =>
  events.spreadMonitoring(time, { pair, entryAOverB: net + 0.11, netEntryAOverB: net, entryBOverA: -0.2, netEntryBOverA: -0.31, bookAgeAMs: 12, bookAgeBMs: 30 });

const LONG_EVENT =
  '[event] 12:00:00.000 TRADE_ENTRY BTC-PERP AOverB long=vest@$95000.00 short=paradex@$95170.00 size=0.001 entry=0.1790% threshold=0.0600% fees=$0.05 latency=84ms';

describe('the live status on an 80-column terminal', () => {
  let term: Terminal;
  let tty: FakeTty;
  let display: StatusDisplay;

  beforeEach(() => {
    term = new Terminal({ cols: 80, rows: 24, scrollback: 1000, convertEol: true, allowProposedApi: true });
    tty = new FakeTty(term, 80, 24);
    display = createStatusDisplay({ out: tty, pairs: PAIRS, now: () => 1_800_000_000_000, ttyIntervalMs: 3_600_000 });
  });
  afterEach(() => {
    display.close();
    term.dispose();
  });

  it('redraws in place: after many redraws and printed lines, each pair has one unwrapped status line, at the bottom', async () => {
    for (let i = 0; i < 60; i++) {
      display.update(sample(i, 'BTC-PERP', -0.05 + i / 1000));
      display.update(sample(i, 'ETH-PERP', -0.07));
      display.render();
      if (i % 10 === 0) display.print(`${LONG_EVENT} #${i}`);
    }
    await tty.flushed();
    const rows = screen(term);
    const status = rows.filter((r) => /^(BTC|ETH)-PERP /.test(r.text));
    expect(status.map((r) => r.text.slice(0, 17))).toEqual(['BTC-PERP WATCHING', 'ETH-PERP WATCHING']);
    const last = rows.map((r) => r.text).lastIndexOf(status[1]!.text);
    // Nothing below the block but the cursor's empty row, and neither status line wrapped onto a second row.
    expect(rows.slice(last + 1).every((r) => r.text === '')).toBe(true);
    expect(rows[last - 1]!.text).toBe(status[0]!.text);
    expect(rows[last]!.wrapped || rows[last + 1]?.wrapped).toBeFalsy();
    expect(status.every((r) => r.text.length <= 80)).toBe(true);
    // Every printed line is there, once, in order, above the block.
    const printed = rows.filter((r) => r.text.startsWith('[event]')).map((r) => /#\d+/.exec(rows.slice(rows.indexOf(r), rows.indexOf(r) + 3).map((x) => x.text).join(''))?.[0]);
    expect(printed).toEqual(['#0', '#10', '#20', '#30', '#40', '#50']);
  });

  it('shows the net spread against the net threshold, in venue terms', async () => {
    display.update(sample(1, 'BTC-PERP', -0.0274));
    display.render();
    await tty.flushed();
    const btc = screen(term).find((r) => r.text.startsWith('BTC-PERP'))!.text;
    expect(btc).toContain('V>P -0.0274% (enter >= 0.0600%)');
  });

  it('follows a resize: narrower, the block is laid out again with no copy of the wider one left behind', async () => {
    term.resize(160, 24);
    tty.columns = 160;
    display.update(sample(1, 'BTC-PERP', -0.05));
    display.print('[event] before the resize');
    display.render();
    await tty.flushed();
    expect(screen(term).find((r) => r.text.startsWith('BTC-PERP'))!.text.length).toBeGreaterThan(80);

    tty.resize(60);
    display.render();
    await tty.flushed();
    const rows = screen(term);
    const withPair = rows.filter((r) => r.text.includes('-PERP'));
    expect(withPair.map((r) => r.text.slice(0, 8))).toEqual(['BTC-PERP', 'ETH-PERP']);
    expect(withPair.every((r) => r.text.length <= 60 && !r.wrapped)).toBe(true);
    // No fragment of the 160-column lines (they held the legs spelled out) is left on screen.
    expect(rows.some((r) => r.text.includes('long vest/short paradex') || r.text.includes('round trips'))).toBe(false);
    expect(rows.some((r) => r.text === '[event] before the resize')).toBe(true);
  });
});

describe('the status without a terminal', () => {
  it('writes [status] lines stamped like [event] lines, every field in full, and the last state on close', () => {
    const written: string[] = [];
    const clock = Date.UTC(2026, 11, 1, 20, 15, 30, 672);
    const display = createStatusDisplay({ out: { write: (t: string) => written.push(t) }, pairs: PAIRS, now: () => clock, plainIntervalMs: 3_600_000 });
    display.update(sample(1, 'BTC-PERP', -0.0274));
    display.render();
    display.update(events.tradingHalted(2, { pair: 'ETH-PERP', reason: 'reconciliation mismatch: paradex ETH-USD-PERP reports long 0.01' }));
    display.close();
    const lines = written.join('').trimEnd().split('\n');
    expect(clockTime(clock)).toBe('20:15:30.672');
    for (const l of lines) expect(l).toMatch(/^\[status\] 20:15:30\.672 /);
    expect(lines[0]).toContain('BTC-PERP WATCHING | net spread A>B (long vest/short paradex) -0.0274%');
    // close() wrote the last state: ETH halted, why, and how to clear it.
    expect(lines.at(-2)).toContain('ETH-PERP HALTED');
    expect(lines.at(-1)).toBe(
      '[status] 20:15:30.672   halted: reconciliation mismatch: paradex ETH-USD-PERP reports long 0.01 | to clear: npm start -- resume --pair ETH-PERP',
    );
  });
});

describe('event lines on the console', () => {
  const routine = events.positionOpened(1, { pair: 'BTC-PERP', direction: 'AOverB', entrySpread: 0.2, size: 0.001, restored: false });
  const warning = events.tradeFailed(1, { pair: 'BTC-PERP', reason: 'insufficient margin' });
  const error = events.legUnwound(1, { pair: 'BTC-PERP', venue: 'paradex', size: 0.001, ok: false, reason: 'rejected' });
  const monitoring = events.positionMonitoring(1, { pair: 'BTC-PERP', polls: 40, entrySpread: 0.2, exitSpread: -0.05, exitTarget: -0.02 });
  const spreads = sample(1, 'BTC-PERP', 0);

  it('follows --log-level: warn hides routine events and keeps warnings and errors', () => {
    expect([routine, warning, error].map((e) => eventOnConsole(e, 'warn'))).toEqual([false, true, true]);
    expect([routine, warning, error].map((e) => eventOnConsole(e, 'error'))).toEqual([false, false, true]);
    expect([routine, warning, error, monitoring].map((e) => eventOnConsole(e, 'info'))).toEqual([true, true, true, false]);
    expect(eventOnConsole(monitoring, 'debug')).toBe(true);
  });

  it('never prints spread samples: the status line shows them', () => {
    expect(eventOnConsole(spreads, 'debug')).toBe(false);
  });
});
