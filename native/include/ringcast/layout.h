// Byte layouts of the ring storage core: the region that stores the items and
// the frame that RingBuffer::read_many() returns.
//
// Both are fixed, versioned formats. A frame is parsed by the TypeScript side
// with a DataView. A region is addressed only by offsets from its base, so it
// can later be placed in a memory-mapped file shared between processes and
// kept across restarts.
//
// Region (one allocation, all offsets from its base)
//
//   0               192                added_ms_table_offset  arena_offset
//   +---------------+------------------+----------------------+-------------+
//   | RegionHeader  | Slot[slot_count] | int64[slot_count]    | arena       |
//   |               |                  | added_ms, TTL only   | (2^k bytes) |
//   +---------------+------------------+----------------------+-------------+
//
//   RegionHeader, one 64-byte cache line per access pattern:
//     line 0, written once when the region is built, read-only afterwards
//        0 uint64 magic                "RINGCAST" in ASCII
//        8 uint64 arena_bytes          byte size of the arena
//       16 uint64 slot_table_offset    == sizeof(RegionHeader)
//       24 uint64 arena_offset         end of the tables, rounded up to 64
//       32 uint32 layout_version
//       36 uint32 capacity             items, 1 .. 2^31-1
//       40 uint32 ttl_seconds          0 = items never expire
//       44 uint32 slot_count           1 .. capacity
//       48 uint64 added_ms_table_offset
//                                      slot table end when ttl_seconds > 0,
//                                      0 when the ring has no TTL (no table)
//     line 1, published by the writer, loaded by every reader
//       64 int64  head_sequence        oldest visible item (TTL not applied)
//       72 int64  tail_sequence        newest visible item, -1 when none yet
//       80 uint64 pair_version         seqlock version of the two above: odd
//                                      while the writer stores them
//       88 int64  reclaim_sequence     items below it may have their slot and
//                                      arena bytes reused. Never below
//                                      head_sequence
//     line 2, writer bookkeeping, used only under the writer lock
//      128 uint64 tail_position        arena position after the newest item
//      136 int64  last_added_ms        added_ms of the newest item, or
//                                      INT64_MIN before the first
//
//   Slot (16 bytes) of the item with sequence s, at index s % slot_count:
//        0 uint64 position             arena position of the payload
//        8 uint64 length               payload bytes, at most 2^32-1
//   The slot does not store s. A reader has the sequence it requested, and it
//   validates its copy against reclaim_sequence instead.
//
//   added_ms table, only in regions of rings with ttl_seconds > 0: entry
//   s % slot_count is the caller's clock (ms) when item s was added, and
//   never decreases with s.
//
//   Arena: a payload starts at an 8-byte aligned position and is padded with
//   zeros to a multiple of 8 bytes. Positions only grow. The byte at position
//   p is at index p & (arena_bytes - 1), so a payload may wrap around the end.
//
// Frame (little-endian; record offsets are relative to the frame start)
//
//   0                8        12       16
//   +----------------+--------+--------+
//   | start_sequence | count  | 0      |   frame header, kFrameHeaderBytes
//   | int64          | uint32 | uint32 |
//   +----------------+--------+--------+
//   then `count` records, each:
//   0                8        12       16                   16 + padded length
//   +----------------+--------+--------+--------------------+
//   | sequence       | length | 0      | payload, zero pad  |
//   | int64          | uint32 | uint32 | to a multiple of 8 |
//   +----------------+--------+--------+--------------------+
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ringcast {

inline constexpr size_t kCacheLineSize = 64;

// Rounds `value` up to a multiple of `alignment`, a power of two.
constexpr uint64_t align_up(uint64_t value, uint64_t alignment) noexcept {
  return (value + alignment - 1) & ~(alignment - 1);
}

// ---------------------------------------------------------------------------
// Region
// ---------------------------------------------------------------------------

// "RINGCAST" read as a little-endian uint64, so the file starts with the
// readable name on the platforms ringcast builds for.
inline constexpr uint64_t kRegionMagic = 0x54534143474e4952;
// Bumped on any change to RegionHeader, Slot, the added_ms table or the
// arena rules above.
inline constexpr uint32_t kRegionLayoutVersion = 3;
// Payload positions and lengths in the arena are multiples of this, so every
// payload is a run of whole 8-byte words that readers load atomically.
inline constexpr uint64_t kArenaAlignment = 8;

struct RegionHeader {
  // Written once when the region is built, read-only afterwards.
  alignas(kCacheLineSize) uint64_t magic;
  uint64_t arena_bytes;
  uint64_t slot_table_offset;
  uint64_t arena_offset;
  uint32_t layout_version;
  uint32_t capacity;
  uint32_t ttl_seconds;
  uint32_t slot_count;
  uint64_t added_ms_table_offset;

  // Published by the writer, loaded by every reader.
  alignas(kCacheLineSize) int64_t head_sequence;
  int64_t tail_sequence;
  uint64_t pair_version;
  int64_t reclaim_sequence;

  // Writer bookkeeping, read and written only under the writer lock.
  alignas(kCacheLineSize) uint64_t tail_position;
  int64_t last_added_ms;
};

static_assert(std::is_standard_layout_v<RegionHeader>);
static_assert(std::is_trivially_copyable_v<RegionHeader>);
static_assert(sizeof(RegionHeader) == 3 * kCacheLineSize);
static_assert(alignof(RegionHeader) == kCacheLineSize);
static_assert(offsetof(RegionHeader, slot_count) == 44);
static_assert(offsetof(RegionHeader, added_ms_table_offset) == 48);
static_assert(offsetof(RegionHeader, head_sequence) == 64);
static_assert(offsetof(RegionHeader, tail_sequence) == 72);
static_assert(offsetof(RegionHeader, pair_version) == 80);
static_assert(offsetof(RegionHeader, reclaim_sequence) == 88);
static_assert(offsetof(RegionHeader, tail_position) == 128);
static_assert(offsetof(RegionHeader, last_added_ms) == 136);

struct Slot {
  uint64_t position;
  uint64_t length;
};

static_assert(std::is_standard_layout_v<Slot>);
static_assert(std::is_trivially_copyable_v<Slot>);
static_assert(sizeof(Slot) == 16);
static_assert(alignof(Slot) == 8);
static_assert(offsetof(Slot, length) == 8);

inline constexpr uint64_t kSlotTableOffset = sizeof(RegionHeader);

// Offset of the added_ms table, which directly follows the slot table.
constexpr uint64_t added_ms_table_offset_for(uint64_t slot_count) noexcept {
  return kSlotTableOffset + slot_count * sizeof(Slot);
}

// Offset of the arena: after the slot table, and after the added_ms table
// when the ring has a TTL.
constexpr uint64_t arena_offset_for(uint64_t slot_count,
                                    bool has_ttl) noexcept {
  const uint64_t tables_end =
      added_ms_table_offset_for(slot_count) +
      (has_ttl ? slot_count * sizeof(int64_t) : 0);
  return align_up(tables_end, kCacheLineSize);
}

// Total bytes of a region with the given table and arena sizes.
constexpr uint64_t region_bytes(uint64_t slot_count, uint64_t arena_bytes,
                                bool has_ttl) noexcept {
  return arena_offset_for(slot_count, has_ttl) + arena_bytes;
}

// ---------------------------------------------------------------------------
// Frame
// ---------------------------------------------------------------------------

inline constexpr size_t kFrameHeaderBytes = 16;
inline constexpr size_t kFrameStartSequenceOffset = 0;
inline constexpr size_t kFrameCountOffset = 8;
inline constexpr size_t kFrameReservedOffset = 12;

inline constexpr size_t kRecordHeaderBytes = 16;
inline constexpr size_t kRecordSequenceOffset = 0;
inline constexpr size_t kRecordLengthOffset = 8;
inline constexpr size_t kRecordReservedOffset = 12;
// Each record starts at a multiple of this from the frame start.
inline constexpr size_t kRecordAlignment = 8;

// Bytes of one frame record: header, payload and zero padding.
constexpr size_t record_bytes(uint32_t length) noexcept {
  return kRecordHeaderBytes +
         static_cast<size_t>(align_up(length, kRecordAlignment));
}

static_assert(kFrameHeaderBytes % kRecordAlignment == 0);
static_assert(kRecordHeaderBytes % kRecordAlignment == 0);
static_assert(record_bytes(0) == 16);
static_assert(record_bytes(1) == 24);
static_assert(record_bytes(8) == 24);

// Little-endian encoding of frame fields, independent of the host order.
inline void store_le32(uint8_t* bytes, uint32_t value) noexcept {
  for (int i = 0; i < 4; ++i) {
    bytes[i] = static_cast<uint8_t>(value >> (8 * i));
  }
}

inline void store_le64(uint8_t* bytes, uint64_t value) noexcept {
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<uint8_t>(value >> (8 * i));
  }
}

inline uint32_t load_le32(const uint8_t* bytes) noexcept {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    value |= static_cast<uint32_t>(bytes[i]) << (8 * i);
  }
  return value;
}

inline uint64_t load_le64(const uint8_t* bytes) noexcept {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    value |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  }
  return value;
}

}  // namespace ringcast
