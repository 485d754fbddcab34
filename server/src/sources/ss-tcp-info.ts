/**
 * The tcp_info part of `ss -i` (iproute2 tcp_stats_print), mapped to
 * ConnectionTcpInfo. ss prints a field only when it is non-zero, so once any
 * tcp_info field is seen, an absent mapped field is 0 — which the keepalive
 * arithmetic needs (unacked, notsent, lastrcv, lastack). Times: ss prints
 * rto/rtt/rttvar/minrtt in ms with %g (µs here), lastsnd/lastrcv/lastack in ms.
 */
import type { ConnectionTcpInfo } from '@keepalive-dashboard/shared';

type Field = keyof ConnectionTcpInfo;

const INTEGER_FIELDS = new Map<string, Field>([
  ['backoff', 'backoff'],
  ['pmtu', 'pmtu'],
  ['cwnd', 'sndCwnd'],
  ['bytes_acked', 'bytesAcked'],
  ['bytes_received', 'bytesReceived'],
  ['segs_out', 'segsOut'],
  ['segs_in', 'segsIn'],
  ['lastsnd', 'lastDataSent'],
  ['lastrcv', 'lastDataRecv'],
  ['lastack', 'lastAckRecv'],
  ['unacked', 'unacked'],
  ['notsent', 'notsentBytes'],
]);

const MS_FIELDS = new Map<string, Field>([['rto', 'rto'], ['minrtt', 'minRtt']]);

/**
 * Keys with no field here that ss prints for nearly every socket with
 * tcp_info: with the mapped ones (cwnd, rto, …) they prove tcp_info was there.
 * The rest (delivered, busy, …) are left unscanned.
 */
const PRESENCE_KEYS = ['mss', 'advmss', 'rcvmss', 'wscale', 'ssthresh', 'rcv_space'];

const MAPPED: readonly Field[] = [
  'rtt', 'rttvar', 'rto', 'backoff', 'unacked', 'notsentBytes', 'lastDataSent', 'lastDataRecv',
  'lastAckRecv', 'totalRetrans', 'bytesAcked', 'bytesReceived', 'sndCwnd', 'pmtu', 'minRtt', 'segsOut', 'segsIn',
];

/** Every key this module reads or recognizes, for the caller's field scanner. */
export const SS_TCP_INFO_KEYS: readonly string[] = [...INTEGER_FIELDS.keys(), ...MS_FIELDS.keys(), 'rtt', 'retrans', ...PRESENCE_KEYS];

const INTEGER = /^\d+$/;
// %g: `0.039`, `1006.49`, `1.23457e+06`.
const FLOAT = /^\d+(?:\.\d+)?(?:e[+-]?\d+)?$/;

const msToUs = (text: string): number => Math.round(Number(text) * 1000);

/**
 * Reads one `key:value` token into `info`. Returns whether the key belongs to
 * tcp_info; a value that does not parse is dropped (a newer ss may change a
 * format), never fatal.
 */
export function readSsTcpInfoField(info: ConnectionTcpInfo, key: string, value: string): boolean {
  const integerField = INTEGER_FIELDS.get(key);
  if (integerField) {
    if (INTEGER.test(value)) info[integerField] = Number(value);
    return true;
  }
  const msField = MS_FIELDS.get(key);
  if (msField) {
    if (FLOAT.test(value)) info[msField] = msToUs(value);
    return true;
  }
  if (key === 'rtt') {
    const [rtt = '', rttvar = ''] = value.split('/');
    if (FLOAT.test(rtt) && FLOAT.test(rttvar)) {
      info.rtt = msToUs(rtt);
      info.rttvar = msToUs(rttvar);
    }
    return true;
  }
  if (key === 'retrans') {
    // `retrans:<tcpi_retrans>/<tcpi_total_retrans>`; the first is segments in
    // flight that were retransmitted, not icsk_retransmits, so only the total maps.
    const [, total = ''] = value.split('/');
    if (INTEGER.test(total)) info.totalRetrans = Number(total);
    return true;
  }
  return PRESENCE_KEYS.includes(key);
}

/** Completes a tcp_info that was seen: ss omitted every mapped field that was 0. */
export function withOmittedZeros(info: ConnectionTcpInfo): ConnectionTcpInfo {
  const full: ConnectionTcpInfo = {};
  for (const field of MAPPED) full[field] = info[field] ?? 0;
  return full;
}
