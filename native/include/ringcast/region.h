// Allocation of regions and addressing inside one. The byte layout and its
// diagram are in layout.h.
#pragma once

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#include "ringcast/atomic_word.h"
#include "ringcast/layout.h"

namespace ringcast {

struct RegionDeleter {
  void operator()(RegionHeader* header) const noexcept {
    ::operator delete (header, std::align_val_t{kCacheLineSize});
  }
};

// Owner of one region allocation. The header is at the allocation's base.
using RegionPtr = std::unique_ptr<RegionHeader, RegionDeleter>;

// Allocates a zero-filled region and fills in its fixed header. The ring
// state starts as a new ring (head 0, tail -1, no item added yet), and a
// caller that copies items in sets it before publishing. Throws
// std::bad_alloc.
inline RegionPtr allocate_region(uint32_t capacity, uint32_t ttl_seconds,
                                 uint32_t slot_count, uint64_t arena_bytes) {
  assert(slot_count >= 1 && "a region needs at least one slot");
  assert(slot_count <= capacity && "a region needs at most capacity slots");
  assert(arena_bytes >= kArenaAlignment && "the arena needs one word");
  assert(std::has_single_bit(arena_bytes) &&
         "arena_bytes must be a power of two");

  const uint64_t total = region_bytes(slot_count, arena_bytes);
  if (total > SIZE_MAX) {
    throw std::bad_alloc();
  }
  void* base = ::operator new (static_cast<size_t>(total),
                               std::align_val_t{kCacheLineSize});
  // Zeros: unused slots and arena bytes then read as empty items, and the
  // padding after each payload is already zero.
  std::memset(base, 0, static_cast<size_t>(total));

  RegionHeader* header = new (base) RegionHeader{};
  header->magic = kRegionMagic;
  header->arena_bytes = arena_bytes;
  header->slot_table_offset = kSlotTableOffset;
  header->arena_offset = arena_offset_for(slot_count);
  header->layout_version = kRegionLayoutVersion;
  header->capacity = capacity;
  header->ttl_seconds = ttl_seconds;
  header->slot_count = slot_count;
  header->head_sequence = 0;
  header->tail_sequence = -1;
  header->last_added_ms = INT64_MIN;
  return RegionPtr(header);
}

// Addresses the slot table and arena of a region through the offsets in its
// header. Cheap to copy, because it stores only the base and two sizes.
class RegionView {
 public:
  explicit RegionView(RegionHeader* header) noexcept
      : base_(reinterpret_cast<std::byte*>(header)),
        slot_count_(header->slot_count),
        arena_mask_(header->arena_bytes - 1) {}

  RegionHeader& header() const noexcept {
    return *reinterpret_cast<RegionHeader*>(base_);
  }

  uint32_t slot_count() const noexcept { return slot_count_; }
  uint64_t arena_bytes() const noexcept { return arena_mask_ + 1; }

  // Slot of `sequence`, at index sequence % slot_count.
  Slot& slot(int64_t sequence) const noexcept {
    assert(sequence >= 0 && "sequences are never negative");
    const uint64_t index = static_cast<uint64_t>(sequence) % slot_count_;
    Slot* table = reinterpret_cast<Slot*>(base_ + kSlotTableOffset);
    return table[index];
  }

  // Arena word that contains `position`, a multiple of kArenaAlignment.
  uint64_t& arena_word(uint64_t position) const noexcept {
    assert(position % kArenaAlignment == 0 && "positions are word aligned");
    return *reinterpret_cast<uint64_t*>(arena() + (position & arena_mask_));
  }

  std::byte* arena() const noexcept { return base_ + header().arena_offset; }

  // Arena bytes from `position` up to the end of the arena, where a run of
  // bytes that starts there has to wrap.
  uint64_t bytes_before_wrap(uint64_t position) const noexcept {
    return arena_bytes() - (position & arena_mask_);
  }

 private:
  std::byte* base_;
  uint32_t slot_count_;
  uint64_t arena_mask_;
};

// Stores `length` payload bytes at `position` of a published region, one
// relaxed word store at a time, padding the last word with zeros. Readers
// that race with these stores discard what they read (see the invariants in
// ring_buffer.h), and relaxed atomics make the race well defined.
inline void store_payload(const RegionView& view, uint64_t position,
                          const uint8_t* data, uint32_t length) noexcept {
  for (uint32_t done = 0; done < length; done += kArenaAlignment) {
    uint64_t word = 0;
    std::memcpy(&word, data + done,
                std::min<uint32_t>(length - done, kArenaAlignment));
    store_word(view.arena_word(position + done), word,
               std::memory_order_relaxed);
  }
}

// Copies `length` payload bytes at `position` into `out` with relaxed word
// loads. The bytes may be torn if a writer reused them meanwhile. The caller
// finds that out afterwards by re-checking reclaim_sequence.
inline void load_payload(const RegionView& view, uint64_t position,
                         uint64_t length, uint8_t* out) noexcept {
  for (uint64_t done = 0; done < length; done += kArenaAlignment) {
    const uint64_t word =
        load_word(view.arena_word(position + done), std::memory_order_relaxed);
    std::memcpy(out + done, &word,
                static_cast<size_t>(
                    std::min<uint64_t>(length - done, kArenaAlignment)));
  }
}

// Copies the arena bytes [position, position + length) from one region to
// another that is not yet published, with plain memcpy. Plain loads are safe
// because only the writer holding the lock stores into `from`, and plain
// stores are safe because no reader can reach `to` before its release
// publication. The run may wrap in either arena, at different indexes.
inline void copy_arena(const RegionView& from, const RegionView& to,
                       uint64_t position, uint64_t length) noexcept {
  while (length > 0) {
    const uint64_t chunk = std::min({length, from.bytes_before_wrap(position),
                                     to.bytes_before_wrap(position)});
    std::memcpy(&to.arena_word(position), &from.arena_word(position),
                static_cast<size_t>(chunk));
    position += chunk;
    length -= chunk;
  }
}

}  // namespace ringcast
