// Walks JavaScript values with the raw Node-API C calls (the conversion is the
// hot path, so no node-addon-api wrapper sits inside a loop) and writes or
// reads the format defined in ringcast/codec.h.
#include "codec_napi.h"

#include <ringcast/codec.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "addon_data.h"

namespace ringcast {
namespace {

using codec::ByteReader;
using codec::ByteWriter;
using codec::Tag;

constexpr const char* kInvalidArgument = "RINGCAST_INVALID_ARGUMENT";
constexpr const char* kInvalidValue = "RINGCAST_INVALID_VALUE";
constexpr const char* kValueTooDeep = "RINGCAST_VALUE_TOO_DEEP";
constexpr const char* kValueTooLarge = "RINGCAST_VALUE_TOO_LARGE";
constexpr const char* kCorruptData = "RINGCAST_CORRUPT_DATA";

constexpr const char* kSupportedValues =
    "Supported values are strings, numbers, booleans, bigints, null, "
    "undefined, arrays, plain objects (prototype Object.prototype or null), "
    "Dates, Buffers and Uint8Arrays";

// A container with more elements than this converts them in chunks of this
// many, each in its own handle scope, so that handles do not pile up.
constexpr uint32_t kScopeChunk = 64;

// From this nesting level on, every array or object entered is compared with
// its ancestors, which finds a cycle within this many levels of where it
// starts. Shallower values skip the O(depth) comparison.
constexpr uint32_t kCycleCheckDepth = 32;

// Scratch buffers grown past these sizes are released after use.
constexpr size_t kRetainedUnits = 64 * 1024;
constexpr size_t kRetainedOutputBytes = 1024 * 1024;

// Per-thread buffers reused across calls. Each user copies its data out
// before any call that can run JavaScript, so a nested call on the same
// thread (from a property getter) cannot overwrite data still in use.
struct Scratch {
  std::vector<char16_t> units = std::vector<char16_t>(256);
  std::vector<uint64_t> words;
  // Stack of pending property definitions. Each object being decoded owns
  // the entries above the size it found.
  std::vector<napi_property_descriptor> descriptors;
  // NUL-terminated characters of the ASCII keys among `descriptors`.
  std::vector<char> key_chars;
  // Output of the `encode` function, lent to one call at a time.
  std::vector<uint8_t> output;
  bool output_in_use = false;
};

// Reached through a reference held per call, because each access to a
// thread_local in a shared library costs a __tls_get_addr call.
thread_local Scratch thread_scratch;

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

enum class ErrorType { kError, kTypeError, kRangeError };

[[noreturn, gnu::noinline, gnu::cold]] void ThrowCoded(
    napi_env env, ErrorType type, const char* code,
    const std::string& message) {
  Napi::Env napi_env(env);
  Napi::Error error;
  switch (type) {
    case ErrorType::kTypeError:
      error = Napi::TypeError::New(napi_env, message);
      break;
    case ErrorType::kRangeError:
      error = Napi::RangeError::New(napi_env, message);
      break;
    case ErrorType::kError:
      error = Napi::Error::New(napi_env, message);
      break;
  }
  error.Set("code", Napi::String::New(napi_env, code));
  throw error;
}

// Turns a failed Node-API call into a C++ exception carrying the pending
// JavaScript exception (from a getter or a proxy trap) or the call's error.
inline void Check(napi_env env, napi_status status) {
  if (status != napi_ok) throw Napi::Error::New(env);
}

// Opens a new handle scope every kScopeChunk steps when enabled, so a large
// container releases the handles of elements it has finished with.
class ChunkedScope {
 public:
  ChunkedScope(napi_env env, uint32_t count)
      : env_(env), enabled_(count > kScopeChunk) {}
  ChunkedScope(const ChunkedScope&) = delete;
  ChunkedScope& operator=(const ChunkedScope&) = delete;
  ~ChunkedScope() { Close(); }

  // Call before step `i`. Every kScopeChunk steps it starts a new scope.
  void Step(uint32_t i) {
    if (!enabled_ || i % kScopeChunk != 0) return;
    Close();
    Check(env_, napi_open_handle_scope(env_, &scope_));
  }

 private:
  void Close() {
    if (scope_ != nullptr) {
      napi_close_handle_scope(env_, scope_);
      scope_ = nullptr;
    }
  }

