/**
 * `npm start -- status`: what each configured pair holds and whether it may trade, from its journal (always), and
 * what a running bot says on its API (GET /api/status) when one answers. Sends nothing to a venue.
 *
 * Money: realised figures are net of every fee (entry and close legs), from the journal's closed round trips and
 * fills credited after them; unrealised is the running bot's mark of the open position net of estimated exit fees
 * (the journal cannot price a position: without a running bot it shows the entry only).
 */
import type { BotConfig } from '../../src/config';
import { formatPct } from '../../src/domain/events';
import { openJournal } from '../../src/execution/journal';
import type { StatusJson } from '../../src/ops/state';
import { type ApiStatusResult, fetchApiStatus } from '../../src/ops/status-client';
import { type HaltRecord, haltLines, isHalted, listHalts, lossBudgetLines } from './halts';
import { journalFile } from './pair-executor';
import * as fs from 'node:fs';

/** One pair as its journal has it. */
export interface JournalPair {
  readonly halts: HaltRecord;
  readonly position?: { direction: string; size: number; longVenue: string; shortVenue: string; longEntryPrice: number; shortEntryPrice: number; entrySpread: number; entryFeesUsd: number; openedAt: number };
  /**
   * Round trips closed in this journal file, their price PnL and fees (entry + close), and fills credited after;
   * `closedOutside`: positions closed by hand at the venues (resume --accept-flat), their PnL unknown (not in the figures).
   */
  readonly realised: { roundTrips: number; grossUsd: number; feesUsd: number; netUsd: number; since: number | undefined; closedOutside: number };
}

export function readJournalPairs(config: BotConfig, journalDir: string, now = Date.now()): JournalPair[] {
  const halts = listHalts(config, journalDir, now);
  return config.bots.map((bot, i) => {
    const file = journalFile(journalDir, bot.id);
    const realised = { roundTrips: 0, grossUsd: 0, feesUsd: 0, netUsd: 0, since: undefined as number | undefined, closedOutside: 0 };
    if (!fs.existsSync(file)) return { halts: halts[i]!, realised };
    const journal = openJournal(file, { rotateAboveBytes: 0 });
    try {
      const state = journal.lastState(bot.pair);
      for (const e of journal.entries(bot.pair)) {
        realised.since ??= e.time;
        if (e.kind === 'closed') {
          realised.roundTrips++;
          realised.grossUsd += e.grossPnlUsd;
          realised.feesUsd += e.feesUsd;
        } else if (e.kind === 'closed_outside') {
          realised.closedOutside++;
        } else if (e.kind === 'fill_credited') {
          realised.grossUsd += e.grossPnlUsd;
          realised.feesUsd += e.feesUsd;
        }
      }
      realised.netUsd = realised.grossUsd - realised.feesUsd;
      const p = state.position;
      const open = (state.phase === 'open' || state.phase === 'closing') && p !== undefined;
      return {
        halts: halts[i]!,
        realised,
        ...(open
          ? { position: { direction: p.direction, size: p.size, longVenue: p.longVenue, shortVenue: p.shortVenue, longEntryPrice: p.longEntryPrice, shortEntryPrice: p.shortEntryPrice, entrySpread: p.entrySpread, entryFeesUsd: p.entryFeesUsd, openedAt: p.openedAt } }
          : {}),
      };
    } finally {
      journal.close();
    }
  });
}

const trips = (n: number): string => `${n} round trip${n === 1 ? '' : 's'}`;
const usd = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : `${v >= 0 ? '+' : '-'}$${Math.abs(v).toFixed(2)}`);

