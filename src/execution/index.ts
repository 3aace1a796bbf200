/**
 * `vest-paradex-arb/execution`: what `arbitrageBot` trades through. `createExecutor` gives one pair's
 * executor (the `executorFor` of `BotDeps`): both legs at once, unwinding a lone leg, closing, and
 * reconciling its journal with the venues at start. Every order it sends is journalled first
 * (`openJournal`: one append-only, fsynced file per pair), so a restart resumes what a crash left.
 */
export { clientIdGenerator, createExecutor } from './executor';
export type {
  CloseBooks,
  CloseReport,
  Executor,
  ExecutorOptions,
  Exposure,
  LateFillsResult,
  LegFill,
  OpenPosition,
  OpenResult,
  PairExposure,
  Reconciliation,
  RestoreResult,
} from './executor';
export { deriveState, describeProblem, openJournal, parseJournal } from './journal';
export type { CorruptLine, Journal, JournalEntry, JournalEntryKind, JournalProblem, JournalState, OpenJournalOptions } from './journal';
export { exposureText, journalExposure, pairExposureText } from './reconcile';
