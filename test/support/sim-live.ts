/**
 * The simulated venues as a live deployment sees them: the test owns the venues (and their fault
 * knobs), and the bot reaches them exactly as it reaches the real hosts, through the config's URLs and
 * the account keys of `.env` (live mode). Nothing here can reach a real venue: every URL is loopback.
 */
import { parse as parseYaml } from 'yaml';
import { parseConfigObject, type BotConfig, type VenueCredentials, type VenueEndpoints } from '../../src/config';
import { startSimVenues, type SimVenueOptions, type SimVenues } from '../../src/sim/index';
import { newParadexAccount } from '../../src/venues/paradex/signing';
import { createParadexVenue } from '../../src/venues/paradex/venue';
import type { Venue } from '../../src/venues/venue';
import { newVestKeys } from '../../src/venues/vest/signing';
import { createVestVenue } from '../../src/venues/vest/venue';

export interface SimAsLive {
  readonly sim: SimVenues;
  readonly endpoints: VenueEndpoints;
  readonly credentials: VenueCredentials;
  /** The original bot's .env variables for these accounts. */
  readonly env: Readonly<Record<string, string>>;
  /** config.yaml text for live mode on these venues (explicit risk limits), with extra YAML appended. */
  configYaml(journalDir: string, extra?: string): string;
  /** The same, parsed. */
  config(journalDir: string, extra?: string): BotConfig;
  /** What the account holds now, [Vest BTC-PERP, Paradex BTC-USD-PERP], read through fresh clients. */
  holdings(): Promise<[number, number]>;
}

export async function simAsLive(options: SimVenueOptions = {}): Promise<SimAsLive> {
  const pdx = newParadexAccount();
  const vk = newVestKeys();
  // The Paradex account exists already (onboarded in the UI), as a live account would.
  const sim = await startSimVenues({ seed: 7, ...options, paradexTrading: { accounts: [{ address: pdx.address, publicKey: pdx.publicKey }] } });
  const env = {
    VEST_PRIMARY_ADDR: vk.primaryAddr,
    VEST_PRIMARY_KEY: vk.primaryKey,
    VEST_SIGNING_KEY: vk.signingKey,
    PARADEX_PRIVATE_KEY: pdx.privateKey,
    PARADEX_ACCOUNT_ADDRESS: pdx.address,
  };
  const configYaml = (journalDir: string, extra = ''): string =>
    [
      'bots:',
      '  - pair: BTC-PERP',
      '    position_size: 0.01',
      'risk:',
      '  max_position_base: 0.01',
      '  max_notional_usd: 5000',
      '  max_loss_usd: 100',
      'venues:',
      '  paradex:',
      `    rest_url: ${sim.paradex.rest}`,
      `    ws_url: ${sim.paradex.ws}`,
      '  vest:',
      `    rest_url: ${sim.vest.rest}`,
      `    ws_url: "${sim.vest.ws}"`,
      `journal_dir: ${JSON.stringify(journalDir)}`,
      extra,
      '',
    ].join('\n');
  return {
    sim,
    endpoints: {
      paradex: { restUrl: sim.paradex.rest, wsUrl: sim.paradex.ws, encoding: 'sbe' },
      vest: { restUrl: sim.vest.rest, wsUrl: sim.vest.ws, accountGroup: 0 },
    },
    credentials: {
      vest: { primaryAddr: vk.primaryAddr, primaryKey: vk.primaryKey, signingKey: vk.signingKey, apiKey: undefined, production: true, accountGroup: 0 },
      paradex: { privateKey: pdx.privateKey as `0x${string}`, accountAddress: pdx.address as `0x${string}`, production: true },
    },
    env,
    configYaml,
    config: (journalDir, extra) => parseConfigObject(parseYaml(configYaml(journalDir, extra))).config,
    holdings: async () => {
      const vest = createVestVenue({ restUrl: sim.vest.rest, wsUrl: sim.vest.ws, keys: { primaryKey: vk.primaryKey, signingKey: vk.signingKey } });
      const paradex = createParadexVenue({ restUrl: sim.paradex.rest, wsUrl: sim.paradex.ws, account: { address: pdx.address, privateKey: pdx.privateKey } });
      const size = async (v: Venue, symbol: string) => (await v.positions()).filter((p) => p.symbol === symbol).reduce((sum, p) => sum + p.size, 0);
      try {
        return [await size(vest, 'BTC-PERP'), await size(paradex, 'BTC-USD-PERP')];
      } finally {
        await Promise.all([vest.close(), paradex.close()]);
      }
    },
  };
}
