import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, readdirSync, readFileSync, readlinkSync, readSync, statSync, writeSync } from 'node:fs';
import { test, type TestContext } from 'node:test';

import {
  createTcpSocketDiffer,
  destroySocket,
  dumpTcpSockets,
  dumpTcpSocketsAsync,
  lookupTcpSocketsAsync,
  openFileInNetns,
  type DiagSocket,
  type NetnsTarget,
  type TcpSocketTable,
} from '@keepalive-dashboard/native';

import { spawnChild, type Child } from '../helpers/processes.js';

const START_NS = readlinkSync('/proc/self/ns/net');
const HOST_KEEPALIVE_FILE = '/proc/sys/net/ipv4/tcp_keepalive_time';
const HOST_KEEPALIVE = readFileSync(HOST_KEEPALIVE_FILE, 'utf8');

let created = 0;
/** A fresh namespace with loopback up, deleted when the test ends (pass or fail). */
function createNamespace(t: TestContext): { name: string; netns: NetnsTarget } {
  created += 1;
  const name = `ka-nt-${process.pid}-${created}`;
  execFileSync('ip', ['netns', 'add', name]);
  t.after(() => execFileSync('ip', ['netns', 'delete', name]));
  execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  const path = `/run/netns/${name}`;
  return { name, netns: { path, inode: statSync(path).ino } };
}

// A listener and a connected keepalive pair on 127.0.0.1. stdin: `close-listener`;
// it reports the client socket's fate as {event, code}.
const PAIR = `
import errno, json, select, socket, sys
ls = socket.socket(); ls.bind(('127.0.0.1', 0)); ls.listen()
c = socket.socket(); c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 600); c.connect(ls.getsockname())
a, _ = ls.accept()
print(json.dumps({'listen': ls.getsockname()[1], 'client': c.getsockname()[1]}), flush=True)
while True:
    ready, _, _ = select.select([sys.stdin, c], [], [])
    if c in ready:
        try: c.recv(1); print(json.dumps({'event': 'eof'}), flush=True)
        except OSError as e: print(json.dumps({'event': 'error', 'code': errno.errorcode[e.errno]}), flush=True)
        break
    line = sys.stdin.readline()
    if not line: break
    if line.strip() == 'close-listener': ls.close(); print('closed', flush=True)
`;

interface Pair {
  netns: NetnsTarget;
  child: Child;
  listenPort: number;
  clientPort: number;
}

async function pairInNamespace(t: TestContext): Promise<Pair> {
  const { name, netns } = createNamespace(t);
  const child = spawnChild(t, 'ip', ['netns', 'exec', name, 'python3', '-c', PAIR]);
  const ports = JSON.parse(await child.nextLine()) as { listen: number; client: number };
  return { netns, child, listenPort: ports.listen, clientPort: ports.client };
}

/** The pair's three sockets (listener, client, accepted) in a dump. */
const pairSockets = (table: TcpSocketTable, pair: Pair): DiagSocket[] =>
  table.toArray().filter((s) => [pair.listenPort, pair.clientPort].includes(s.local.port) && s.local.address === '127.0.0.1');

const client = (table: TcpSocketTable, pair: Pair): DiagSocket | undefined =>
  pairSockets(table, pair).find((s) => s.local.port === pair.clientPort);

test('a dump inside the namespace lists exactly its pair; the host dump does not', async (t) => {
  const pair = await pairInNamespace(t);
  const inside = pairSockets(await dumpTcpSocketsAsync(pair.netns), pair);
  const ends = inside.map((s) => `${s.state} ${s.local.port}>${s.peer.port}`).sort();
  const { listenPort: l, clientPort: c } = pair;
  assert.deepEqual(ends, [`ESTABLISHED ${c}>${l}`, `ESTABLISHED ${l}>${c}`, `LISTEN ${l}>0`].sort());
  assert.deepEqual(pairSockets(dumpTcpSockets(pair.netns), pair).length, 3, 'the sync dump agrees');
  const hostCookies = new Set(dumpTcpSockets().toArray().map((s) => s.cookie));
  assert.deepEqual(inside.filter((s) => hostCookies.has(s.cookie)), []);
});

