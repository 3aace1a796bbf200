/**
 * A run's options as the bot stream's settings (`botSettings`) and as the settings the report and the summary JSON
 * show (`describeSettings`). Pure mappings, split from run.ts (its room was full).
 */
import { configuredUsdcUsd } from '../../src/domain/market';
import { roundTripFeePct, type TakerFees } from '../../src/domain/spread';
import type { RunSettings } from '../../src/report/summary';
import type { BotSettings, PairSettings } from '../bot';
import type { RunOptions } from './run';

/** The bot stream's settings of a run. */
export function botSettings(opts: RunOptions, pairs: PairSettings[]): BotSettings {
  return {
    mode: opts.mode,
    pairs,
    closeOnExit: opts.closeOnExit,
    maxLossUsd: opts.config.risk.maxLossUsd,
    spreadSampleMs: 500,
    logEvery: 40,
    shutdownGraceMs: opts.shutdownGraceMs ?? opts.config.execution.shutdownGraceMs,
    ...(opts.fundingPollMs !== undefined ? { fundingAccruedMs: opts.fundingPollMs } : {}),
    fundingTolerance: opts.fundingTolerance ?? opts.config.risk.fundingTolerance,
    // Checks of a held position's funding against the venues' own; 0 = off.
    ...(opts.config.risk.fundingReconcileMinutes > 0 ? { fundingReconcileHeldMs: Math.round(opts.config.risk.fundingReconcileMinutes * 60_000) } : {}),
    // No venue publishes USDC/USD: the configured rate (market.usdc_usd, default 1), an assumption the report states.
    usdcUsd: configuredUsdcUsd(opts.config.market.usdcUsd),
  };
}

/** The settings the run traded with, for the report and the summary JSON. */
export function describeSettings(opts: RunOptions, settings: BotSettings, fees: ReadonlyMap<string, TakerFees>): RunSettings {
  return {
    mode: opts.mode,
    ...(opts.mode === 'sim' ? { seed: opts.seed } : {}),
    ...(opts.simModel ? { simModel: opts.simModel } : {}),
    closeOnExit: opts.closeOnExit,
    ...(opts.durationSec !== undefined ? { durationSec: opts.durationSec } : {}),
    spreadSampleMs: settings.spreadSampleMs,
    pairs: settings.pairs.map((p) => {
      const f = fees.get(p.id) ?? { a: 0, b: 0 };
      return {
        id: p.id,
        pair: p.pair,
        dexA: p.dexA,
        dexB: p.dexB,
        spreadEntry: p.spreadEntry,
        spreadExit: p.spreadExit,
        takerFeeA: f.a,
        takerFeeB: f.b,
        roundTripFeePct: roundTripFeePct(f),
        positionSize: p.positionSize,
        entryConfirmTicks: p.entryConfirmTicks,
        ...(p.exitConfirmTicks !== undefined ? { exitConfirmTicks: p.exitConfirmTicks } : {}),
        ...(p.spreadEntryMax !== undefined ? { spreadEntryMax: p.spreadEntryMax } : {}),
        sampleMs: p.sampleMs,
        cooldownMs: p.cooldownMs,
      };
    }),
    risk: {
      ...(settings.maxLossUsd !== undefined ? { maxLossUsd: settings.maxLossUsd } : {}),
      maxNotionalUsd: opts.config.risk.maxNotionalUsd,
      haltCooldownSec: opts.config.risk.haltCooldownSec,
      fundingTolerance: settings.fundingTolerance ?? opts.config.risk.fundingTolerance,
      fundingReconcileMinutes: opts.config.risk.fundingReconcileMinutes,
    },
    usdcUsd: settings.usdcUsd ?? configuredUsdcUsd(opts.config.market.usdcUsd),
  };
}