  napi_env env_;
  bool enabled_;
  napi_handle_scope scope_ = nullptr;
};

// Reads the UTF-16 code units of `string` into `units`, usually with one
// call. Returns napi_string_expected for a non-string (a symbol key).
napi_status ReadUnits(napi_env env, napi_value string,
                      std::vector<char16_t>& units, size_t& count) {
  size_t copied = 0;
  napi_status status = napi_get_value_string_utf16(env, string, units.data(),
                                                   units.size(), &copied);
  if (status != napi_ok) return status;
  // The call copies at most size - 1 units, so a full buffer may mean a cut.
  if (copied + 1 < units.size()) {
    count = copied;
    return napi_ok;
  }
  size_t length = 0;
  status = napi_get_value_string_utf16(env, string, nullptr, 0, &length);
  if (status != napi_ok) return status;
  if (length > copied) {
    units.resize(length + 1);
    status = napi_get_value_string_utf16(env, string, units.data(),
                                         units.size(), &copied);
    if (status != napi_ok) return status;
  }
  count = copied;
  return napi_ok;
}

// ---------------------------------------------------------------------------
// Paths in error messages
// ---------------------------------------------------------------------------

// One step from the root to the value being encoded. Locations live on the
// C++ stack of the recursive encoder and link to their parent.
struct Location {
  const Location* parent = nullptr;  // nullptr at the root
  napi_value key = nullptr;          // property key, or nullptr for an index
  uint32_t index = 0;                // array index when `key` is nullptr
  napi_value value = nullptr;        // set when the value is a container
};

constexpr size_t kMaxKeyBytesInPath = 60;
constexpr size_t kPathHeadSegments = 10;
constexpr size_t kPathTailSegments = 6;

bool IsIdentifier(const std::string& text) {
  if (text.empty()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  c == '_' || c == '$';
    bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

std::string Quote(const std::string& text) {
  std::string quoted(1, '"');
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += static_cast<char>(c);
    } else if (c < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", c);
      quoted += escape;
    } else {
      quoted += static_cast<char>(c);
    }
  }
  quoted += '"';
  return quoted;
}

// Returns the UTF-8 text of a string, cut to about kMaxKeyBytesInPath bytes
// (whole characters only) and marked with an ellipsis when cut.
std::string ShortUtf8(napi_env env, napi_value string) {
  char buffer[kMaxKeyBytesInPath + 1];
  size_t copied = 0;
  size_t length = 0;
  if (napi_get_value_string_utf8(env, string, nullptr, 0, &length) != napi_ok ||
      napi_get_value_string_utf8(env, string, buffer, sizeof buffer, &copied) !=
          napi_ok) {
    return "?";
  }
  std::string text(buffer, copied);
  if (copied < length) text += "\xE2\x80\xA6";  // U+2026 ellipsis
  return text;
}

// Describes a symbol as JavaScript prints it: Symbol(description).
std::string SymbolText(napi_env env, napi_value symbol) {
  napi_value description;
  napi_valuetype type = napi_undefined;
  if (napi_get_named_property(env, symbol, "description", &description) ==
          napi_ok &&
      napi_typeof(env, description, &type) == napi_ok && type == napi_string) {
    std::string text = "Symbol(";
    text += ShortUtf8(env, description);
    text += ')';
    return text;
  }
  return "Symbol()";
}

void AppendSegment(napi_env env, const Location& location, std::string& path) {
  if (location.key == nullptr) {
    path += '[';
    path += std::to_string(location.index);
    path += ']';
    return;
  }
  napi_valuetype type = napi_undefined;
  napi_typeof(env, location.key, &type);
  if (type == napi_symbol) {
    path += '[';
    path += SymbolText(env, location.key);
    path += ']';
    return;
  }
  std::string key = ShortUtf8(env, location.key);
  if (IsIdentifier(key)) {
    path += '.';
    path += key;
  } else {
    path += '[';
    path += Quote(key);
    path += ']';
  }
}

// Builds a path such as "item.user.tags[2]". A path of many levels keeps only
// its first and last segments, around an ellipsis.
std::string PathOf(napi_env env, std::string_view root_path,
                   const Location& location) {
  std::vector<const Location*> chain;
  for (const Location* l = &location; l->parent != nullptr; l = l->parent) {
    chain.push_back(l);
  }
  std::reverse(chain.begin(), chain.end());

  std::string path(root_path);
  size_t elide_from = chain.size();
  size_t elide_to = chain.size();
  if (chain.size() > kPathHeadSegments + kPathTailSegments + 1) {
    elide_from = kPathHeadSegments;
    elide_to = chain.size() - kPathTailSegments;
  }
  for (size_t i = 0; i < chain.size(); ++i) {
    if (i == elide_from) {
      path += "\xE2\x80\xA6";
      i = elide_to - 1;
      continue;
    }
    AppendSegment(env, *chain[i], path);
  }
  return path;
}

// Names the kind of an unsupported value: "a function", "an instance of Map".
std::string DescribeUnsupported(napi_env env, napi_value value,
                                napi_valuetype type) {
  switch (type) {
    case napi_function:
      return "a function";
    case napi_symbol:
      return "a symbol";
    case napi_external:
      return "an external value";
    default:
      break;
  }
  // The constructor's name is read only to word the message, so a getter or
  // proxy trap that throws here is ignored.
  std::string name;
  napi_value constructor;
  napi_value name_value;
  napi_valuetype constructor_type = napi_undefined;
  napi_valuetype name_type = napi_undefined;
  if (napi_get_named_property(env, value, "constructor", &constructor) ==
          napi_ok &&
      napi_typeof(env, constructor, &constructor_type) == napi_ok &&
      constructor_type == napi_function &&
      napi_get_named_property(env, constructor, "name", &name_value) ==
          napi_ok &&
      napi_typeof(env, name_value, &name_type) == napi_ok &&
      name_type == napi_string) {
    name = ShortUtf8(env, name_value);
  }
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
  }
  if (name.empty() || name == "Object") {
    return "an object whose prototype is neither Object.prototype nor null";
  }
  return "an instance of " + name;
}

// ---------------------------------------------------------------------------
// Encoder
// ---------------------------------------------------------------------------

class Encoder {
 public:
  Encoder(napi_env env, const CodecEnvData& data, std::string_view root_path,
          std::vector<uint8_t>& out)
      : env_(env),
        data_(data),
        root_path_(root_path),
        out_(out),
        writer_(out),
        start_(out.size()),
        scratch_(thread_scratch) {}

