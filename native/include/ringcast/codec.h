// ringcast's binary value format (BINARY in-memory format): tags, limits,
// little-endian byte writer and reader, and a validator.
//
// This header has no Node.js dependency, so the format can be tested and
// fuzzed as plain C++. The N-API layer (native/src/codec_napi.cc) walks
// JavaScript values and calls the Write* functions below. The decoder runs
// ValidateValue() before it creates any JavaScript value. docs/FORMAT.md is
// the reference for stored bytes.
//
//   encoding := version value          version is one byte, kFormatVersion
//   value    := tag payload            tag is one byte, see Tag
//
//   tag  char  payload
//   0x5F '_'   (none)                        undefined
//   0x30 '0'   (none)                        null
//   0x46 'F'   (none)                        false
//   0x54 'T'   (none)                        true
//   0x69 'i'   int32                         number that is an int32, not -0
//   0x64 'd'   float64                       any other number
//   0x5A 'Z'   u8 sign, varu32 n, n x u64    bigint magnitude, low word first
//   0x73 's'   varu32 n, n bytes             string, every code unit <= 0xFF
//   0x77 'w'   varu32 n, n x u16             string, UTF-16 code units
//   0x5B '['   varu32 n, n values            array
//   0x7B '{'   varu32 n, n x (key value)     object, Object.prototype
//   0x4F 'O'   varu32 n, n x (key value)     object, null prototype
//   0x44 'D'   float64                       Date, ms since epoch (NaN invalid)
//   0x42 'B'   varu32 n, n bytes             Buffer or Uint8Array
//
// All fixed-width numbers are little-endian. varu32 is unsigned LEB128 of at
// most 5 bytes, with no redundant high zero groups. A key is a value with tag
// 's' or 'w'. Byte 0x00 is never a valid version or tag, so zeroed memory is
// rejected.
#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace ringcast::codec {

// Written as the first byte of every encoding. Bump it on any change to the
// bytes an encoder produces or a decoder accepts.
inline constexpr uint8_t kFormatVersion = 1;

enum class Tag : uint8_t {
  kUndefined = '_',
  kNull = '0',
  kFalse = 'F',
  kTrue = 'T',
  kInt32 = 'i',
  kFloat64 = 'd',
  kBigInt = 'Z',
  kLatin1String = 's',
  kUtf16String = 'w',
  kArray = '[',
  kObject = '{',
  kNullProtoObject = 'O',
  kDate = 'D',
  kBytes = 'B',
};

// Maximum number of arrays and objects nested inside one another, the
// outermost included. Encoder and decoder recurse once per level. One level
// of objects took about 0.5 KB of encoder stack with g++ 12 -O3 on x86-64, so
// this depth fits the 4 MB stack of a worker thread with a wide margin.
inline constexpr uint32_t kMaxDepth = 1000;

// Maximum length of one encoding in bytes. It keeps every length in an int32
// (the ring's records store lengths in 32 bits), and it bounds the output of
// a value that repeats one large part many times.
inline constexpr size_t kMaxEncodedLength = 0x7FFFFFFF;

// V8's limits for 64-bit builds (V8 11.3 in Node.js 20): String::kMaxLength
// code units and BigInt::kMaxLengthBits / 64 words. No encoder can produce
// more, so longer strings and bigints are rejected as corrupt.
inline constexpr uint32_t kMaxStringLength = (1u << 29) - 24;
inline constexpr uint32_t kMaxBigIntWords = 1u << 24;

// Smallest encoded size of one array element and of one object property
// (a key with an empty length prefix plus a one-byte value). The validator
// uses them to reject counts that the remaining bytes cannot hold.
inline constexpr size_t kMinElementBytes = 1;
inline constexpr size_t kMinPropertyBytes = 3;

// ---------------------------------------------------------------------------
// Little-endian byte I/O
// ---------------------------------------------------------------------------

