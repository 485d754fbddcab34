// The N-API side of netns.h: the (path, inode) argument pair every
// namespace-aware function takes, and opening a namespace's sysctl file.
#pragma once
#include <napi.h>

#include <optional>

#include "netns.h"

namespace keepalive {

// Reads the optional trailing (path, inode) pair at argument `i`: absent or
// undefined means the caller's own namespace (*out stays empty). Throws and
// returns false for anything else malformed.
bool ArgNetns(const Napi::CallbackInfo& info, size_t i, std::optional<NetnsTarget>* out);

// `file` opened with `flags` by a thread inside `target`: its fd as a JS
// number, or undefined with the errno thrown. The checks on which files may
// be opened are the caller's.
Napi::Value OpenInNetns(Napi::Env env, const NetnsTarget& target, const std::string& file, int flags);

// netnsOpenFile(path, inode, file, mode 'r' | 'w') -> fd of `file` (under
// /proc/sys/net/) opened inside the namespace, O_CLOEXEC | O_NOFOLLOW.
Napi::Value NetnsOpenFile(const Napi::CallbackInfo& info);

}  // namespace keepalive