  void Encode(napi_value value) {
    writer_.PutU8(codec::kFormatVersion);
    Location root;
    EncodeAt(value, root);
  }

 private:
  void EncodeAt(napi_value value, Location& location) {
    napi_valuetype type;
    Check(env_, napi_typeof(env_, value, &type));
    switch (type) {
      case napi_undefined:
        writer_.PutTag(Tag::kUndefined);
        return;
      case napi_null:
        writer_.PutTag(Tag::kNull);
        return;
      case napi_boolean: {
        bool b;
        Check(env_, napi_get_value_bool(env_, value, &b));
        writer_.PutTag(b ? Tag::kTrue : Tag::kFalse);
        return;
      }
      case napi_number: {
        double number;
        Check(env_, napi_get_value_double(env_, value, &number));
        codec::WriteNumber(writer_, number);
        return;
      }
      case napi_string: {
        size_t count = 0;
        Check(env_, ReadUnits(env_, value, scratch_.units, count));
        WriteUnits(count, location);
        return;
      }
      case napi_bigint:
        EncodeBigInt(value, location);
        return;
      case napi_object:
        EncodeObject(value, location);
        return;
      default:
        RejectUnsupported(value, type, location);
    }
  }

  // Writes the first `count` code units in scratch_.units as a string.
  void WriteUnits(size_t count, const Location& location) {
    ReserveBudget(2 * count + 6, location);
    codec::WriteString(writer_, scratch_.units.data(), count);
  }

  // Leaf conversions are kept out of line so that their locals do not
  // enlarge the frames of the recursion (EncodeAt and the containers).
  [[gnu::noinline]] void EncodeBigInt(napi_value value,
                                      const Location& location) {
    uint64_t inline_words[4];
    const uint64_t* words = inline_words;
    int sign = 0;
    size_t count = 4;
    Check(env_, napi_get_value_bigint_words(env_, value, &sign, &count,
                                            inline_words));
    if (count > 4) {
      scratch_.words.resize(count);
      Check(env_, napi_get_value_bigint_words(env_, value, &sign, &count,
                                              scratch_.words.data()));
      words = scratch_.words.data();
    }
    ReserveBudget(8 * count + 7, location);
    codec::WriteBigInt(writer_, sign != 0, words, static_cast<uint32_t>(count));
  }

  void EncodeObject(napi_value value, Location& location) {
    // The first object met is the root, so the prototypes are fetched into
    // the caller's handle scope, which outlives every chunk scope below.
    if (object_prototype_ == nullptr) {
      Check(env_, napi_get_reference_value(env_, data_.object_prototype,
                                           &object_prototype_));
      Check(env_, napi_get_reference_value(env_, data_.array_prototype,
                                           &array_prototype_));
    }
    bool is_array;
    Check(env_, napi_is_array(env_, value, &is_array));
    napi_value prototype;
    Check(env_, napi_get_prototype(env_, value, &prototype));
    if (is_array) {
      if (!StrictEquals(prototype, array_prototype_)) {
        RejectUnsupported(value, napi_object, location);
      }
      EncodeArray(value, location);
      return;
    }
    if (StrictEquals(prototype, object_prototype_)) {
      EncodeProperties(value, false, location);
      return;
    }
    napi_valuetype prototype_type;
    Check(env_, napi_typeof(env_, prototype, &prototype_type));
    if (prototype_type == napi_null) {
      // Node-API reports a Proxy's prototype as null, so a Proxy around an
      // array, a Map or a class instance lands here and would be stored as a
      // plain object with its contents lost.
      if (IsProxy(value)) RejectProxy(location);
      EncodeProperties(value, true, location);
      return;
    }

    bool is_typed_array;
    Check(env_, napi_is_typedarray(env_, value, &is_typed_array));
    if (is_typed_array) {
      EncodeTypedArray(value, location);
      return;
    }
    bool is_date;
    Check(env_, napi_is_date(env_, value, &is_date));
    if (is_date) {
      double time;
      Check(env_, napi_get_date_value(env_, value, &time));
      codec::WriteDate(writer_, time);
      return;
    }
    RejectUnsupported(value, napi_object, location);
  }

  [[gnu::noinline]] void EncodeTypedArray(napi_value value,
                                          const Location& location) {
    napi_typedarray_type type;
    size_t length;
    void* data;
    napi_value array_buffer;
    size_t byte_offset;
    Check(env_, napi_get_typedarray_info(env_, value, &type, &length, &data,
                                         &array_buffer, &byte_offset));
    if (type != napi_uint8_array) {
      RejectUnsupported(value, napi_object, location);
    }
    ReserveBudget(length + 6, location);
    codec::WriteBytes(writer_, static_cast<const uint8_t*>(data),
                      static_cast<uint32_t>(length));
  }

