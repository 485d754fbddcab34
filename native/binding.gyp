{
  "targets": [
    {
      "target_name": "keepalive",
      "sources": [
        "src/addon.cc",
        "src/errors.cc",
        "src/tcp_info.cc",
        "src/keepalive.cc",
        "src/netlink.cc",
        "src/netns.cc",
        "src/netns_api.cc",
        "src/diag_dump.cc",
        "src/diag_diff.cc",
        "src/diag_lookup.cc",
        "src/diag.cc",
        "src/diag_destroy.cc",
        "src/foreign.cc",
        "src/foreign_batch.cc",
        "src/file_lock.cc",
        "src/proc_fds.cc",
        "src/packet_capture.cc",
        "src/packet_netstat.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra"]
    }
  ]
}
