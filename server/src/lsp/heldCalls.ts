/**
 * Calls the server has answered with their sensitive values redacted (a comparison's flips), kept as they were
 * decided so that a later request can decide them again without the values ever leaving the server. Only the last
 * few answers are kept.
 */
export interface HeldCall {
  agent: string;
  tool: string;
  args: unknown;
  context: unknown;
  via: string[];
}

export class HeldCalls {
  private readonly sets = new Map<string, HeldCall[]>();
  private seq = 0;

  constructor(private readonly max = 4) {}

  /** Keeps `calls`; the id to ask for them by. */
  hold(calls: HeldCall[]): string {
    const id = `calls-${++this.seq}`;
    this.sets.set(id, calls);
    for (const old of this.sets.keys()) {
      if (this.sets.size <= this.max) break;
      this.sets.delete(old);
    }
    return id;
  }

  get(id: unknown, index: unknown): HeldCall | undefined {
    if (typeof id !== 'string' || typeof index !== 'number' || !Number.isInteger(index) || index < 0) return undefined;
    const set = this.sets.get(id);
    return set && index < set.length ? set[index] : undefined;
  }
}