  void EncodeArray(napi_value array, Location& location) {
    EnterContainer(array, location);
    uint32_t length;
    Check(env_, napi_get_array_length(env_, array, &length));
    codec::WriteArrayHeader(writer_, length);

    ChunkedScope scope(env_, length);
    for (uint32_t i = 0; i < length; ++i) {
      scope.Step(i);
      Location child{&location, nullptr, i};
      ReserveBudget(1, child);
      // A hole reads as undefined (or as an index inherited from the
      // prototype, as any read of the hole would).
      napi_value element;
      Check(env_, napi_get_element(env_, array, i, &element));
      EncodeAt(element, child);
    }
    --depth_;
  }

  // Writes the own enumerable properties of a plain or null-prototype object.
  // Accessors are read through their getters, as JSON.stringify does.
  // NOTE: napi_get_all_property_names takes V8's generic key collection.
  // Object.keys is about 0.1 us faster per object (Node.js 20.20, x86-64),
  // but it skips symbol keys, and the extra lookup that rejects them costs
  // as much again.
  void EncodeProperties(napi_value object, bool null_prototype,
                        Location& location) {
    EnterContainer(object, location);
    napi_value keys;
    Check(env_, napi_get_all_property_names(
                    env_, object, napi_key_own_only, napi_key_enumerable,
                    napi_key_numbers_to_strings, &keys));
    uint32_t count;
    Check(env_, napi_get_array_length(env_, keys, &count));
    codec::WriteObjectHeader(writer_, null_prototype, count);

    ChunkedScope scope(env_, count);
    for (uint32_t i = 0; i < count; ++i) {
      scope.Step(i);
      napi_value key;
      Check(env_, napi_get_element(env_, keys, i, &key));
      Location child{&location, key, i};
      size_t units = 0;
      napi_status status = ReadUnits(env_, key, scratch_.units, units);
      if (status == napi_string_expected) RejectSymbolKey(child);
      Check(env_, status);
      WriteUnits(units, child);

      napi_value property;
      Check(env_, napi_get_property(env_, object, key, &property));
      EncodeAt(property, child);
    }
    --depth_;
  }

  void EnterContainer(napi_value container, Location& location) {
    location.value = container;
    ++depth_;
    if (depth_ > kCycleCheckDepth) RejectCycle(location);
    if (depth_ > codec::kMaxDepth) RejectTooDeep(location);
  }

  // Throws when the value at `location` is one of its ancestors. The message
  // names the first place on the path where a value repeats, not the deepest.
  [[gnu::noinline]] void RejectCycle(const Location& location) {
    size_t distance = 0;
    size_t d = 1;
    for (const Location* a = location.parent; a != nullptr; a = a->parent) {
      if (StrictEquals(a->value, location.value)) {
        distance = d;
        break;
      }
      ++d;
    }
    if (distance == 0) return;

    std::vector<const Location*> chain;
    for (const Location* l = &location; l != nullptr; l = l->parent) {
      chain.push_back(l);
    }
    std::reverse(chain.begin(), chain.end());
    size_t first = chain.size() - 1;
    for (size_t k = distance; k < chain.size(); ++k) {
      if (StrictEquals(chain[k]->value, chain[k - distance]->value)) {
        first = k;
        break;
      }
    }
    ThrowCoded(env_, ErrorType::kTypeError, kInvalidValue,
               PathOf(env_, root_path_, *chain[first]) +
                   " refers to its ancestor " +
                   PathOf(env_, root_path_, *chain[first - distance]) +
                   ", so the value contains a cycle, which the BINARY "
                   "format cannot store");
  }

  [[noreturn, gnu::noinline, gnu::cold]] void RejectUnsupported(
      napi_value value, napi_valuetype type, const Location& location) {
    // Describe first: it clears any exception that a getter it runs throws.
    std::string kind = DescribeUnsupported(env_, value, type);
    ThrowCoded(env_, ErrorType::kTypeError, kInvalidValue,
               PathOf(env_, root_path_, location) + " is " + kind +
                   ", which the BINARY format cannot store. " +
                   kSupportedValues);
  }

  bool IsProxy(napi_value value) {
    if (data_.is_proxy.IsEmpty()) return false;
    napi_value check;
    napi_value result;
    bool is_proxy = false;
    Check(env_, napi_get_reference_value(env_, data_.is_proxy, &check));
    Check(env_, napi_call_function(env_, check, check, 1, &value, &result));
    Check(env_, napi_get_value_bool(env_, result, &is_proxy));
    return is_proxy;
  }

  [[noreturn, gnu::noinline, gnu::cold]] void RejectProxy(
      const Location& location) {
    ThrowCoded(env_, ErrorType::kTypeError, kInvalidValue,
               PathOf(env_, root_path_, location) +
                   " is a Proxy, which the BINARY format cannot store. "
                   "Store the object it wraps, or a plain copy of it");
  }

  [[noreturn, gnu::noinline, gnu::cold]] void RejectSymbolKey(
      const Location& location) {
    ThrowCoded(env_, ErrorType::kTypeError, kInvalidValue,
               PathOf(env_, root_path_, location) +
                   " is a property with a symbol key, which the BINARY "
                   "format cannot store. Use a string key");
  }

