import stringWidth from 'string-width';
import type { PairStatus } from '../../src/report/status';
import { fitText, pairStatusLines, resumeCommand, type FeedView, type PairView } from '../../src/report/status-layout';

const NOW = 1_800_000_000_000;
const VIEW: PairView = { pair: 'BTC-PERP', dexA: 'vest', dexB: 'paradex', entryThreshold: 0.06, exitTarget: -0.02 };
const FEEDS: FeedView[] = [
  { venue: 'vest', ageMs: 12.4, stale: false, resyncs: 0, reconnects: 0 },
  { venue: 'paradex', ageMs: 40, stale: false, resyncs: 0, reconnects: 0 },
];
const STALE_FEEDS: FeedView[] = [FEEDS[0]!, { venue: 'paradex', ageMs: 6_100, stale: true, resyncs: 2, reconnects: 1 }];

const base: PairStatus = {
  pair: 'BTC-PERP',
  state: 'watching',
  entryAOverB: 0.0826,
  entryBOverA: -0.2,
  netEntryAOverB: -0.0274,
  netEntryBOverA: -0.31,
  exitAOverB: -0.031,
  exitBOverA: -0.19,
  realisedGrossUsd: 1.5,
  feesPaidUsd: 0.35,
  realisedFundingUsd: 0,
  realisedNetUsd: 1.15,
  roundTrips: 3,
};
const WATCHING = base;
const OPEN: PairStatus = {
  ...base,
  state: 'open',
  position: { direction: 'AOverB', size: 0.001, entrySpread: 0.18 },
  unrealised: { grossUsd: 0.05, exitFeesUsd: 0.17, netUsd: -0.12 },
};
const HALTED: PairStatus = {
  ...base,
  state: 'halted',
  halt: { reason: 'unwind failed on paradex: insufficient margin: available $10.00, required $20.00; exposure kept in the journal' },
};
const COOLING: PairStatus = { ...base, state: 'halted', halt: { reason: 'leg unwound on vest', until: NOW + 41_500 } };

const lines = (s: PairStatus, width: number, opts: { view?: PairView; feeds?: FeedView[] } = {}) =>
  pairStatusLines(s, opts.view ?? VIEW, opts.feeds ?? FEEDS, { width, now: NOW });

