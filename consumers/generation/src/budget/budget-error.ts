export type BudgetErrorCode = 'budget_unavailable' | 'invalid_argument';

/**
 * The budget's error family (CONVENTIONS.md rule 5). `budget_unavailable` (retriable): Redis could
 * not be reached or answered oddly, so nothing is known about the budget. `invalid_argument`: a
 * caller's bug (a negative token count, a counter without a limit), the same on every try.
 * Spending over a budget is not an error: it is the `{ ok: false }` answer of `reserve`.
 */
export class BudgetError extends Error {
  readonly code: BudgetErrorCode;
  readonly retriable: boolean;

  constructor(code: BudgetErrorCode, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'BudgetError';
    this.code = code;
    this.retriable = options.retriable ?? code === 'budget_unavailable';
  }
}
