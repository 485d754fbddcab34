/** TCP states as the kernel numbers them (include/net/tcp_states.h). */
export const TCP_STATE_NAMES = [
  'UNKNOWN',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
] as const;

/** Congestion-avoidance states (enum tcp_ca_state). */
export const CA_STATE_NAMES = ['Open', 'Disorder', 'CWR', 'Recovery', 'Loss'] as const;

/**
 * The running kernel's struct tcp_info. Every field is optional: one the
 * kernel did not return (an older kernel, a shorter struct) is absent, not 0.
 * Units follow the kernel: times named rto/ato/rtt… are microseconds, last*
 * are milliseconds ago, rates are bytes per second, counts are segments.
 */
export interface TcpInfo {
  /** Bytes of struct tcp_info the kernel returned. */
  length: number;
  state?: (typeof TCP_STATE_NAMES)[number];
  /** Kernel state number, for states this build does not name. */
  stateCode?: number;
  caState?: (typeof CA_STATE_NAMES)[number] | `CA_${number}`;
  /** Unanswered retransmissions of the RTO timer (icsk_retransmits). */
  retransmits?: number;
  /** Unanswered zero-window or keepalive probes (icsk_probes_out). */
  probes?: number;
  backoff?: number;
  /** TCPI_OPT_* bit set. */
  options?: number;
  sndWscale?: number;
  rcvWscale?: number;
  deliveryRateAppLimited?: boolean;
  fastopenClientFail?: number;
  /** Retransmission timeout, µs. */
  rto?: number;
  /** Delayed-ACK timeout, µs. */
  ato?: number;
  sndMss?: number;
  rcvMss?: number;
  /** Segments sent and not yet acknowledged. */
  unacked?: number;
  sacked?: number;
  lost?: number;
  retrans?: number;
  fackets?: number;
  /** ms since data was last sent. */
  lastDataSent?: number;
  /** Never filled by Linux ("not remembered"), kept for completeness. */
  lastAckSent?: number;
  /** ms since data was last received. */
  lastDataRecv?: number;
  /** ms since an ACK was last received. */
  lastAckRecv?: number;
  /** Path MTU, bytes. */
  pmtu?: number;
  rcvSsthresh?: number;
  /** Smoothed round-trip time, µs. */
  rtt?: number;
  /** Round-trip time variance, µs. */
  rttvar?: number;
  sndSsthresh?: number;
  /** Congestion window, segments. */
  sndCwnd?: number;
  advmss?: number;
  reordering?: number;
  /** Receiver-side RTT estimate, µs. */
  rcvRtt?: number;
  rcvSpace?: number;
  totalRetrans?: number;
  /** bytes/s */
  pacingRate?: number;
  /** bytes/s */
  maxPacingRate?: number;
  bytesAcked?: number;
  bytesReceived?: number;
  segsOut?: number;
  segsIn?: number;
  /** Bytes written by the application and not yet sent. */
  notsentBytes?: number;
  /** µs */
  minRtt?: number;
  dataSegsIn?: number;
  dataSegsOut?: number;
  /** bytes/s */
  deliveryRate?: number;
  /** µs */
  busyTime?: number;
  /** µs */
  rwndLimited?: number;
  /** µs */
  sndbufLimited?: number;
  delivered?: number;
  deliveredCe?: number;
  bytesSent?: number;
  bytesRetrans?: number;
  dsackDups?: number;
  reordSeen?: number;
  rcvOoopack?: number;
  /** Peer's advertised window after scaling, bytes. */
  sndWnd?: number;
  /** Our advertised window, bytes (Linux ≥ 6.2). */
  rcvWnd?: number;
  rehash?: number;
  totalRto?: number;
  totalRtoRecoveries?: number;
  /** ms spent in RTO recovery (Linux ≥ 6.7). */
  totalRtoTime?: number;
}

/** Names the kernel's numeric state fields; the rest passes through. */
export function nameTcpInfo(raw: Record<string, number | boolean | undefined>): TcpInfo {
  const info = { ...raw } as unknown as TcpInfo & { state?: unknown; caState?: unknown };
  const state = raw.state;
  if (typeof state === 'number') {
    info.stateCode = state;
    info.state = TCP_STATE_NAMES[state] ?? 'UNKNOWN';
  }
  const ca = raw.caState;
  if (typeof ca === 'number') info.caState = CA_STATE_NAMES[ca] ?? (`CA_${ca}` as const);
  return info as TcpInfo;
}