  // Throws unless `bytes` more fit within kMaxEncodedLength.
  void ReserveBudget(size_t bytes, const Location& location) {
    size_t used = out_.size() - start_;
    if (used > codec::kMaxEncodedLength ||
        bytes > codec::kMaxEncodedLength - used) {
      RejectTooLarge(location);
    }
  }

  // The Reject* functions are kept out of line, because their message
  // building would otherwise enlarge the frame of every recursion level.
  [[noreturn, gnu::noinline, gnu::cold]] void RejectTooDeep(
      const Location& location) {
    ThrowCoded(env_, ErrorType::kRangeError, kValueTooDeep,
               PathOf(env_, root_path_, location) +
                   " is nested deeper than maxDepth=" +
                   std::to_string(codec::kMaxDepth) +
                   " arrays and objects, which the BINARY format cannot "
                   "store. Flatten the value");
  }

  [[noreturn, gnu::noinline, gnu::cold]] void RejectTooLarge(
      const Location& location) {
    ThrowCoded(env_, ErrorType::kRangeError, kValueTooLarge,
               std::string(root_path_) + " is longer than maxEncodedLength=" +
                   std::to_string(codec::kMaxEncodedLength) +
                   " bytes when encoded (the limit was reached at " +
                   PathOf(env_, root_path_, location) +
                   "). Store smaller values");
  }

  bool StrictEquals(napi_value a, napi_value b) {
    bool equal;
    Check(env_, napi_strict_equals(env_, a, b, &equal));
    return equal;
  }

  napi_env env_;
  const CodecEnvData& data_;
  std::string_view root_path_;
  std::vector<uint8_t>& out_;
  ByteWriter writer_;
  size_t start_;
  Scratch& scratch_;
  uint32_t depth_ = 0;
  napi_value object_prototype_ = nullptr;
  napi_value array_prototype_ = nullptr;
};

// ---------------------------------------------------------------------------
// Decoder
// ---------------------------------------------------------------------------

// `subject` names the bytes at the start of the message.
[[noreturn, gnu::noinline, gnu::cold]] void ThrowCorrupt(
    napi_env env, const uint8_t* bytes, size_t length, size_t offset,
    const char* reason, std::string_view subject = "the bytes") {
  std::string message = std::string(subject) +
                        " are not a valid encoding, because " +
                        std::string(reason) + " (byte offset " +
                        std::to_string(offset) +
                        " of length=" + std::to_string(length);
  if (offset < length) {
    char byte[16];
    std::snprintf(byte, sizeof byte, ", byte 0x%02x", bytes[offset]);
    message += byte;
  }
  message += ")";
  if (offset == 0 && length > 0 && bytes[0] != codec::kFormatVersion) {
    message += ". This build reads format version " +
               std::to_string(codec::kFormatVersion);
  }
  ThrowCoded(env, ErrorType::kError, kCorruptData, message);
}

// Properties of one object being decoded, collected for one
// napi_define_properties call per chunk. They sit at the top of
// Scratch::descriptors and Scratch::key_chars. A nested object adds its own
// entries above them and removes them before this object adds more, so each
// object's entries stay contiguous.
class PendingProperties {
 public:
  explicit PendingProperties(Scratch& scratch)
      : scratch_(scratch),
        descriptors_base_(scratch_.descriptors.size()),
        chars_base_(scratch_.key_chars.size()) {}
  PendingProperties(const PendingProperties&) = delete;
  PendingProperties& operator=(const PendingProperties&) = delete;
  // Also runs when a nested read throws.
  ~PendingProperties() { Clear(); }

  // Stores the characters of the next key whose descriptor has no `name`.
  void AddKeyChars(const uint8_t* chars, uint32_t n) {
    scratch_.key_chars.insert(scratch_.key_chars.end(), chars, chars + n);
    scratch_.key_chars.push_back('\0');
  }

  // Defines the collected properties on `object` in order and clears them.
  void Define(napi_env env, napi_value object) {
    std::vector<napi_property_descriptor>& descriptors = scratch_.descriptors;
    size_t count = descriptors.size() - descriptors_base_;
    if (count == 0) return;
    // The characters are addressed only now, because the vector may have
    // moved while values were read.
    const char* chars = scratch_.key_chars.data() + chars_base_;
    for (size_t i = descriptors_base_; i < descriptors.size(); ++i) {
      if (descriptors[i].name == nullptr) {
        descriptors[i].utf8name = chars;
        chars += std::strlen(chars) + 1;
      }
    }
    napi_status status = napi_define_properties(
        env, object, count, descriptors.data() + descriptors_base_);
    Clear();
    Check(env, status);
  }

 private:
  void Clear() {
    scratch_.descriptors.resize(descriptors_base_);
    scratch_.key_chars.resize(chars_base_);
  }

  Scratch& scratch_;
  size_t descriptors_base_;
  size_t chars_base_;
};

// Creates JavaScript values from bytes that ValidateValue() accepted. Its
// reads are still bounds-checked, so a disagreement with the validator
// throws RINGCAST_CORRUPT_DATA instead of reading out of range.
class Decoder {
 public:
  Decoder(napi_env env, const uint8_t* bytes, size_t length)
      : env_(env),
        bytes_(bytes),
        length_(length),
        reader_(bytes, length),
        scratch_(thread_scratch) {}