function uptime(sec: number): string {
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(sec % 60).padStart(2, '0')}s`;
}

/** The running bot's view: one line per pair, the run's PnL, feed health. */
export function apiLines(apiUrl: string, s: StatusJson): string[] {
  const lines = [`bot: RUNNING, ${s.mode} mode, up ${uptime(s.uptimeSec)}${s.stopping ? `, stopping (${s.stopping})` : ''} (${apiUrl})`];
  for (const p of s.pairs) {
    const pos = p.position;
    const where = pos ? `${pos.direction} ${pos.size} long ${pos.longVenue ?? '?'} / short ${pos.shortVenue ?? '?'}, entry ${formatPct(pos.entrySpread)}, uPnL ${usd(pos.mark?.netUsd)} net` : 'flat';
    const halt = p.halted ? `HALTED: ${p.haltReason ?? 'halted'}` : 'trading';
    lines.push(`  ${p.pair}: ${p.phase}; ${where}; rPnL ${usd(p.realised.netPnlUsd)} net (${trips(p.realised.roundTrips)}, fees ${usd(-p.realised.feesUsd)}); ${halt}`);
  }
  if (s.pnl) {
    lines.push(
      `  run PnL: realised net ${usd(s.pnl.realisedNetUsd)} = gross ${usd(s.pnl.realisedGrossUsd)} - every fee paid $${s.pnl.feesUsd.toFixed(2)} (open positions' entries too) + funding ${usd(s.pnl.fundingUsd)}; unrealised ${usd(s.pnl.unrealisedNetUsd)} net of exit fees`,
    );
  }
  const stale = s.feeds.filter((f) => f.stale);
  lines.push(`  feeds: ${s.feeds.length} (${stale.length === 0 ? 'all fresh' : `STALE: ${stale.map((f) => `${f.venue} ${f.symbol} (${f.staleReason ?? 'stale'})`).join(', ')}`})`);
  return lines;
}

/** The journal's view: positions, realised PnL and halts. */
export function journalLines(journalDir: string, pairs: readonly JournalPair[], maxLossUsd?: number): string[] {
  const lines = [`journal: ${journalDir}`];
  for (const j of pairs) {
    const { halts: h, position: p, realised: r } = j;
    if (!h.exists) {
      lines.push(`  ${h.pair}: no journal yet (never traded from this journal_dir)`);
      continue;
    }
    const where = p
      ? `OPEN ${p.direction} ${p.size} long ${p.longVenue} @ ${p.longEntryPrice} / short ${p.shortVenue} @ ${p.shortEntryPrice}, entry ${formatPct(p.entrySpread)}, entry fees $${p.entryFeesUsd.toFixed(2)}, since ${new Date(p.openedAt).toISOString()}`
      : h.phase;
    const since = r.since !== undefined ? ` since ${new Date(r.since).toISOString()}` : '';
    const outside = r.closedOutside > 0 ? `; ${r.closedOutside} closed outside the bot, PnL UNKNOWN (not in these figures)` : '';
    lines.push(`  ${h.pair}: ${where}; realised ${usd(r.netUsd)} net = gross ${usd(r.grossUsd)} - fees $${r.feesUsd.toFixed(2)} (${trips(r.roundTrips)}${since})${outside}`);
  }
  const halted = pairs.map((j) => j.halts).filter(isHalted);
  lines.push(halted.length === 0 ? '  halts: none' : '  halts:', ...haltLines(halted).map((l) => `    ${l}`));
  lines.push(...lossBudgetLines(pairs.map((j) => j.halts), maxLossUsd).map((l) => `  ${l}`));
  return lines;
}

/** The whole `status` output. */
export function statusLines(apiUrl: string, api: ApiStatusResult, journalDir: string, pairs: readonly JournalPair[], maxLossUsd?: number): string[] {
  const head = api.ok
    ? apiLines(apiUrl, api.status)
    : [api.running ? `bot: no status from ${apiUrl}: ${api.reason}` : `bot: not running (${api.reason} on ${apiUrl}; a bot started with --no-api is not seen)`];
  return [...head, ...journalLines(journalDir, pairs, maxLossUsd)];
}

/** The `status` command's text: the API at `apiUrl` (default from the config's api.host and api.port), then the journals. */
export async function statusReport(o: { config: BotConfig; journalDir: string; apiUrl: string | undefined; apiPort: number | undefined; token: string | undefined }): Promise<string> {
  const host = o.config.api.host.includes(':') ? `[${o.config.api.host}]` : o.config.api.host;
  const url = o.apiUrl ?? `http://${host}:${o.apiPort ?? o.config.api.port}`;
  const api = await fetchApiStatus(url, o.token);
  return `${statusLines(url, api, o.journalDir, readJournalPairs(o.config, o.journalDir), o.config.risk.maxLossUsd).join('\n')}\n`;
}
