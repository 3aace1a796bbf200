/**
 * `resume --pair P --accept-flat`: the journal holds a position the venues no longer do, because someone closed it
 * by hand at the venues. A plain resume refuses that (the journal and the venues disagree); this accepts it, and only
 * it: both legs must read flat now, and the disagreement must be the journal's position alone (a close the bot sent
 * and can find explains the flat venues on its own: the next start credits it with its real PnL).
 *
 * The close is journalled as outside the bot ('closed_outside') with its PnL unknown: it is in no PnL figure and
 * not in the loss budget, and is counted as a close of unknown PnL, never as 0.
 */
import type { Reconciliation } from '../../src/execution/executor-api';
import type { Journal } from '../../src/execution/journal';
import { exposureText } from '../../src/execution/reconcile';
import type { Exposure } from '../../src/execution/types';

/** What the command needs of the pair's executor. */
export interface AcceptFlatExecutor {
  acceptClosedOutside(reason: string): unknown;
}

/** Base sizes below this read as flat (a venue's float noise, far below any size increment). */
const FLAT_EPS = 1e-12;

export function acceptFlat(pair: string, journal: Journal, executor: AcceptFlatExecutor, check: Reconciliation): { code: 0 | 2; lines: string[] } {
  const state = journal.lastState(pair);
  const position = state.position;
  if ((state.phase !== 'open' && state.phase !== 'closing') || position === undefined) {
    return { code: 2, lines: [`${pair}: refused: --accept-flat accepts a position closed outside the bot, and the journal holds none (${state.phase})`] };
  }
  const held = check.holdings ?? [];
  const onRecord = `${state.phase} ${position.direction} ${position.size} (long ${position.longVenue} @ ${position.longEntryPrice}, short ${position.shortVenue} @ ${position.shortEntryPrice})`;
  if (check.status === 'agree') {
    return {
      code: 2,
      lines: [`${pair}: refused: the venues agree with the journal (${check.detail}): nothing was closed outside the bot`, 'resume without --accept-flat (a close the bot sent is credited with its PnL at the next start)'],
    };
  }
  const notFlat = held.filter((h: Exposure) => Math.abs(h.size) > FLAT_EPS);
  if (held.length < 2 || notFlat.length > 0) {
    return {
      code: 2,
      lines: [
        `${pair}: refused: --accept-flat needs both legs flat at the venues; they hold ${notFlat.map(exposureText).join(', ') || 'unknown'}`,
        `journal: ${onRecord}; flatten both legs first, or resume without --accept-flat once the venues agree with the journal`,
      ],
    };
  }
  const reason = `closed outside the bot: both venues read flat (${held.map(exposureText).join(', ')}); accepted by an operator (resume --accept-flat); its PnL is unknown`;
  executor.acceptClosedOutside(reason);
  return {
    code: 0,
    lines: [
      `${pair}: position on record accepted as closed outside the bot: ${onRecord}`,
      `both venues read flat: ${held.map(exposureText).join(', ')}`,
      'its close PnL is UNKNOWN: not in any PnL figure nor in the loss budget (counted as a close of unknown PnL); check the venues\' trade history for it',
      `${pair}: halt cleared; the journal is flat`,
    ],
  };
}