test('a differ bound to the namespace: the pair changed, then nothing, then the closed listener removed', async (t) => {
  const pair = await pairInNamespace(t);
  const differ = createTcpSocketDiffer(pair.netns);
  t.after(() => differ.close());
  const first = await differ.sweep(50);
  const cookies = pairSockets(first.changed, pair).map((s) => s.cookie);
  assert.equal(cookies.length, 3);
  const second = await differ.sweep(50);
  assert.deepEqual(pairSockets(second.changed, pair), []);
  assert.equal(second.total, 3);
  const listener = pairSockets(first.changed, pair).find((s) => s.state === 'LISTEN');
  pair.child.child.stdin?.write('close-listener\n');
  assert.equal(await pair.child.nextLine(), 'closed');
  assert.deepEqual((await differ.sweep(50)).removed, [listener?.cookie]);
});

test('a lookup by key finds the socket inside its namespace and misses it in ours', async (t) => {
  const pair = await pairInNamespace(t);
  const socket = client(await dumpTcpSocketsAsync(pair.netns), pair);
  assert.ok(socket);
  const key = { family: socket.family, local: socket.local, peer: socket.peer, cookie: socket.cookie };
  const inside = await lookupTcpSocketsAsync([key], pair.netns);
  assert.deepEqual([inside.found.length, inside.found.cookie(0), inside.missing], [1, socket.cookie, []]);
  const ours = await lookupTcpSocketsAsync([key]);
  assert.deepEqual([ours.found.length, ours.missing], [0, [0]]);
});

test('destroy inside the namespace: the owner sees ECONNABORTED and the socket leaves the dump', async (t) => {
  const pair = await pairInNamespace(t);
  const socket = client(await dumpTcpSocketsAsync(pair.netns), pair);
  assert.ok(socket);
  const target = { family: socket.family, src: socket.local.address, sport: socket.local.port, dst: socket.peer.address, dport: socket.peer.port, cookie: socket.cookie };
  assert.throws(() => destroySocket(target), { code: 'ENOENT' }, 'not in our namespace');
  destroySocket(target, pair.netns);
  assert.deepEqual(JSON.parse(await pair.child.nextLine()), { event: 'error', code: 'ECONNABORTED' });
  assert.equal(pairSockets(await dumpTcpSocketsAsync(pair.netns), pair).find((s) => s.cookie === socket.cookie), undefined);
});

// A listener bound (SO_BINDTODEVICE) to the namespace's own veth; prints its port, lives until stdin closes.
const BOUND = `
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b'ka-nt-a')
s.bind(('0.0.0.0', 0)); s.listen(); print(s.getsockname()[1], flush=True); sys.stdin.read()
`;

test("a device-bound socket is named by its namespace's device, and destroyed through it", async (t) => {
  const { name, netns } = createNamespace(t);
  execFileSync('ip', ['-n', name, 'link', 'add', 'ka-nt-a', 'type', 'veth', 'peer', 'name', 'ka-nt-b']);
  const [link] = JSON.parse(execFileSync('ip', ['-n', name, '-j', 'link', 'show', 'ka-nt-a'], { encoding: 'utf8' })) as { ifindex: number }[];
  const port = Number(await spawnChild(t, 'ip', ['netns', 'exec', name, 'python3', '-c', BOUND]).nextLine());
  const listener = (): DiagSocket | undefined => dumpTcpSockets(netns).toArray().find((s) => s.local.port === port);
  assert.deepEqual([listener()?.iface, listener()?.ifindex], ['ka-nt-a', link?.ifindex]);
  destroySocket({ family: 4, src: '0.0.0.0%ka-nt-a', sport: port, dst: '0.0.0.0', dport: 0 }, netns);
  assert.equal(listener(), undefined);
});

/** The whole file the fd reads, from offset 0. */
function readFd(fd: number): string {
  const buffer = Buffer.alloc(64);
  return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString();
}

test("openFileInNetns reads and writes that namespace's tcp_keepalive_time, not the host's", (t) => {
  const { name, netns } = createNamespace(t);
  execFileSync('ip', ['netns', 'exec', name, 'sysctl', '-qw', 'net.ipv4.tcp_keepalive_time=1234']);
  const reader = openFileInNetns(netns, HOST_KEEPALIVE_FILE, 'r');
  t.after(() => closeSync(reader));
  assert.equal(readFd(reader), '1234\n');
  const writer = openFileInNetns(netns, HOST_KEEPALIVE_FILE, 'w');
  t.after(() => closeSync(writer));
  writeSync(writer, '2345\n');
  assert.equal(execFileSync('ip', ['netns', 'exec', name, 'sysctl', '-n', 'net.ipv4.tcp_keepalive_time'], { encoding: 'utf8' }), '2345\n');
  assert.equal(readFileSync(HOST_KEEPALIVE_FILE, 'utf8'), HOST_KEEPALIVE);
  assert.throws(() => writeSync(reader, '1\n'), { code: 'EBADF' }, "'r' opens read-only");
});

