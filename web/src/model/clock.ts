/**
 * The server's clock as seen from the browser. Every frame carries
 * `serverTime`; serverTime − local receive time = offset − (age + latency), so
 * the largest recent sample is the best estimate of the true offset. A window
 * (not all history) lets the estimate follow a local clock that was stepped.
 */
export class ServerClock {
  private samples: number[] = [];
  private offset = 0;

  constructor(
    private readonly localNow: () => number = Date.now,
    private readonly window = 32,
  ) {}

  observe(serverTime: number, receivedAt = this.localNow()): void {
    if (!Number.isFinite(serverTime)) return;
    this.samples.push(serverTime - receivedAt);
    if (this.samples.length > this.window) this.samples.shift();
    this.offset = Math.max(...this.samples);
  }

  /** Server ms minus local ms. */
  get offsetMs(): number {
    return this.offset;
  }

  get calibrated(): boolean {
    return this.samples.length > 0;
  }

  /** The server's epoch ms now. */
  now(): number {
    return this.localNow() + this.offset;
  }
}