describe('the status line layout', () => {
  it('never exceeds the width nor wraps, whatever the state, from 20 to 220 columns', () => {
    for (let width = 20; width <= 220; width++) {
      for (const s of [WATCHING, OPEN, HALTED, COOLING]) {
        for (const feeds of [FEEDS, STALE_FEEDS]) {
          for (const line of lines(s, width, { feeds })) {
            expect(line).not.toMatch(/[\n\r]/);
            if (stringWidth(line) > width) throw new Error(`${width} columns: ${JSON.stringify(line)} is ${stringWidth(line)} wide`);
          }
        }
      }
    }
  });

  describe('at 80 columns', () => {
    it('shows the state, the NET spread against the net threshold with its direction in venue terms, the position and realised PnL', () => {
      const [line] = lines(WATCHING, 80);
      expect(line).toMatch(/^BTC-PERP WATCHING/);
      // The better direction, net (not the gross 0.0826 %), against the net entry threshold.
      expect(line).toContain('V>P -0.0274%');
      expect(line).not.toContain('0.0826');
      expect(line).toMatch(/0\.0600%/);
      expect(line).toContain('flat');
      expect(line).toContain('rPnL +$1.15');
    });

    it('shows an open position, its exit spread against the target, unrealised and realised net, clearly apart', () => {
      const [line] = lines(OPEN, 80);
      expect(line).toMatch(/^BTC-PERP OPEN/);
      expect(line).toContain('V>P 0.001');
      expect(line).toMatch(/exit -0\.031\d?%\/-0\.020\d?%/);
      expect(line).toMatch(/uPnL -\$0\.12|unrealised net -\$0\.12/);
      expect(line).toMatch(/rPnL \+\$1\.15|realised net \+\$1\.15/);
    });

    it('keeps a stale feed in view', () => {
      const [line] = lines(OPEN, 80, { feeds: STALE_FEEDS });
      expect(line).toContain('STALE');
      expect(line).toContain('paradex');
    });

    it('shows why a pair is halted and the whole command that clears it', () => {
      const out = lines(HALTED, 80);
      expect(out[0]).toMatch(/^BTC-PERP HALTED/);
      expect(out[1]).toMatch(/^ {2}halted: unwind failed on .*\.\.\. \| to clear: npm start -- resume --pair BTC-PERP$/);
    });

    it('shows when a cooldown halt ends instead of a command', () => {
      const out = lines(COOLING, 80);
      expect(out[1]).toContain('halted: leg unwound on vest');
      expect(out[1]).toContain('resumes by itself in 42s');
      expect(out.join('\n')).not.toContain('resume --pair');
    });

    it('shows an expired cooldown halt as watching', () => {
      const out = pairStatusLines(COOLING, VIEW, FEEDS, { width: 80, now: NOW + 60_000 });
      expect(out).toHaveLength(1);
      expect(out[0]).toMatch(/^BTC-PERP WATCHING/);
    });
  });

  describe('at 200 columns', () => {
    it('spells out both directions as long/short legs, net, against the net threshold, and realised net in words', () => {
      const [line] = lines(WATCHING, 200);
      expect(line).toContain('A>B (long vest/short paradex) -0.0274%');
      expect(line).toContain('B>A (long paradex/short vest) -0.3100%');
      expect(line).toContain('enter at >= 0.0600% net');
      expect(line).toContain('pos flat');
      expect(line).toContain('realised net +$1.15 (3 round trips)');
      expect(line).toContain('feeds ok');
    });

    it('labels unrealised and realised net in words and names the position legs', () => {
      const [line] = lines(OPEN, 200);
      expect(line).toContain('pos A>B 0.001 (long vest/short paradex)');
      expect(line).toContain('unrealised net -$0.12 (gross +$0.05, exit fees $0.17)');
      expect(line).toContain('exit spread -0.0310% (close at >= -0.0200%)');
      expect(line).toMatch(/realised net \+\$1\.15/);
    });

    it('shows the funding an open position accrued inside its unrealised net, and realised funding in the realised net', () => {
      // realised: gross 1.50 − fees 0.35 + funding 0.0123 = 1.1623; unrealised: −0.12 marked + 0.0456 accrued.
      const open: PairStatus = { ...OPEN, realisedFundingUsd: 0.0123, realisedNetUsd: 1.1623, accruedFundingUsd: 0.0456 };
      const [line] = lines(open, Infinity);
      expect(line).toContain(`unrealised net ${'-$0.07'} (gross +$0.05, exit fees $0.17, funding +$0.0456)`);
      expect(line).toContain('realised net +$1.16 (gross +$1.50, fees $0.35, funding +$0.0123, 3 round trips)');
    });

    it('puts the halt reason and the command on one line', () => {
      const out = lines(HALTED, 200);
      expect(out).toHaveLength(2);
      expect(out[1]).toBe(`  halted: ${HALTED.halt!.reason} | to clear: ${resumeCommand('BTC-PERP')}`);
    });
  });

  it('without a terminal spells every field in full: realised gross and fees, feed ages and counters', () => {
    const [line] = lines(WATCHING, Infinity, { feeds: STALE_FEEDS });
    expect(line).toContain('realised net +$1.15 (gross +$1.50, fees $0.35, 3 round trips)');
    expect(line).toContain('feeds vest 12ms, paradex 6100ms STALE resyncs 2 reconnects 1');
  });

  describe('at 40 columns', () => {
    it('keeps the pair, the state and the position, and the command whole on a line of its own', () => {
      expect(lines(WATCHING, 40)[0]).toMatch(/^BTC(-PERP)? WATCHING/);
      expect(lines(OPEN, 40)[0]).toMatch(/^BTC(-PERP)? OPEN.*V>P 0\.001/);
      const halted = lines(HALTED, 40);
      expect(halted).toContain('  npm start -- resume --pair BTC-PERP');
      expect(halted[1]).toMatch(/^ {2}halted: unwind failed.*\.\.\.$/);
    });
  });

  it('names the venues by the pair\'s own dex_a and dex_b', () => {
    const swapped: PairView = { ...VIEW, dexA: 'paradex', dexB: 'vest' };
    expect(lines(WATCHING, 80, { view: swapped })[0]).toContain('P>V -0.0274%');
    expect(lines(WATCHING, 200, { view: swapped })[0]).toContain('A>B (long paradex/short vest)');
  });

  it('keeps a venue reason on one line', () => {
    const s: PairStatus = { ...HALTED, halt: { reason: 'line one\nline two\tand\u0007more' } };
    expect(lines(s, 200)[1]).toContain('halted: line one line two and more |');
  });

  it('cuts text to the width with a marker', () => {
    expect(fitText('abcdefghij', 8)).toBe('abcde...');
    expect(fitText('abc', 8)).toBe('abc');
    expect(fitText('abcdef', 2)).toBe('..');
  });
});