test('a namespace that is not the one meant: ESTALE, ENOENT when gone, EINVAL for a plain file', async (t) => {
  const { netns } = createNamespace(t);
  assert.throws(() => dumpTcpSockets({ ...netns, inode: netns.inode + 1 }), { code: 'ESTALE', message: /no longer names network namespace/ });
  const gone = { path: `/run/netns/ka-nt-${process.pid}-gone`, inode: netns.inode };
  await assert.rejects(dumpTcpSocketsAsync(gone), { code: 'ENOENT', message: /network namespace .* is gone/ });
  const other = createNamespace(t);
  execFileSync('ip', ['netns', 'delete', other.name]);
  execFileSync('ip', ['netns', 'add', other.name]); // re-created: the same path, another namespace
  await assert.rejects(lookupTcpSocketsAsync([], other.netns), { code: 'ESTALE' });
  const hostname = { path: '/etc/hostname', inode: statSync('/etc/hostname').ino };
  assert.throws(() => openFileInNetns(hostname, HOST_KEEPALIVE_FILE, 'r'), { code: 'EINVAL', message: /is not a network namespace/ });
});

test('openFileInNetns opens only namespace sysctls; bad targets are TypeErrors before any syscall', (t) => {
  const { netns } = createNamespace(t);
  assert.throws(() => openFileInNetns(netns, '/etc/passwd', 'r'), TypeError);
  assert.throws(() => openFileInNetns(netns, '/proc/sys/net/../../../etc/passwd', 'r'), TypeError);
  assert.throws(() => openFileInNetns(netns, HOST_KEEPALIVE_FILE, 'rw' as 'r'), TypeError);
  assert.throws(() => dumpTcpSockets({ path: '', inode: 1 }), TypeError);
  assert.throws(() => createTcpSocketDiffer({ path: netns.path, inode: 0 }), TypeError);
});

test('without CAP_SYS_ADMIN: EPERM saying entering the namespace needs it', async (t) => {
  const { netns } = createNamespace(t);
  const call = `import { dumpTcpSockets } from '@keepalive-dashboard/native';
    try { dumpTcpSockets(${JSON.stringify(netns)}); console.log('{}'); }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
  const run = spawnChild(t, 'setpriv', [
    '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all',
    process.execPath, '--input-type=module', '-e', call,
  ]);
  const answer = JSON.parse(await run.nextLine()) as { code?: string; message?: string };
  if (run.child.exitCode === null) await once(run.child, 'exit');
  assert.deepEqual(answer, { code: 'EPERM', message: `entering network namespace ${netns.path} needs CAP_SYS_ADMIN` });
});

test('no fd into the namespace or its sockets outlives a call', async (t) => {
  const pair = await pairInNamespace(t);
  const fds = (): string[] => readdirSync('/proc/self/fd').map((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return ''; // the directory's own fd, closed by now
    }
  });
  const before = fds().length;
  const differ = createTcpSocketDiffer(pair.netns);
  await differ.sweep(50);
  closeSync(openFileInNetns(pair.netns, HOST_KEEPALIVE_FILE, 'r'));
  await lookupTcpSocketsAsync([], pair.netns);
  assert.equal(pairSockets(dumpTcpSockets(pair.netns), pair).length, 3);
  const after = fds();
  differ.close();
  assert.equal(after.length, before);
  assert.ok(!after.includes(`net:[${pair.netns.inode}]`));
});

test("no thread of this process ever left its namespace (checked after every call above)", () => {
  assert.equal(readlinkSync('/proc/self/ns/net'), START_NS);
  const tasks = readdirSync('/proc/self/task');
  assert.ok(tasks.length > 1, 'libuv pool threads are among them');
  assert.deepEqual(tasks.filter((tid) => readlinkSync(`/proc/self/task/${tid}/ns/net`) !== START_NS), []);
});
