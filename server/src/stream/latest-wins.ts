/**
 * Requests over a rate limit coalesce: the latest one waits for the token
 * bucket and is applied when it allows; the ones in between are dropped (a
 * client scrolling or clicking fast only cares about where it ended up).
 */
import type { TokenBucket } from './token-bucket.js';

export class LatestWins<T> {
  private wanted: { value: T } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly bucket: TokenBucket,
    private readonly apply: (value: T) => void,
  ) {}

  request(value: T): void {
    this.wanted = { value };
    if (this.timer === null) this.tryApply();
  }

  /** Forgets a waiting request (it is superseded, or the client is gone). */
  cancel(): void {
    this.wanted = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private tryApply(): void {
    this.timer = null;
    const wanted = this.wanted;
    if (wanted === null) return;
    const waitMs = this.bucket.waitMs();
    if (waitMs > 0 || !this.bucket.take()) {
      this.timer = setTimeout(() => this.tryApply(), Math.max(1, waitMs));
      return;
    }
    this.wanted = null;
    this.apply(wanted.value);
  }
}
