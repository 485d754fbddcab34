#include "tcp_info.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

#include "errors.h"

namespace keepalive {
namespace {

// Fields newer than the <linux/tcp.h> we may be compiled against (Debian 12
// ships 6.1 headers). Offsets are the kernel ABI: struct tcp_info only grows
// at its end, so a field is there exactly when the returned length covers it.
constexpr size_t kOffRcvWnd = 232;               // 6.2
constexpr size_t kOffRehash = 236;               // 6.5
constexpr size_t kOffTotalRto = 240;             // 6.7, u16
constexpr size_t kOffTotalRtoRecoveries = 242;   // 6.7, u16
constexpr size_t kOffTotalRtoTime = 244;         // 6.7, u32 ms
constexpr size_t kBufferSize = 512;              // room for kernels newer than us

static_assert(offsetof(struct tcp_info, tcpi_snd_wnd) == 228, "tcp_info ABI changed");

template <typename T>
T Read(const uint8_t* buf, size_t offset) {
  T value;
  memcpy(&value, buf + offset, sizeof(T));
  return value;
}

}  // namespace

Napi::Object DecodeTcpInfo(Napi::Env env, const uint8_t* buf, size_t len) {
  Napi::Object out = Napi::Object::New(env);
  const struct tcp_info* ti = reinterpret_cast<const struct tcp_info*>(buf);
  out.Set("length", Napi::Number::New(env, static_cast<double>(len)));

#define KA_HAS(field) (len >= offsetof(struct tcp_info, field) + sizeof(ti->field))
#define KA_FIELD(name, field) \
  if (KA_HAS(field)) out.Set(name, Napi::Number::New(env, static_cast<double>(ti->field)))

  KA_FIELD("state", tcpi_state);
  KA_FIELD("caState", tcpi_ca_state);
  KA_FIELD("retransmits", tcpi_retransmits);
  KA_FIELD("probes", tcpi_probes);
  KA_FIELD("backoff", tcpi_backoff);
  KA_FIELD("options", tcpi_options);
  if (len >= 7) {  // the wscale bitfields share byte 6
    out.Set("sndWscale", Napi::Number::New(env, ti->tcpi_snd_wscale));
    out.Set("rcvWscale", Napi::Number::New(env, ti->tcpi_rcv_wscale));
  }
  if (len >= 8) {
    out.Set("deliveryRateAppLimited", Napi::Boolean::New(env, ti->tcpi_delivery_rate_app_limited != 0));
    out.Set("fastopenClientFail", Napi::Number::New(env, ti->tcpi_fastopen_client_fail));
  }
  KA_FIELD("rto", tcpi_rto);
  KA_FIELD("ato", tcpi_ato);
  KA_FIELD("sndMss", tcpi_snd_mss);
  KA_FIELD("rcvMss", tcpi_rcv_mss);
  KA_FIELD("unacked", tcpi_unacked);
  KA_FIELD("sacked", tcpi_sacked);
  KA_FIELD("lost", tcpi_lost);
  KA_FIELD("retrans", tcpi_retrans);
  KA_FIELD("fackets", tcpi_fackets);
  KA_FIELD("lastDataSent", tcpi_last_data_sent);
  KA_FIELD("lastAckSent", tcpi_last_ack_sent);
  KA_FIELD("lastDataRecv", tcpi_last_data_recv);
  KA_FIELD("lastAckRecv", tcpi_last_ack_recv);
  KA_FIELD("pmtu", tcpi_pmtu);
  KA_FIELD("rcvSsthresh", tcpi_rcv_ssthresh);
  KA_FIELD("rtt", tcpi_rtt);
  KA_FIELD("rttvar", tcpi_rttvar);
  KA_FIELD("sndSsthresh", tcpi_snd_ssthresh);
  KA_FIELD("sndCwnd", tcpi_snd_cwnd);
  KA_FIELD("advmss", tcpi_advmss);
  KA_FIELD("reordering", tcpi_reordering);
  KA_FIELD("rcvRtt", tcpi_rcv_rtt);
  KA_FIELD("rcvSpace", tcpi_rcv_space);
  KA_FIELD("totalRetrans", tcpi_total_retrans);
  KA_FIELD("pacingRate", tcpi_pacing_rate);
  KA_FIELD("maxPacingRate", tcpi_max_pacing_rate);
  KA_FIELD("bytesAcked", tcpi_bytes_acked);
  KA_FIELD("bytesReceived", tcpi_bytes_received);
  KA_FIELD("segsOut", tcpi_segs_out);
  KA_FIELD("segsIn", tcpi_segs_in);
  KA_FIELD("notsentBytes", tcpi_notsent_bytes);
  KA_FIELD("minRtt", tcpi_min_rtt);
  KA_FIELD("dataSegsIn", tcpi_data_segs_in);
  KA_FIELD("dataSegsOut", tcpi_data_segs_out);
  KA_FIELD("deliveryRate", tcpi_delivery_rate);
  KA_FIELD("busyTime", tcpi_busy_time);
  KA_FIELD("rwndLimited", tcpi_rwnd_limited);
  KA_FIELD("sndbufLimited", tcpi_sndbuf_limited);
  KA_FIELD("delivered", tcpi_delivered);
  KA_FIELD("deliveredCe", tcpi_delivered_ce);
  KA_FIELD("bytesSent", tcpi_bytes_sent);
  KA_FIELD("bytesRetrans", tcpi_bytes_retrans);
  KA_FIELD("dsackDups", tcpi_dsack_dups);
  KA_FIELD("reordSeen", tcpi_reord_seen);
  KA_FIELD("rcvOoopack", tcpi_rcv_ooopack);
  KA_FIELD("sndWnd", tcpi_snd_wnd);
#undef KA_FIELD
#undef KA_HAS

  if (len >= kOffRcvWnd + 4) out.Set("rcvWnd", Napi::Number::New(env, Read<uint32_t>(buf, kOffRcvWnd)));
  if (len >= kOffRehash + 4) out.Set("rehash", Napi::Number::New(env, Read<uint32_t>(buf, kOffRehash)));
  if (len >= kOffTotalRto + 2) out.Set("totalRto", Napi::Number::New(env, Read<uint16_t>(buf, kOffTotalRto)));
  if (len >= kOffTotalRtoRecoveries + 2) {
    out.Set("totalRtoRecoveries", Napi::Number::New(env, Read<uint16_t>(buf, kOffTotalRtoRecoveries)));
  }
  if (len >= kOffTotalRtoTime + 4) {
    out.Set("totalRtoTime", Napi::Number::New(env, Read<uint32_t>(buf, kOffTotalRtoTime)));
  }
  return out;
}

Napi::Value GetTcpInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = -1;
  if (!ArgFd(info, 0, &fd)) return env.Undefined();

  alignas(8) uint8_t buf[kBufferSize];
  memset(buf, 0, sizeof buf);
  socklen_t len = sizeof buf;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, buf, &len) != 0) {
    ThrowErrno(env, errno, "getsockopt(TCP_INFO)");
    return env.Undefined();
  }
  return DecodeTcpInfo(env, buf, len);
}

}  // namespace keepalive