  napi_value Decode() {
    uint8_t version;
    Expect(reader_.ReadU8(version));
    return ReadValue();
  }

 private:
  napi_value ReadValue() {
    uint8_t byte;
    Expect(reader_.ReadU8(byte));
    napi_value result = nullptr;
    switch (static_cast<Tag>(byte)) {
      case Tag::kUndefined:
        Check(env_, napi_get_undefined(env_, &result));
        break;
      case Tag::kNull:
        Check(env_, napi_get_null(env_, &result));
        break;
      case Tag::kFalse:
      case Tag::kTrue:
        Check(env_, napi_get_boolean(env_, static_cast<Tag>(byte) == Tag::kTrue,
                                     &result));
        break;
      case Tag::kInt32: {
        uint32_t bits;
        Expect(reader_.ReadU32(bits));
        Check(env_,
              napi_create_int32(env_, static_cast<int32_t>(bits), &result));
        break;
      }
      case Tag::kFloat64: {
        double number;
        Expect(reader_.ReadF64(number));
        Check(env_, napi_create_double(env_, number, &result));
        break;
      }
      case Tag::kBigInt:
        result = ReadBigInt();
        break;
      case Tag::kLatin1String:
      case Tag::kUtf16String:
        result = ReadString(static_cast<Tag>(byte));
        break;
      case Tag::kArray:
        result = ReadArray();
        break;
      case Tag::kObject:
      case Tag::kNullProtoObject:
        result = ReadObject(static_cast<Tag>(byte) == Tag::kNullProtoObject);
        break;
      case Tag::kDate: {
        double time;
        Expect(reader_.ReadF64(time));
        Check(env_, napi_create_date(env_, time, &result));
        break;
      }
      case Tag::kBytes: {
        uint32_t n;
        const uint8_t* data;
        Expect(reader_.ReadVarU32(n) && reader_.ReadBytes(n, data));
        Check(env_, napi_create_buffer_copy(env_, n, data, nullptr, &result));
        break;
      }
      default:
        Expect(false);
    }
    return result;
  }

  napi_value ReadString(Tag tag) {
    uint32_t n;
    const uint8_t* data;
    if (tag == Tag::kLatin1String) {
      Expect(reader_.ReadVarU32(n) && reader_.ReadBytes(n, data));
      return CreateLatin1(data, n);
    }
    Expect(reader_.ReadVarU32(n) && reader_.ReadBytes(2 * size_t{n}, data));
    const char16_t* units = reinterpret_cast<const char16_t*>(data);
    bool aligned = reinterpret_cast<uintptr_t>(data) % alignof(char16_t) == 0;
    if (std::endian::native != std::endian::little || !aligned) {
      std::vector<char16_t>& copy = scratch_.units;
      if (copy.size() < n) copy.resize(n);
      for (uint32_t i = 0; i < n; ++i) {
        copy[i] = static_cast<char16_t>(codec::LoadLE16(data + 2 * i));
      }
      units = copy.data();
    }
    napi_value result;
    Check(env_, napi_create_string_utf16(env_, units, n, &result));
    return result;
  }

  napi_value CreateLatin1(const uint8_t* data, uint32_t n) {
    napi_value result;
    Check(env_, napi_create_string_latin1(
                    env_, reinterpret_cast<const char*>(data), n, &result));
    return result;
  }

  // Out of line, so that its word buffer does not enlarge ReadValue's frame.
  [[gnu::noinline]] napi_value ReadBigInt() {
    uint8_t sign;
    uint32_t count;
    const uint8_t* data;
    Expect(reader_.ReadU8(sign) && reader_.ReadVarU32(count) &&
           reader_.ReadBytes(8 * size_t{count}, data));
    uint64_t inline_words[4];
    uint64_t* words = inline_words;
    if (count > 4) {
      scratch_.words.resize(count);
      words = scratch_.words.data();
    }
    for (uint32_t i = 0; i < count; ++i) {
      words[i] = codec::LoadLE64(data + 8 * size_t{i});
    }
    napi_value result;
    Check(env_, napi_create_bigint_words(env_, sign, count, words, &result));
    return result;
  }

  napi_value ReadArray() {
    uint32_t length;
    Expect(reader_.ReadVarU32(length));
    napi_value array;
    Check(env_, napi_create_array_with_length(env_, length, &array));
    ChunkedScope scope(env_, length);
    for (uint32_t i = 0; i < length; ++i) {
      scope.Step(i);
      napi_value element = ReadValue();
      // NOTE: napi_set_element is an ordinary [[Set]], so an index setter
      // defined on Array.prototype would run here. Node-API has no
      // CreateDataProperty for elements.
      Check(env_, napi_set_element(env_, array, i, element));
    }
    return array;
  }

  // Defines the properties with napi_define_properties rather than setting
  // them, so a key such as "__proto__" becomes an own data property and no
  // setter inherited from Object.prototype runs.
  napi_value ReadObject(bool null_prototype) {
    uint32_t count;
    Expect(reader_.ReadVarU32(count));
    napi_value object;
    if (null_prototype) {
      object = CreateNullProtoObject();
    } else {
      Check(env_, napi_create_object(env_, &object));
    }

    PendingProperties pending(scratch_);
    ChunkedScope scope(env_, count);
    for (uint32_t i = 0; i < count; ++i) {
      // Values created in a chunk's scope must be defined before it closes.
      if (i > 0 && i % kScopeChunk == 0) pending.Define(env_, object);
      scope.Step(i);
      napi_property_descriptor property{};
      property.attributes = napi_default_jsproperty;
      ReadKey(property, pending);
      property.value = ReadValue();
      scratch_.descriptors.push_back(property);
    }
    pending.Define(env_, object);
    return object;
  }

