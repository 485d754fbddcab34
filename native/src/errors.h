// Errors thrown from C++ carry a string `code` (the errno name), the numeric
// `errno` and the `syscall` that failed, the way Node's own system errors do.
#pragma once
#include <napi.h>

namespace keepalive {

// Throws a JS Error for `err` (an errno value) raised by `syscall`.
void ThrowErrno(Napi::Env env, int err, const char* syscall);

// Throws a JS Error with a given string code (argument checks, ENOTSUP...).
void ThrowCode(Napi::Env env, const char* code, const std::string& message);

// Reads argument `i` as an int32 file descriptor, or throws and returns false.
bool ArgFd(const Napi::CallbackInfo& info, size_t i, int* fd);

// Reads argument `i` as an integral number (no fraction), or throws and returns false.
bool ArgInt64(const Napi::CallbackInfo& info, size_t i, int64_t* out);

}  // namespace keepalive
