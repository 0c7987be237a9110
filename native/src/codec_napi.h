// Conversion between JavaScript values and ringcast's binary value format
// (tags, layout and limits in ringcast/codec.h, reference in docs/FORMAT.md).
#pragma once

#include <napi.h>

#include <cstdint>
#include <string_view>
#include <vector>

namespace ringcast {

// Per-environment state the codec needs, owned by the addon's instance data.
// The references are taken when the addon loads, so later changes to the
// globals `Object` and `Array` do not affect the codec.
struct CodecEnvData {
  Napi::ObjectReference object_prototype;
  Napi::ObjectReference array_prototype;
  // Object.create, used to build null-prototype objects (Node-API has no
  // call that sets a prototype).
  Napi::FunctionReference object_create;
  // util.types.isProxy, set by the loader through `setProxyCheck`: Node-API
  // cannot tell a Proxy from a null-prototype object.
  Napi::FunctionReference is_proxy;
};

// Fills `data` for this environment and adds `encode` and `decode` to exports.
// `data` must outlive the exported functions (the addon's instance data does).
void InitCodec(Napi::Env env, Napi::Object exports, CodecEnvData& data);

// Appends the encoding of `value` to `out`. `root_path` names the value in
// error messages ("item", "items[3]"). On failure it restores `out` to its
// old size and throws a Napi::Error. That is a TypeError with code
// RINGCAST_INVALID_VALUE for an unsupported value or a cycle (the message
// names its path), a RangeError with code RINGCAST_VALUE_TOO_DEEP or
// RINGCAST_VALUE_TOO_LARGE, or the error that a property getter threw.
//
// Containers of up to 64 elements leave their handles (a few per element) in
// the caller's handle scope, so a caller that encodes many values in one call
// should open a scope per value or per batch.
void EncodeValue(Napi::Env env, const CodecEnvData& data, Napi::Value value,
                 std::string_view root_path, std::vector<uint8_t>& out);

// Decodes one value occupying exactly [bytes, bytes + length), never reading
// outside that range. Throws an Error with code RINGCAST_CORRUPT_DATA when the
// bytes are not a valid encoding. The bytes must not change during the call.
Napi::Value DecodeValue(Napi::Env env, const uint8_t* bytes, size_t length);

// Throws an Error with code RINGCAST_CORRUPT_DATA, naming `path` ("item",
// "items[3]"), unless [bytes, bytes + length) is exactly one encoding that the
// decoder accepts (codec::ValidateValue). Used on bytes encoded in JavaScript
// before they are stored.
void CheckEncoding(Napi::Env env, const uint8_t* bytes, size_t length,
                   std::string_view path);

}  // namespace ringcast
