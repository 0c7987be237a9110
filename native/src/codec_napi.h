// Conversion between JavaScript values and ringcast's binary value format
// (tags and layout in ringcast/codec.h).
#pragma once

#include <napi.h>

#include <cstdint>
#include <string_view>
#include <vector>

namespace ringcast {

// Per-environment state the codec needs, owned by the addon's instance data.
struct CodecEnvData {
  Napi::ObjectReference object_prototype;
};

// Fills `data` for this environment and adds `encode` and `decode` to exports.
void InitCodec(Napi::Env env, Napi::Object exports, CodecEnvData& data);

// Appends the encoding of `value` to `out`. `root_path` names the value in
// error messages ("item", "items[3]"). Throws a Napi::Error (TypeError with
// code RINGCAST_INVALID_VALUE naming the path, or RangeError
// RINGCAST_VALUE_TOO_DEEP); on a throw, `out` is restored to its old size.
void EncodeValue(Napi::Env env, const CodecEnvData& data, Napi::Value value,
                 std::string_view root_path, std::vector<uint8_t>& out);

// Decodes one value occupying exactly [bytes, bytes + length). Throws an Error
// with code RINGCAST_CORRUPT_DATA when the bytes are not a valid encoding.
Napi::Value DecodeValue(Napi::Env env, const uint8_t* bytes, size_t length);

}  // namespace ringcast
