// An answer asked for before anything shows it: the first read that wants it takes the request already
// under way instead of asking again. Each is taken once, and only while young: a later read asks anew.

export class EarlyAnswers<T> {
  private readonly started = new Map<string, { at: number; answer: Promise<T> }>();

  /** @param maxAgeMs how long an answer waits to be taken */
  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Starts `ask` now, for the first `take(key)`. */
  start(key: string, ask: () => Promise<T>): void {
    const at = this.now();
    for (const [k, v] of this.started) if (at - v.at > this.maxAgeMs) this.started.delete(k);
    const answer = ask();
    answer.catch(() => undefined); // a failure is the taker's to see; one never taken is no error
    this.started.set(key, { at, answer });
  }

  /** The answer started for `key`, once, if it is young enough; else undefined (ask yourself). */
  take(key: string): Promise<T> | undefined {
    const found = this.started.get(key);
    this.started.delete(key);
    return found && this.now() - found.at <= this.maxAgeMs ? found.answer : undefined;
  }
}
