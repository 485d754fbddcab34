/**
 * One clock for every live countdown on the page. It ticks once a second, on
 * the whole seconds of the server's clock, and each tick runs in an animation
 * frame: every visible cell writes its text in the same frame, so the page
 * lays out at most once a second however many countdowns it shows (a tick
 * per frame laid it out ~30 times a second with nothing changing, as cells
 * crossed their tenths at different moments). A hidden tab gets no frames,
 * so it writes nothing.
 */
export type FrameListener = (serverNow: number) => void;

export interface FrameScheduler {
  request(callback: () => void): number;
  cancel(handle: number): void;
}

export interface TickTimer {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const TICK_MS = 1000;

const globalTimer: TickTimer = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class FrameClock {
  private readonly listeners = new Set<FrameListener>();
  private timer: unknown = null;
  private frame: number | null = null;

  constructor(
    readonly now: () => number,
    private readonly scheduler: FrameScheduler,
    private readonly timers: TickTimer = globalTimer,
  ) {}

  add(listener: FrameListener): () => void {
    this.listeners.add(listener);
    if (this.timer === null && this.frame === null) this.schedule();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  private schedule(): void {
    // A few ms past the boundary, so a cell flooring the server's time reads the new second.
    const delayMs = TICK_MS - (((this.now() % TICK_MS) + TICK_MS) % TICK_MS) + 5;
    this.timer = this.timers.set(() => {
      this.timer = null;
      this.frame = this.scheduler.request(this.tick);
    }, delayMs);
  }

  private stop(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    if (this.frame !== null) this.scheduler.cancel(this.frame);
    this.timer = null;
    this.frame = null;
  }

  private tick = (): void => {
    this.frame = null;
    const now = this.now();
    for (const listener of [...this.listeners]) listener(now);
    if (this.listeners.size > 0 && this.timer === null) this.schedule();
  };
}
