/** The bot's configuration: config.yaml, the environment, venue endpoints and the files they come from. */
export * from './types';
export * from './errors';
export { KNOWN_PAIRS, suggestKey } from './schema';
export * from './parse';
export * from './env';
export * from './endpoints';
export * from './load';
