// libFuzzer target for the BINARY value format (ringcast/codec.h).
//
// Any byte string must either fail ValidateValue() with a reason, or be a
// complete encoding that a decoder can walk without one failed read. This
// target decodes an accepted string into a plain C++ tree, with the reads
// that the N-API decoder (native/src/codec_napi.cc) makes. It encodes the
// tree again with the codec's writers. The validator must accept that
// encoding, and it must decode to the same tree. So the writers produce only
// bytes the validator accepts, and decoding loses nothing.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "ringcast/codec.h"

namespace {

using ringcast::codec::ByteReader;
using ringcast::codec::ByteWriter;
using ringcast::codec::Tag;

[[noreturn]] void Fail(const char* what, size_t offset) {
  std::fprintf(stderr, "value_fuzzer: %s at byte offset %zu\n", what, offset);
  std::abort();
}

// A decoded value. Numbers keep their bits, so -0 and NaN payloads compare
// exactly; strings keep UTF-16 code units whatever form stored them.
struct Node {
  Tag tag = Tag::kUndefined;
  uint64_t bits = 0;  // kInt32, kFloat64 and kDate: the value's bits.
  bool negative = false;
  std::vector<uint64_t> words;  // kBigInt magnitude.
  std::vector<char16_t> units;  // Strings.
  std::vector<uint8_t> bytes;   // kBytes.
  std::vector<Node> children;   // Arrays; objects as key, value, ...
};

bool operator==(const Node& a, const Node& b) {
  return a.tag == b.tag && a.bits == b.bits && a.negative == b.negative &&
         a.words == b.words && a.units == b.units && a.bytes == b.bytes &&
         a.children == b.children;
}

class TreeDecoder {
 public:
  TreeDecoder(const uint8_t* data, size_t size) : reader_(data, size) {}

  Node Decode() {
    uint8_t version;
    Expect(reader_.ReadU8(version));
    Node root = ReadValue(0);
    if (reader_.remaining() != 0) Fail("bytes left after decoding", 0);
    return root;
  }

 private:
  Node ReadValue(uint32_t depth) {
    uint8_t byte;
    Expect(reader_.ReadU8(byte));
    Node node;
    node.tag = static_cast<Tag>(byte);
    uint32_t n = 0;
    const uint8_t* data = nullptr;
    switch (node.tag) {
      case Tag::kUndefined:
      case Tag::kNull:
      case Tag::kFalse:
      case Tag::kTrue:
        break;
      case Tag::kInt32: {
        uint32_t bits;
        Expect(reader_.ReadU32(bits));
        // Stored as the number's float64 bits, as a decoder creates it.
        node.tag = Tag::kFloat64;
        node.bits = std::bit_cast<uint64_t>(
            static_cast<double>(static_cast<int32_t>(bits)));
        break;
      }
      case Tag::kFloat64:
      case Tag::kDate:
        Expect(reader_.ReadU64(node.bits));
        break;
      case Tag::kBigInt: {
        uint8_t sign;
        Expect(reader_.ReadU8(sign) && reader_.ReadVarU32(n) &&
               reader_.ReadBytes(8 * size_t{n}, data));
        node.negative = sign != 0;
        for (uint32_t i = 0; i < n; ++i) {
          node.words.push_back(ringcast::codec::LoadLE64(data + 8 * size_t{i}));
        }
        break;
      }
      case Tag::kLatin1String:
        Expect(reader_.ReadVarU32(n) && reader_.ReadBytes(n, data));
        node.units.assign(data, data + n);
        break;
      case Tag::kUtf16String:
        Expect(reader_.ReadVarU32(n) && reader_.ReadBytes(2 * size_t{n}, data));
        for (uint32_t i = 0; i < n; ++i) {
          node.units.push_back(static_cast<char16_t>(
              ringcast::codec::LoadLE16(data + 2 * size_t{i})));
        }
        break;
      case Tag::kBytes:
        Expect(reader_.ReadVarU32(n) && reader_.ReadBytes(n, data));
        node.bytes.assign(data, data + n);
        break;
      case Tag::kArray:
      case Tag::kObject:
      case Tag::kNullProtoObject: {
        Expect(reader_.ReadVarU32(n));
        if (depth + 1 > ringcast::codec::kMaxDepth) {
          Fail("validated value nested beyond kMaxDepth", reader_.offset());
        }
        const bool object = node.tag != Tag::kArray;
        for (uint32_t i = 0; i < n; ++i) {
          if (object) {
            Node key = ReadValue(depth + 1);
            if (key.tag != Tag::kLatin1String && key.tag != Tag::kUtf16String) {
              Fail("validated object has a key that is not a string",
                   reader_.offset());
            }
            node.children.push_back(std::move(key));
          }
          node.children.push_back(ReadValue(depth + 1));
        }
        break;
      }
      default:
        Fail("validated value has an unknown tag", reader_.offset());
    }
    return node;
  }

