/**
 * Cost of reading one owned socket's state through the addon, against the
 * same answer from spawning `ss` for that one socket, measured in the same run.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, statSync } from 'node:fs';
import net from 'node:net';

import { getKeepalive, getTcpInfo, openFileInNetns, setKeepalive } from '@keepalive-dashboard/native';

const SYSCTL_FILE = '/proc/sys/net/ipv4/tcp_keepalive_time';

function time(iterations: number, fn: () => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1000 / iterations;
}

export async function run(): Promise<void> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const client = net.connect(port, '127.0.0.1');
  await once(client, 'connect');
  try {
    const tcpInfoUs = time(100_000, () => getTcpInfo(client));
    const getUs = time(100_000, () => getKeepalive(client));
    const setUs = time(100_000, () => setKeepalive(client, { idleSec: 60, intervalSec: 10 }));
    // Entering costs a thread (spawn, setns, exit) per call: our own namespace
    // by /proc/self/ns/net measures it without creating one.
    const ownNetns = { path: '/proc/self/ns/net', inode: statSync('/proc/self/ns/net').ino };
    const inNetnsUs = time(2_000, () => closeSync(openFileInNetns(ownNetns, SYSCTL_FILE, 'r')));
    const openUs = time(2_000, () => closeSync(openSync(SYSCTL_FILE, 'r')));
    const filter = `( sport = :${client.localPort} )`;
    const ssUs = time(50, () => execFileSync('ss', ['-tnoiH', 'state', 'established', filter]));
    const rows = [
      ['getTcpInfo(fd)', tcpInfoUs],
      ['getKeepalive(fd)', getUs],
      ['setKeepalive(fd, idle+intvl)', setUs],
      ['open + close a sysctl file', openUs],
      ['the same through openFileInNetns (thread + setns)', inNetnsUs],
      ['spawn `ss -tnoiH` for one socket', ssUs],
    ] as const;
    console.log('| operation | µs per call | × faster than ss |');
    console.log('|---|---:|---:|');
    for (const [name, us] of rows) console.log(`| ${name} | ${us.toFixed(2)} | ${(ssUs / us).toFixed(0)} |`);
  } finally {
    client.destroy();
    server.close();
  }
}
