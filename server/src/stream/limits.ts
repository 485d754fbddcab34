/**
 * What one stream client may ask for. The UI pings every 20 s and selects a
 * row per click; the bursts are generous so a person (or a test that pings
 * after every frame) never meets them, and the rates keep one client's cost
 * a few frames a second.
 */
export const STREAM_LIMITS = {
  /** Pings answered at once, then per second; the rest are ignored. */
  pingBurst: 300,
  pingPerSec: 20,
  /** Ignored pings after which the client is closed (1008): nobody pings that much by accident. */
  pingFloodAfter: 1000,
  /** Selects applied at once, then per second; the ones in between are coalesced, the latest applied when allowed. */
  selectBurst: 8,
  selectPerSec: 2,
  /** Window requests (one per scroll stop, sort or filter change) likewise: a scrolling person sends a few a second. */
  windowBurst: 20,
  windowPerSec: 8,
  /**
   * Unsent bytes under which a client is still sent frames made for it alone
   * (detail, error, pong): the most of them a client that stops reading holds.
   */
  replyBudgetBytes: 64 * 1024,
} as const;

/** WebSocket close codes (RFC 6455 §7.4.1). */
export const CLOSE_POLICY_VIOLATION = 1008;