  // Reads a key into `property`. An ASCII key without NUL is copied into
  // Scratch::key_chars and later passed as utf8name, because V8 then finds
  // it in its table of internalized strings without creating a string. Any
  // other key becomes a string value.
  // NOTE: each object looks its keys up in that table again. A cache of key
  // strings across calls needs references to strings, which Node-API allows
  // only from version 10, and this addon builds for version 8.
  void ReadKey(napi_property_descriptor& property, PendingProperties& pending) {
    uint8_t byte;
    Expect(reader_.ReadU8(byte));
    Tag tag = static_cast<Tag>(byte);
    Expect(tag == Tag::kLatin1String || tag == Tag::kUtf16String);
    if (tag == Tag::kLatin1String) {
      uint32_t n;
      const uint8_t* data;
      Expect(reader_.ReadVarU32(n) && reader_.ReadBytes(n, data));
      uint8_t all = 0;
      bool has_nul = false;
      for (uint32_t i = 0; i < n; ++i) {
        all |= data[i];
        has_nul |= data[i] == 0;
      }
      if (all < 0x80 && !has_nul) {
        pending.AddKeyChars(data, n);
      } else {
        property.name = CreateLatin1(data, n);
      }
      return;
    }
    property.name = ReadString(tag);
  }

  napi_value CreateNullProtoObject() {
    void* instance = nullptr;
    Check(env_, napi_get_instance_data(env_, &instance));
    const CodecEnvData& data = static_cast<AddonData*>(instance)->codec;
    napi_value create;
    napi_value receiver;
    napi_value null_value;
    napi_value object;
    Check(env_, napi_get_reference_value(env_, data.object_create, &create));
    Check(env_, napi_get_undefined(env_, &receiver));
    Check(env_, napi_get_null(env_, &null_value));
    Check(env_,
          napi_call_function(env_, receiver, create, 1, &null_value, &object));
    return object;
  }

  void Expect(bool ok) {
    if (!ok) {
      ThrowCorrupt(env_, bytes_, length_, reader_.offset(),
                   "the decoder disagrees with the validator (a ringcast "
                   "bug)");
    }
  }

  napi_env env_;
  const uint8_t* bytes_;
  size_t length_;
  ByteReader reader_;
  Scratch& scratch_;
};

// ---------------------------------------------------------------------------
// JavaScript functions
// ---------------------------------------------------------------------------

// encode(value, rootPath) -> Buffer
napi_value EncodeFunction(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  void* data = nullptr;
  Check(env, napi_get_cb_info(env, info, &argc, args, nullptr, &data));
  const auto& codec_data = *static_cast<const CodecEnvData*>(data);

  // Short paths are read without a heap allocation.
  char inline_path[64];
  size_t path_length = 0;
  std::string long_path;
  std::string_view root_path;
  if (argc < 2 ||
      napi_get_value_string_utf8(env, args[1], inline_path, sizeof inline_path,
                                 &path_length) != napi_ok) {
    ThrowCoded(env, ErrorType::kTypeError, kInvalidArgument,
               "rootPath must be a string that names the value in errors, "
               "such as \"item\"");
  }
  // A cut keeps whole UTF-8 characters, so it stops at most 3 bytes short.
  if (path_length + 4 < sizeof inline_path) {
    root_path = std::string_view(inline_path, path_length);
  } else {
    long_path = Napi::Value(env, args[1]).As<Napi::String>().Utf8Value();
    root_path = long_path;
  }

  // A getter may call encode again, and that nested call gets its own buffer.
  std::vector<uint8_t> own_output;
  Scratch& scratch = thread_scratch;
  bool borrowed = !scratch.output_in_use;
  std::vector<uint8_t>& output = borrowed ? scratch.output : own_output;
  if (borrowed) scratch.output_in_use = true;
  struct Release {
    Scratch& scratch;
    bool borrowed;
    ~Release() {
      if (!borrowed) return;
      scratch.output.clear();
      if (scratch.output.capacity() > kRetainedOutputBytes) {
        std::vector<uint8_t>().swap(scratch.output);
      }
      scratch.output_in_use = false;
    }
  } release{scratch, borrowed};

  EncodeValue(Napi::Env(env), codec_data, Napi::Value(env, args[0]), root_path,
              output);
  napi_value buffer;
  Check(env, napi_create_buffer_copy(env, output.size(), output.data(), nullptr,
                                     &buffer));
  return buffer;
}

// Reads an integer argument in [0, 2^53) or throws naming it and its value.
double IntegerArgument(napi_env env, napi_value value, const char* name) {
  double number = 0;
  if (napi_get_value_double(env, value, &number) != napi_ok) {
    ThrowCoded(env, ErrorType::kTypeError, kInvalidArgument,
               std::string(name) + " must be a number");
  }
  if (!(number >= 0 && number <= 9007199254740991.0) ||
      number != static_cast<double>(static_cast<uint64_t>(number))) {
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", number);
    ThrowCoded(env, ErrorType::kRangeError, kInvalidArgument,
               std::string(name) + "=" + text +
                   " is not valid. Use an integer from 0 to 2^53-1");
  }
  return number;
}

// decode(buffer, offset, length) -> value
napi_value DecodeFunction(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  Check(env, napi_get_cb_info(env, info, &argc, args, nullptr, nullptr));

  bool is_typed_array = false;
  if (argc >= 1) napi_is_typedarray(env, args[0], &is_typed_array);
  napi_typedarray_type type = napi_int8_array;
  size_t byte_length = 0;
  void* data = nullptr;
  if (is_typed_array) {
    Check(env, napi_get_typedarray_info(env, args[0], &type, &byte_length,
                                        &data, nullptr, nullptr));
  }
  if (!is_typed_array || type != napi_uint8_array || argc < 3) {
    ThrowCoded(env, ErrorType::kTypeError, kInvalidArgument,
               "decode(buffer, offset, length) needs a Buffer or Uint8Array "
               "and two integers");
  }
  double offset = IntegerArgument(env, args[1], "offset");
  double length = IntegerArgument(env, args[2], "length");
  if (offset + length > static_cast<double>(byte_length)) {
    ThrowCoded(
        env, ErrorType::kRangeError, kInvalidArgument,
        "offset=" + std::to_string(static_cast<uint64_t>(offset)) +
            " and length=" + std::to_string(static_cast<uint64_t>(length)) +
            " reach past the buffer's byteLength=" +
            std::to_string(byte_length) +
            ". Pass a range with offset + length <= byteLength");
  }
  const uint8_t* bytes =
      static_cast<const uint8_t*>(data) + static_cast<size_t>(offset);
  return DecodeValue(Napi::Env(env), bytes, static_cast<size_t>(length));
}

// Runs a raw callback with node-addon-api's C++ exception handling.
template <napi_value (*Function)(napi_env, napi_callback_info)>
napi_value Guarded(napi_env env, napi_callback_info info) {
  try {
    return Function(env, info);
  } catch (const Napi::Error& error) {
    error.ThrowAsJavaScriptException();
    return nullptr;
  }
}

void ReleaseLargeUnits() {
  std::vector<char16_t>& units = thread_scratch.units;
  if (units.size() > kRetainedUnits) std::vector<char16_t>(256).swap(units);
}

}  // namespace

