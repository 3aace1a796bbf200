/**
 * `--sim-model JSON`: overrides of the simulated market's parameters (the market model and the venues'
 * order latency), checked key by key. An unknown key is refused (a typo would otherwise leave the
 * default in force and the run would look normal).
 */
import { closest } from 'fastest-levenshtein';
import { DEFAULT_MARKET_MODEL, type MarketModelOptions } from './market-model';
import { DEFAULT_ORDER_LATENCY, type OrderLatencyOptions } from './order-latency';

type SimModelOptions = MarketModelOptions & OrderLatencyOptions;
const DEFAULT_SIM_MODEL: SimModelOptions = { ...DEFAULT_MARKET_MODEL, ...DEFAULT_ORDER_LATENCY };

type Rule = 'positive' | 'nonNegative' | 'any' | 'positiveInteger' | 'nonNegativeInteger';

interface KeyDoc {
  readonly meaning: string;
  readonly rule: Rule;
}

/** Every key of the sim model, with what it means and what it accepts (the compiler checks the list is whole). */
export const MARKET_MODEL_KEYS: { readonly [K in keyof SimModelOptions]: KeyDoc } = {
  stepMs: { meaning: 'model time one book update advances, ms', rule: 'positive' },
  volatilityPct: { meaning: 'volatility of the shared mid, % per sqrt(second)', rule: 'nonNegative' },
  basisMeanPct: { meaning: 'mean of the basis (Vest mid over Paradex mid), %', rule: 'any' },
  basisStdPct: { meaning: 'standard deviation of the basis, % (larger: wider spreads)', rule: 'nonNegative' },
  basisTauSec: { meaning: 'mean-reversion time of the basis, s (smaller: faster spreads)', rule: 'positive' },
  paradexHalfSpreadPct: { meaning: 'Paradex best bid/ask distance from its mid, %', rule: 'nonNegative' },
  paradexLevels: { meaning: 'Paradex levels per side', rule: 'positiveInteger' },
  paradexLevelSpacingPct: { meaning: 'spacing of deeper Paradex levels, % of mid', rule: 'positive' },
  paradexTopNotionalUsd: { meaning: 'typical notional of the top Paradex level, USD', rule: 'positive' },
  paradexChurnLevels: { meaning: 'Paradex levels per side redrawn each update', rule: 'nonNegativeInteger' },
  vestHalfSpreadPct: { meaning: 'Vest quote distance from its mid at the top, %', rule: 'nonNegative' },
  vestLevels: { meaning: 'Vest levels per side', rule: 'positiveInteger' },
  vestLevelSpacingPct: { meaning: 'Vest price step between levels, % of mid', rule: 'positive' },
  vestTopNotionalUsd: { meaning: 'typical notional of the top Vest level, USD', rule: 'positive' },
  basisJumpsPerMin: { meaning: 'basis jumps per minute on average (0 = none)', rule: 'nonNegative' },
  basisJumpStdPct: { meaning: 'standard deviation of one basis jump, %', rule: 'nonNegative' },
  basisDriftStdPct: { meaning: 'standard deviation of the slow drift of the basis mean, % (0 = fixed mean)', rule: 'nonNegative' },
  basisDriftTauSec: { meaning: 'mean-reversion time of that drift, s', rule: 'positive' },
  vestQuoteNoisePct: { meaning: 'transient noise of the Vest quotes, redrawn every update, %', rule: 'nonNegative' },
  thinBooksPerMin: { meaning: 'thin-book spells per minute on average (0 = none)', rule: 'nonNegative' },
  thinBookSec: { meaning: 'length of a thin-book spell, s', rule: 'positive' },
  thinBookDepthFactor: { meaning: 'depth during a thin spell, fraction of normal', rule: 'positive' },
  paradexOrderDelayMs: { meaning: 'Paradex: fixed time from accepting an order to matching it, ms', rule: 'nonNegative' },
  paradexOrderJitterMs: { meaning: 'Paradex: mean of the random extra (exponential, cut at 5x), ms (0 = none)', rule: 'nonNegative' },
  vestOrderDelayMs: { meaning: 'Vest: fixed time from accepting an order to executing it, ms', rule: 'nonNegative' },
  vestOrderJitterMs: { meaning: 'Vest: mean of the random extra (exponential, cut at 5x), ms (0 = none)', rule: 'nonNegative' },
  usdcUsd: { meaning: 'USD per USDC: Vest (USDC) prices are Paradex (USD) ones / this; run the bot with market.usdc_usd equal (1 = par)', rule: 'positive' },
};

const RULE_TEXT: Record<Rule, string> = {
  positive: 'must be a number > 0',
  nonNegative: 'must be a number >= 0',
  any: 'must be a finite number',
  positiveInteger: 'must be an integer >= 1',
  nonNegativeInteger: 'must be an integer >= 0',
};

function obeys(rule: Rule, n: number): boolean {
  switch (rule) {
    case 'positive':
      return n > 0;
    case 'nonNegative':
      return n >= 0;
    case 'any':
      return true;
    case 'positiveInteger':
      return Number.isInteger(n) && n >= 1;
    case 'nonNegativeInteger':
      return Number.isInteger(n) && n >= 0;
  }
}

const KNOWN = Object.keys(MARKET_MODEL_KEYS) as Array<keyof SimModelOptions>;

/** Thrown with one line naming the key, the value and the rule. */
export class SimModelError extends Error {
  constructor(message: string) {
    super(`--sim-model: ${message}`);
    this.name = 'SimModelError';
  }
}

/** Parses `--sim-model` JSON into model overrides; throws SimModelError on anything else. */
export function parseSimModel(json: string): Partial<SimModelOptions> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new SimModelError(`must be a JSON object such as '{"basisTauSec":1}', got ${JSON.stringify(json)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SimModelError(`must be a JSON object of numbers such as '{"basisTauSec":1}', got ${JSON.stringify(json)}`);
  }
  const overrides: Partial<Record<keyof SimModelOptions, number>> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(KNOWN as string[]).includes(key)) {
      throw new SimModelError(`unknown key ${JSON.stringify(key)} (did you mean ${closest(key, KNOWN)}?); known keys: ${KNOWN.join(', ')}`);
    }
    const doc = MARKET_MODEL_KEYS[key as keyof SimModelOptions];
    if (typeof value !== 'number' || !Number.isFinite(value) || !obeys(doc.rule, value)) {
      throw new SimModelError(`${key} = ${JSON.stringify(value)}: ${RULE_TEXT[doc.rule]}`);
    }
    overrides[key as keyof SimModelOptions] = value;
  }
  return overrides;
}

/** The keys for `--help`: one line each, with the default. */
export function simModelHelp(): string {
  const width = Math.max(...KNOWN.map((k) => k.length));
  return KNOWN.map((k) => `  ${k.padEnd(width)}  ${String(DEFAULT_SIM_MODEL[k]).padStart(6)}  ${MARKET_MODEL_KEYS[k].meaning}`).join('\n');
}
