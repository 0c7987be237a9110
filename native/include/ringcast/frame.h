// Validation of a read_many() frame (layout in layout.h), the byte string
// that the TypeScript side parses with a DataView. It accepts exactly the
// frames that parser handles correctly, so fuzzing it shows that no byte
// string makes a frame walk read out of bounds or loop without end.
//
// Header-only, with no Node.js dependency.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringcast/layout.h"

namespace ringcast {

// Largest sequence a frame may carry: JavaScript numbers represent integers
// exactly up to 2^53 - 1, and the parser reads sequences as numbers.
inline constexpr int64_t kMaxFrameSequence = (int64_t{1} << 53) - 1;

struct FrameSummary {
  int64_t start_sequence = 0;
  uint32_t count = 0;
  // Sum of the records' payload lengths, padding excluded.
  uint64_t payload_bytes = 0;
};

struct FrameError {
  size_t offset = 0;        // Byte offset where the problem was found.
  const char* reason = "";  // Static text, such as "a reserved word is not 0".
};

// Calls `visit(sequence, payload, length)` for each record of a frame that
// ValidateFrame() accepted. Does not check the frame again.
template <typename Visit>
void ForEachFrameRecord(const uint8_t* data, Visit&& visit) {
  const uint32_t count = load_le32(data + kFrameCountOffset);
  size_t offset = kFrameHeaderBytes;
  for (uint32_t i = 0; i < count; ++i) {
    const auto sequence =
        static_cast<int64_t>(load_le64(data + offset + kRecordSequenceOffset));
    const uint32_t length = load_le32(data + offset + kRecordLengthOffset);
    visit(sequence, data + offset + kRecordHeaderBytes, length);
    offset += record_bytes(length);
  }
}

// Checks that [data, data + size) is exactly one frame as read_many()
// writes it: a header whose reserved word is 0 and whose start sequence is
// 0 .. kMaxFrameSequence, then `count` records with consecutive sequences
// from the start, reserved words of 0, payloads within the frame, zero
// padding to kRecordAlignment, and no bytes after the last record. It never
// reads outside the range and takes O(size) time. On success it fills
// `summary`, on failure `error`, when given.
inline bool ValidateFrame(const uint8_t* data, size_t size,
                          FrameSummary* summary = nullptr,
                          FrameError* error = nullptr) noexcept {
  auto fail = [error](size_t offset, const char* reason) {
    if (error != nullptr) *error = FrameError{offset, reason};
    return false;
  };

  if (size < kFrameHeaderBytes) return fail(0, "the frame header is truncated");
  const auto start =
      static_cast<int64_t>(load_le64(data + kFrameStartSequenceOffset));
  const uint32_t count = load_le32(data + kFrameCountOffset);
  if (load_le32(data + kFrameReservedOffset) != 0) {
    return fail(kFrameReservedOffset, "a reserved word is not 0");
  }
  if (start < 0 || start > kMaxFrameSequence) {
    return fail(kFrameStartSequenceOffset,
                "the start sequence is outside 0 .. 2^53 - 1");
  }
  // Every record takes at least a header, so this bounds the loop below by
  // the size as well as by the count.
  if (count > (size - kFrameHeaderBytes) / kRecordHeaderBytes) {
    return fail(kFrameCountOffset, "the count is larger than the frame holds");
  }
  if (count > 0 && start > kMaxFrameSequence - (count - 1)) {
    return fail(kFrameCountOffset, "a sequence would exceed 2^53 - 1");
  }

  size_t offset = kFrameHeaderBytes;
  uint64_t payload_bytes = 0;
  for (uint32_t i = 0; i < count; ++i) {
    if (size - offset < kRecordHeaderBytes) {
      return fail(offset, "a record header is truncated");
    }
    const auto sequence =
        static_cast<int64_t>(load_le64(data + offset + kRecordSequenceOffset));
    const uint32_t length = load_le32(data + offset + kRecordLengthOffset);
    if (sequence != start + i) {
      return fail(offset + kRecordSequenceOffset,
                  "a record's sequence does not follow the one before");
    }
    if (load_le32(data + offset + kRecordReservedOffset) != 0) {
      return fail(offset + kRecordReservedOffset, "a reserved word is not 0");
    }
    const size_t payload = offset + kRecordHeaderBytes;
    // 64-bit arithmetic: length + padding cannot overflow it.
    const uint64_t padded = align_up(length, kRecordAlignment);
    if (padded > size - payload) {
      return fail(offset + kRecordLengthOffset,
                  "a payload extends beyond the frame");
    }
    for (uint64_t j = length; j < padded; ++j) {
      if (data[payload + j] != 0) {
        return fail(payload + static_cast<size_t>(j), "padding is not zero");
      }
    }
    payload_bytes += length;
    offset = payload + static_cast<size_t>(padded);
  }
  if (offset != size) {
    return fail(offset, "there are bytes after the last record");
  }

  if (summary != nullptr) *summary = FrameSummary{start, count, payload_bytes};
  return true;
}

}  // namespace ringcast