  void Expect(bool ok) {
    if (!ok) Fail("a read failed on a validated value", reader_.offset());
  }

  ByteReader reader_;
};

// Encodes `node` with the codec's writers, as the N-API encoder would
// encode the value the tree stands for.
void Encode(ByteWriter& w, const Node& node) {
  switch (node.tag) {
    case Tag::kUndefined:
    case Tag::kNull:
    case Tag::kFalse:
    case Tag::kTrue:
      w.PutTag(node.tag);
      break;
    case Tag::kFloat64:
      ringcast::codec::WriteNumber(w, std::bit_cast<double>(node.bits));
      break;
    case Tag::kDate:
      ringcast::codec::WriteDate(w, std::bit_cast<double>(node.bits));
      break;
    case Tag::kBigInt:
      ringcast::codec::WriteBigInt(w, node.negative, node.words.data(),
                                   static_cast<uint32_t>(node.words.size()));
      break;
    case Tag::kLatin1String:
    case Tag::kUtf16String:
      ringcast::codec::WriteString(w, node.units.data(), node.units.size());
      break;
    case Tag::kBytes:
      ringcast::codec::WriteBytes(w, node.bytes.data(),
                                  static_cast<uint32_t>(node.bytes.size()));
      break;
    case Tag::kArray:
      ringcast::codec::WriteArrayHeader(
          w, static_cast<uint32_t>(node.children.size()));
      for (const Node& child : node.children) Encode(w, child);
      break;
    case Tag::kObject:
    case Tag::kNullProtoObject:
      ringcast::codec::WriteObjectHeader(
          w, node.tag == Tag::kNullProtoObject,
          static_cast<uint32_t>(node.children.size() / 2));
      for (const Node& child : node.children) Encode(w, child);
      break;
    default:
      Fail("a tree node has an unknown tag", 0);
  }
}

// Both string forms decode to the same string.
void NormalizeStrings(Node& node) {
  if (node.tag == Tag::kUtf16String) node.tag = Tag::kLatin1String;
  for (Node& child : node.children) NormalizeStrings(child);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A copy of exactly `size` bytes, so AddressSanitizer reports a read past
  // the end even where libFuzzer's buffer would have room.
  std::unique_ptr<uint8_t[]> input(new uint8_t[size]);
  if (size > 0) std::memcpy(input.get(), data, size);

  ringcast::codec::ValidationError error;
  if (!ringcast::codec::ValidateValue(input.get(), size, &error)) {
    if (error.offset > size || error.reason == nullptr ||
        error.reason[0] == '\0') {
      Fail("a rejection without an offset in range and a reason", error.offset);
    }
    return 0;
  }

  Node tree = TreeDecoder(input.get(), size).Decode();
  std::vector<uint8_t> encoded;
  ByteWriter writer(encoded);
  writer.PutU8(ringcast::codec::kFormatVersion);
  Encode(writer, tree);
  if (!ringcast::codec::ValidateValue(encoded.data(), encoded.size(), &error)) {
    Fail(error.reason, error.offset);
  }
  Node again = TreeDecoder(encoded.data(), encoded.size()).Decode();
  NormalizeStrings(tree);
  NormalizeStrings(again);
  if (!(tree == again)) Fail("a re-encoded value decodes differently", 0);
  return 0;
}
