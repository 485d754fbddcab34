/**
 * One requestAnimationFrame loop for every live countdown on the page: each
 * visible cell registers a callback that writes its own text when it changes,
 * so 60 updates a second never go through React.
 */
export type FrameListener = (serverNow: number) => void;

export interface FrameScheduler {
  request(callback: () => void): number;
  cancel(handle: number): void;
}

export class FrameClock {
  private readonly listeners = new Set<FrameListener>();
  private handle: number | null = null;

  constructor(
    readonly now: () => number,
    private readonly scheduler: FrameScheduler,
  ) {}

  add(listener: FrameListener): () => void {
    this.listeners.add(listener);
    if (this.handle === null) this.handle = this.scheduler.request(this.tick);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.handle !== null) {
        this.scheduler.cancel(this.handle);
        this.handle = null;
      }
    };
  }

  private tick = (): void => {
    this.handle = null;
    const now = this.now();
    for (const listener of [...this.listeners]) listener(now);
    if (this.listeners.size > 0) this.handle = this.scheduler.request(this.tick);
  };
}