inline void StoreLE32(uint8_t* p, uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

inline void StoreLE64(uint8_t* p, uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

inline uint16_t LoadLE16(const uint8_t* p) noexcept {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

inline uint32_t LoadLE32(const uint8_t* p) noexcept {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

inline uint64_t LoadLE64(const uint8_t* p) noexcept {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Appends to a caller-owned vector, so one buffer can collect many values.
class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>& out) noexcept : out_(out) {}

  size_t size() const noexcept { return out_.size(); }

  void PutU8(uint8_t v) { out_.push_back(v); }
  void PutTag(Tag tag) { out_.push_back(static_cast<uint8_t>(tag)); }
  void PutU32(uint32_t v) { StoreLE32(Extend(4), v); }
  void PutU64(uint64_t v) { StoreLE64(Extend(8), v); }
  void PutF64(double v) { PutU64(std::bit_cast<uint64_t>(v)); }

  void PutVarU32(uint32_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<uint8_t>(v));
  }

  void PutBytes(const uint8_t* bytes, size_t n) {
    out_.insert(out_.end(), bytes, bytes + n);
  }

  // Appends `n` bytes and returns where they start. The pointer is valid
  // until the next call that appends.
  uint8_t* Extend(size_t n) {
    size_t old_size = out_.size();
    out_.resize(old_size + n);
    return out_.data() + old_size;
  }

 private:
  std::vector<uint8_t>& out_;
};

// Reads from a byte range and never past its end: each Read* returns false,
// and leaves the offset unchanged, when the bytes are missing or malformed.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) noexcept
      : data_(data), size_(size) {}

  size_t offset() const noexcept { return offset_; }
  size_t remaining() const noexcept { return size_ - offset_; }

  bool ReadU8(uint8_t& v) noexcept {
    if (remaining() < 1) return false;
    v = data_[offset_++];
    return true;
  }

  bool ReadU32(uint32_t& v) noexcept {
    if (remaining() < 4) return false;
    v = LoadLE32(data_ + offset_);
    offset_ += 4;
    return true;
  }

  bool ReadU64(uint64_t& v) noexcept {
    if (remaining() < 8) return false;
    v = LoadLE64(data_ + offset_);
    offset_ += 8;
    return true;
  }

  bool ReadF64(double& v) noexcept {
    uint64_t bits;
    if (!ReadU64(bits)) return false;
    v = std::bit_cast<double>(bits);
    return true;
  }

  // Fails on a truncated prefix, on a value above 2^32-1 and on a redundant
  // trailing zero group (so every length has exactly one encoding).
  bool ReadVarU32(uint32_t& v) noexcept {
    uint32_t result = 0;
    for (size_t i = 0; i < 5; ++i) {
      if (i >= remaining()) return false;
      uint8_t byte = data_[offset_ + i];
      if (i == 4 && byte > 0x0F) return false;
      if (i > 0 && byte == 0) return false;
      result |= static_cast<uint32_t>(byte & 0x7F) << (7 * i);
      if ((byte & 0x80) == 0) {
        offset_ += i + 1;
        v = result;
        return true;
      }
    }
    return false;
  }

  // Points `bytes` at the next `n` bytes and skips them.
  bool ReadBytes(size_t n, const uint8_t*& bytes) noexcept {
    if (remaining() < n) return false;
    bytes = data_ + offset_;
    offset_ += n;
    return true;
  }

  bool Skip(size_t n) noexcept {
    if (remaining() < n) return false;
    offset_ += n;
    return true;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t offset_ = 0;
};

// ---------------------------------------------------------------------------
// Encoding of one value (the caller writes kFormatVersion first)
// ---------------------------------------------------------------------------

// True when `v` is stored as kInt32: an integer in int32 range that is not -0.
inline bool IsInt32(double v) noexcept {
  if (!(v >= -2147483648.0 && v <= 2147483647.0)) return false;
  int32_t i = static_cast<int32_t>(v);
  return static_cast<double>(i) == v && !(i == 0 && std::signbit(v));
}

inline void WriteNumber(ByteWriter& w, double v) {
  if (IsInt32(v)) {
    w.PutTag(Tag::kInt32);
    w.PutU32(static_cast<uint32_t>(static_cast<int32_t>(v)));
  } else {
    w.PutTag(Tag::kFloat64);
    w.PutF64(v);
  }
}

inline bool FitsLatin1(const char16_t* units, size_t n) noexcept {
  char16_t all = 0;
  for (size_t i = 0; i < n; ++i) all |= units[i];
  return all <= 0xFF;
}

// Writes a string given as UTF-16 code units (lone surrogates included) as
// Latin-1 when every unit fits in one byte, else as UTF-16. The caller keeps
// `n` within kMaxStringLength.
inline void WriteString(ByteWriter& w, const char16_t* units, size_t n) {
  if (FitsLatin1(units, n)) {
    w.PutTag(Tag::kLatin1String);
    w.PutVarU32(static_cast<uint32_t>(n));
    uint8_t* p = w.Extend(n);
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(units[i]);
    return;
  }
  w.PutTag(Tag::kUtf16String);
  w.PutVarU32(static_cast<uint32_t>(n));
  uint8_t* p = w.Extend(2 * n);
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(p, units, 2 * n);
  } else {
    for (size_t i = 0; i < n; ++i) {
      p[2 * i] = static_cast<uint8_t>(units[i]);
      p[2 * i + 1] = static_cast<uint8_t>(units[i] >> 8);
    }
  }
}

// Writes a bigint as sign and magnitude. `words` is the magnitude, least
// significant word first, as V8 reports it (no high zero words).
inline void WriteBigInt(ByteWriter& w, bool negative, const uint64_t* words,
                        uint32_t count) {
  w.PutTag(Tag::kBigInt);
  w.PutU8(negative ? 1 : 0);
  w.PutVarU32(count);
  uint8_t* p = w.Extend(8 * static_cast<size_t>(count));
  for (uint32_t i = 0; i < count; ++i) StoreLE64(p + 8 * i, words[i]);
}

// Writes a Date's time value, which is NaN for an invalid Date.
inline void WriteDate(ByteWriter& w, double time) {
  w.PutTag(Tag::kDate);
  w.PutF64(time);
}

inline void WriteBytes(ByteWriter& w, const uint8_t* bytes, uint32_t n) {
  w.PutTag(Tag::kBytes);
  w.PutVarU32(n);
  w.PutBytes(bytes, n);
}

// The `length` elements follow, holes written as undefined.
inline void WriteArrayHeader(ByteWriter& w, uint32_t length) {
  w.PutTag(Tag::kArray);
  w.PutVarU32(length);
}

// The `count` key and value pairs follow, in property order.
inline void WriteObjectHeader(ByteWriter& w, bool null_prototype,
                              uint32_t count) {
  w.PutTag(null_prototype ? Tag::kNullProtoObject : Tag::kObject);
  w.PutVarU32(count);
}

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

struct ValidationError {
  size_t offset = 0;        // Byte offset where the problem was found.
  const char* reason = "";  // Static text, such as "unknown tag".
};

// Checks that [data, data + size) is exactly one complete encoding that the
// decoder accepts. That means a known version and known tags, lengths and
// counts within the remaining bytes and the limits above, string keys,
// nesting up to kMaxDepth and no trailing bytes. It never reads outside the
// range, does not allocate and takes O(size) time. On failure it fills
// `error` when one is given.
inline bool ValidateValue(const uint8_t* data, size_t size,
                          ValidationError* error = nullptr) noexcept {
  ByteReader r(data, size);
  auto fail = [error](size_t offset, const char* reason) {
    if (error != nullptr) *error = ValidationError{offset, reason};
    return false;
  };

  if (size > kMaxEncodedLength) {
    return fail(0, "the input is longer than the maximum encoded length");
  }
  uint8_t version;
  if (!r.ReadU8(version)) return fail(0, "the format version byte is missing");
  if (version != kFormatVersion) {
    return fail(0, "the format version is not supported");
  }

  // Open containers, innermost last. `remaining` counts the values still to
  // read. An object counts its keys too, so a key is expected when its
  // remaining count is even.
  struct Level {
    uint64_t remaining;
    bool object;
  };
  Level levels[kMaxDepth];
  uint32_t depth = 0;

  // Each pass reads one value or key of at least one byte, so the loop runs
  // at most `size` times.
  do {
    size_t start = r.offset();
    bool key_expected = depth > 0 && levels[depth - 1].object &&
                        levels[depth - 1].remaining % 2 == 0;
    uint8_t byte;
    if (!r.ReadU8(byte)) return fail(start, "the value is truncated");
    Tag tag = static_cast<Tag>(byte);
    if (key_expected && tag != Tag::kLatin1String && tag != Tag::kUtf16String) {
      return fail(start, "a property key is not a string");
    }

    uint32_t n = 0;
    bool has_count = false;
    switch (tag) {
      case Tag::kUndefined:
      case Tag::kNull:
      case Tag::kFalse:
      case Tag::kTrue:
        break;
      case Tag::kInt32:
        if (!r.Skip(4)) return fail(start, "the value is truncated");
        break;
      case Tag::kFloat64:
      case Tag::kDate:
        if (!r.Skip(8)) return fail(start, "the value is truncated");
        break;
      case Tag::kBigInt: {
        uint8_t sign;
        if (!r.ReadU8(sign)) return fail(start, "the value is truncated");
        if (sign > 1)
          return fail(start + 1, "a bigint sign byte is not 0 or 1");
        size_t count_offset = r.offset();
        if (!r.ReadVarU32(n)) {
          return fail(count_offset,
                      "a length prefix is truncated or malformed");
        }
        if (n > kMaxBigIntWords) {
          return fail(count_offset, "a bigint is longer than V8 allows");
        }
        if (!r.Skip(8 * static_cast<size_t>(n))) {
          return fail(start, "the value is truncated");
        }
        break;
      }
      case Tag::kLatin1String:
      case Tag::kUtf16String: {
        if (!r.ReadVarU32(n)) {
          return fail(start + 1, "a length prefix is truncated or malformed");
        }
        if (n > kMaxStringLength) {
          return fail(start + 1, "a string is longer than V8 allows");
        }
        size_t unit_bytes = tag == Tag::kUtf16String ? 2 : 1;
        if (!r.Skip(unit_bytes * n)) {
          return fail(start, "the value is truncated");
        }
        break;
      }
      case Tag::kBytes:
        if (!r.ReadVarU32(n)) {
          return fail(start + 1, "a length prefix is truncated or malformed");
        }
        if (!r.Skip(n)) return fail(start, "the value is truncated");
        break;
      case Tag::kArray:
      case Tag::kObject:
      case Tag::kNullProtoObject: {
        if (!r.ReadVarU32(n)) {
          return fail(start + 1, "a length prefix is truncated or malformed");
        }
        bool object = tag != Tag::kArray;
        size_t min_bytes = object ? kMinPropertyBytes : kMinElementBytes;
        if (n > r.remaining() / min_bytes) {
          return fail(start, "a count is larger than the remaining bytes hold");
        }
        if (depth == kMaxDepth) {
          return fail(start,
                      "arrays and objects are nested deeper than kMaxDepth");
        }
        if (n > 0) {
          uint64_t values = object ? 2 * static_cast<uint64_t>(n) : n;
          levels[depth++] = Level{values, object};
          has_count = true;
        }
        break;
      }
      default:
        return fail(start, "the tag is unknown");
    }

    // A value is complete unless it opened a container. Completing the last
    // value of a container completes the container in its parent.
    if (!has_count) {
      while (depth > 0 && --levels[depth - 1].remaining == 0) --depth;
    }
  } while (depth > 0);

  if (r.remaining() != 0) {
    return fail(r.offset(), "there are bytes after the end of the value");
  }
  return true;
}

}  // namespace ringcast::codec