void InitCodec(Napi::Env env, Napi::Object exports, CodecEnvData& data) {
  napi_value prototype;
  Check(env, napi_get_prototype(env, Napi::Object::New(env), &prototype));
  data.object_prototype = Napi::Persistent(Napi::Object(env, prototype));
  Check(env, napi_get_prototype(env, Napi::Array::New(env), &prototype));
  data.array_prototype = Napi::Persistent(Napi::Object(env, prototype));
  Napi::Object object_constructor =
      env.Global().Get("Object").As<Napi::Object>();
  data.object_create =
      Napi::Persistent(object_constructor.Get("create").As<Napi::Function>());

  napi_value encode;
  napi_value decode;
  Check(env, napi_create_function(env, "encode", NAPI_AUTO_LENGTH,
                                  Guarded<EncodeFunction>, &data, &encode));
  Check(env, napi_create_function(env, "decode", NAPI_AUTO_LENGTH,
                                  Guarded<DecodeFunction>, nullptr, &decode));
  exports.Set("encode", encode);
  exports.Set("decode", decode);
  exports.Set("setProxyCheck",
              Napi::Function::New(
                  env,
                  [&data](const Napi::CallbackInfo& info) {
                    data.is_proxy =
                        Napi::Persistent(info[0].As<Napi::Function>());
                  },
                  "setProxyCheck"));
}

void EncodeValue(Napi::Env env, const CodecEnvData& data, Napi::Value value,
                 std::string_view root_path, std::vector<uint8_t>& out) {
  size_t original_size = out.size();
  try {
    Encoder(env, data, root_path, out).Encode(value);
  } catch (const std::bad_alloc&) {
    out.resize(original_size);
    ThrowCoded(env, ErrorType::kRangeError, kValueTooLarge,
               std::string(root_path) +
                   " could not be encoded because memory ran out");
  } catch (...) {
    out.resize(original_size);
    throw;
  }
  ReleaseLargeUnits();
}

void CheckEncoding(Napi::Env env, const uint8_t* bytes, size_t length,
                   std::string_view path) {
  codec::ValidationError error;
  if (!codec::ValidateValue(bytes, length, &error)) {
    std::string subject = "the encoded bytes of " + std::string(path);
    ThrowCorrupt(env, bytes, length, error.offset, error.reason, subject);
  }
}

Napi::Value DecodeValue(Napi::Env env, const uint8_t* bytes, size_t length) {
  codec::ValidationError error;
  if (!codec::ValidateValue(bytes, length, &error)) {
    ThrowCorrupt(env, bytes, length, error.offset, error.reason);
  }
  napi_value value = Decoder(env, bytes, length).Decode();
  ReleaseLargeUnits();
  return Napi::Value(env, value);
}

}  // namespace ringcast
