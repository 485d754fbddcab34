/**
 * Which layer timed out: when a middlebox connection's client dies, the event
 * says whether the router had forgotten the flow first, and how long before
 * the client's next keepalive probe would have refreshed it.
 */
import type { EventBus } from '../../events.js';
import type { MiddleboxConnectionView } from './connection.js';
import type { Middlebox } from './middlebox.js';

export function deathSummary(c: MiddleboxConnectionView, timeoutSec: number | null): string {
  const how = c.closeCode === 'ECONNRESET' ? 'a reset' : c.closeCode === 'ETIMEDOUT' ? 'retransmission timeout (ETIMEDOUT)' : (c.closeCode ?? 'a close');
  if (c.forgottenAt === null) return `middlebox connection ${c.id} died by ${how}; the middlebox still tracked its flow`;
  let why = ', keepalive off';
  if (c.keepalive && timeoutSec !== null) {
    // The entry was last refreshed timeoutSec before it was forgotten; the first probe goes out idleSec after that last segment.
    const lateSec = c.keepalive.idleSec - timeoutSec;
    why = lateSec > 0 ? `, ${lateSec} s before the first keepalive probe would have refreshed it` : ` although keepalive idle ${c.keepalive.idleSec} s is below its ${timeoutSec} s`;
  }
  return `middlebox connection ${c.id} died by ${how}: forgotten by the middlebox at ${new Date(c.forgottenAt).toISOString()}${why}`;
}

export function announceMiddleboxDeaths(middlebox: Middlebox, events: EventBus): void {
  middlebox.on('closed', (c) => {
    if (!c.closeCode) return;
    events.emit({
      type: 'died',
      connectionId: null,
      summary: deathSummary(c, middlebox.currentSettings()?.timeoutSec ?? null),
      actor: null,
      detail: { middleboxConnection: c.id, code: c.closeCode, forgottenAt: c.forgottenAt, layer: c.forgottenAt !== null ? 'middlebox' : 'endpoint', owned: true },
    });
  });
}
