// The player's time as a tiny store: the <video> sets it, and each part of the page that follows
// playback (playheads, the clock, the transcript, the boxes) subscribes to just what it shows, so a
// time update re-renders those few elements and never the lanes' thousands of moments.

type Listener = () => void;

export class PlayerClock {
  private ms: number;
  private readonly listeners = new Set<Listener>();

  constructor(startMs = 0) {
    this.ms = startMs;
  }

  now = (): number => this.ms;

  set(ms: number): void {
    if (ms === this.ms) return;
    this.ms = ms;
    for (const listener of this.listeners) listener();
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}
