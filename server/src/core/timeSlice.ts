/**
 * Cooperative time slicing for long analyses: a step generator asks `due()` in its loops and yields when
 * its slice is used up, so that the language server can answer requests between slices.
 */
export class TimeSlice {
  private last = Date.now();
  private n = 0;

  constructor(private readonly budgetMs = 20) {}

  /** True (and the slice restarts) when the budget is spent; checks the clock only every 64 calls. */
  due(): boolean {
    if ((++this.n & 63) !== 0) return false;
    const now = Date.now();
    if (now - this.last < this.budgetMs) return false;
    this.last = now;
    return true;
  }
}
