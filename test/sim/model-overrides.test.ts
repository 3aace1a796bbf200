import { DEFAULT_MARKET_MODEL } from '../../src/sim/market-model';
import { DEFAULT_ORDER_LATENCY } from '../../src/sim/order-latency';
import { MARKET_MODEL_KEYS, parseSimModel, simModelHelp, SimModelError } from '../../src/sim/model-overrides';

function errorOf(json: string): string {
  try {
    parseSimModel(json);
  } catch (err) {
    expect(err).toBeInstanceOf(SimModelError);
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('--sim-model', () => {
  it('accepts known keys with valid values', () => {
    expect(parseSimModel('{"basisTauSec":0.8,"basisStdPct":0.16,"vestLevels":20,"basisMeanPct":-0.05}')).toEqual({
      basisTauSec: 0.8,
      basisStdPct: 0.16,
      vestLevels: 20,
      basisMeanPct: -0.05,
    });
    expect(parseSimModel('{}')).toEqual({});
  });

  it('refuses an unknown key, suggesting the nearest and listing every known key', () => {
    const message = errorOf('{"basisTau":1}');
    expect(message).toMatch(/^--sim-model: unknown key "basisTau" \(did you mean basisTauSec\?\); known keys: /);
    for (const key of Object.keys(DEFAULT_MARKET_MODEL)) expect(message).toContain(key);
  });

  it('names the key, the value and the rule of a bad value', () => {
    expect(errorOf('{"basisTauSec":0}')).toBe('--sim-model: basisTauSec = 0: must be a number > 0');
    expect(errorOf('{"vestLevels":2.5}')).toBe('--sim-model: vestLevels = 2.5: must be an integer >= 1');
    expect(errorOf('{"volatilityPct":"high"}')).toBe('--sim-model: volatilityPct = "high": must be a number >= 0');
  });

  it('refuses what is not a JSON object', () => {
    expect(errorOf('basisTauSec=1')).toMatch(/must be a JSON object/);
    expect(errorOf('[1]')).toMatch(/must be a JSON object/);
  });

  it('documents every key of the market model and of the order latency, with its default, for --help', () => {
    const keys = [...Object.keys(DEFAULT_MARKET_MODEL), ...Object.keys(DEFAULT_ORDER_LATENCY)];
    expect(Object.keys(MARKET_MODEL_KEYS).sort()).toEqual(keys.sort());
    const help = simModelHelp().split('\n');
    expect(help).toHaveLength(keys.length);
    expect(help.find((l) => l.trim().startsWith('basisTauSec'))).toMatch(/basisTauSec\s+4\s+mean-reversion/);
    expect(help.find((l) => l.trim().startsWith('vestOrderDelayMs'))).toMatch(/vestOrderDelayMs\s+60\s+Vest: fixed time/);
  });

  it('takes the order latency keys, 0 included (orders matched on arrival)', () => {
    expect(parseSimModel('{"paradexOrderDelayMs":0,"paradexOrderJitterMs":0,"vestOrderDelayMs":150,"vestOrderJitterMs":25}')).toEqual({
      paradexOrderDelayMs: 0,
      paradexOrderJitterMs: 0,
      vestOrderDelayMs: 150,
      vestOrderJitterMs: 25,
    });
    expect(errorOf('{"vestOrderJitterMs":-1}')).toBe('--sim-model: vestOrderJitterMs = -1: must be a number >= 0');
  });
});
