/*
 * The floor for a host-wide TCP listing: one NETLINK_SOCK_DIAG inet_diag dump
 * of both families in one walk of the kernel's TCP hash (the legacy
 * TCPDIAG_GETSOCK request, which the kernel serves with AF_UNSPEC — the
 * addon's dump does the same), or one dump per family (AF_INET, then
 * AF_INET6) where a kernel refuses it; every state, with INET_DIAG_INFO
 * (struct tcp_info) requested, as `ss -tani` asks for it. Every message is
 * walked down to its attributes, so the cost includes reading what the
 * kernel sent, but nothing is formatted or allocated per socket.
 *
 * Prints one JSON line: {"sockets":N,"withInfo":M,"dumpNs":T}, where dumpNs
 * is the time from socket() to the last NLMSG_DONE, measured inside this
 * process so the benchmark can report it apart from fork/exec.
 *
 * Build: cc -O2 -o diag_dump diag_dump.c
 */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * The kernel caps a dump skb at 32 KiB (netlink_recvmsg clamps
 * max_recvmsg_len), so one recv never needs more; 1 MiB leaves room should
 * that cap ever grow, and MSG_TRUNC below would tell us if it did.
 */
#define RECV_BUF_BYTES (1u << 20)

struct dump_counts {
  long sockets;
  long with_info;
};

static int send_all(int fd, const void *msg, size_t len) {
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  for (;;) {
    ssize_t n = sendto(fd, msg, len, 0, (struct sockaddr *)&kernel, sizeof kernel);
    if (n == (ssize_t)len) return 0;
    if (n < 0 && errno == EINTR) continue;
    return n < 0 ? -errno : -EIO;
  }
}

/* A dump request header; seq = family, so read_dump can tell the answers apart. */
static void fill_header(struct nlmsghdr *nlh, size_t len, uint16_t type, int family) {
  nlh->nlmsg_len = (uint32_t)len;
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = (uint32_t)family;
}

/*
 * family AF_UNSPEC: both families in one walk (TCPDIAG_GETSOCK); else one SOCK_DIAG_BY_FAMILY dump.
 * Every state, NEW_SYN_RECV (bit 12) and TIME_WAIT included, like `ss -a`.
 */
static int send_request(int fd, int family) {
  if (family == AF_UNSPEC) {
    struct {
      struct nlmsghdr nlh;
      struct inet_diag_req req;
    } msg;
    memset(&msg, 0, sizeof msg);
    fill_header(&msg.nlh, sizeof msg, TCPDIAG_GETSOCK, family);
    msg.req.idiag_states = ~0u;
    msg.req.idiag_ext = 1u << (INET_DIAG_INFO - 1);
    return send_all(fd, &msg, sizeof msg);
  }
  struct {
    struct nlmsghdr nlh;
    struct inet_diag_req_v2 req;
  } msg;
  memset(&msg, 0, sizeof msg);
  fill_header(&msg.nlh, sizeof msg, SOCK_DIAG_BY_FAMILY, family);
  msg.req.sdiag_family = (uint8_t)family;
  msg.req.sdiag_protocol = IPPROTO_TCP;
  msg.req.idiag_states = ~0u;
  msg.req.idiag_ext = 1u << (INET_DIAG_INFO - 1);
  return send_all(fd, &msg, sizeof msg);
}

static int has_info(const struct nlmsghdr *nlh) {
  const struct inet_diag_msg *msg = NLMSG_DATA(nlh);
  int len = (int)nlh->nlmsg_len - NLMSG_LENGTH(sizeof *msg);
  for (const struct rtattr *rta = (const struct rtattr *)(msg + 1); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
    if (rta->rta_type == INET_DIAG_INFO) return 1;
  }
  return 0;
}

/* Returns 0 at NLMSG_DONE, or a negative errno. */
static int read_dump(int fd, int family, char *buf, struct dump_counts *counts) {
  for (;;) {
    /* MSG_TRUNC makes a netlink recv return the datagram's real length. */
    ssize_t n = recv(fd, buf, RECV_BUF_BYTES, MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) return -EPIPE;
    if ((size_t)n > RECV_BUF_BYTES) return -EMSGSIZE;
    int len = (int)n;
    for (struct nlmsghdr *nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
      if (nlh->nlmsg_seq != (uint32_t)family) continue;
      if (nlh->nlmsg_type == NLMSG_DONE) return 0;
      if (nlh->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *err = NLMSG_DATA(nlh);
        return err->error < 0 ? err->error : -EPROTO;
      }
      if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY && nlh->nlmsg_type != TCPDIAG_GETSOCK) continue;
      counts->sockets++;
      counts->with_info += has_info(nlh);
    }
  }
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One dump of `family` counted into `counts`: 0, or a negative errno. */
static int dump(int fd, int family, char *buf, struct dump_counts *counts) {
  int rc = send_request(fd, family);
  return rc == 0 ? read_dump(fd, family, buf, counts) : rc;
}

int main(void) {
  char *buf = malloc(RECV_BUF_BYTES);
  if (!buf) {
    fprintf(stderr, "diag_dump: out of memory\n");
    return 1;
  }
  struct dump_counts counts = {0, 0};
  long long start = now_ns();
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) {
    perror("diag_dump: socket(NETLINK_SOCK_DIAG)");
    return 1;
  }
  int rc = dump(fd, AF_UNSPEC, buf, &counts);
  /* A kernel without the legacy request refuses it before sending any socket: dump per family. */
  if (rc == -EINVAL || rc == -EOPNOTSUPP || rc == -ENOENT) {
    rc = dump(fd, AF_INET, buf, &counts);
    if (rc == 0) rc = dump(fd, AF_INET6, buf, &counts);
  }
  if (rc < 0) {
    fprintf(stderr, "diag_dump: %s\n", strerror(-rc));
    return 1;
  }
  close(fd);
  long long elapsed = now_ns() - start;
  printf("{\"sockets\":%ld,\"withInfo\":%ld,\"dumpNs\":%lld}\n", counts.sockets, counts.with_info, elapsed);
  free(buf);
  return 0;
}
