// Capturing TCP segment headers on one interface with an AF_PACKET socket
// whose classic BPF filter runs in the kernel: only IPv4/IPv6 TCP to or from
// the ports asked for ever reach us, cut to `snaplen` bytes. Needs
// CAP_NET_RAW in the namespace's user namespace (EPERM from socket() without).
#pragma once
#include <napi.h>

namespace keepalive {

// packetOpen(ifindex, ports: number[], snaplen, netnsPath?, netnsInode?) -> fd
// (non-blocking, O_CLOEXEC), opened inside the namespace: an AF_PACKET socket
// sees the interfaces of the namespace it was created in.
Napi::Value PacketOpen(const Napi::CallbackInfo& info);

// packetRead(fd, maxPackets) -> {data: Buffer, records: Float64Array}: what is
// queued now, never waiting. 5 numbers per packet: offset into data, captured
// length, sll_pkttype, timestamp seconds, nanoseconds (CLOCK_REALTIME).
Napi::Value PacketRead(const Napi::CallbackInfo& info);

// netnsOpenNetstat(netnsPath, netnsInode) -> fd of the namespace's
// /proc/net/netstat (TcpExt counters), opened by a thread inside it.
Napi::Value NetnsOpenNetstat(const Napi::CallbackInfo& info);

}  // namespace keepalive
