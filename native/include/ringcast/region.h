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

#if defined(__unix__) || defined(__APPLE__)
#define RINGCAST_MAP_REGIONS 1
#include <sys/mman.h>
#else
#define RINGCAST_MAP_REGIONS 0
#endif

namespace ringcast {

// Regions at least this large are mapped straight from the kernel (POSIX
// only): the pages arrive zeroed, cost memory only once touched, and go back
// to the system when the region is freed. Smaller ones come from the heap,
// where a new ring's first region stays cheap.
inline constexpr uint64_t kMappedRegionMinBytes = 256 * 1024;

// Bytes allocated for a region, computed from its read-only header line.
inline uint64_t allocated_region_bytes(const RegionHeader& header) noexcept {
  return region_bytes(header.slot_count, header.arena_bytes,
                      header.ttl_seconds > 0);
}

inline bool region_is_mapped(uint64_t total_bytes) noexcept {
#if RINGCAST_MAP_REGIONS
  return total_bytes >= kMappedRegionMinBytes;
#else
  (void)total_bytes;
  return false;
#endif
}

struct RegionDeleter {
  void operator()(RegionHeader* header) const noexcept {
    const uint64_t total = allocated_region_bytes(*header);
#if RINGCAST_MAP_REGIONS
    if (region_is_mapped(total)) {
      [[maybe_unused]] const int result =
          ::munmap(header, static_cast<size_t>(total));
      assert(result == 0 && "munmap of a region failed");
      return;
    }
#endif
    (void)total;
    ::operator delete (header, std::align_val_t{kCacheLineSize});
  }
};

// Owner of one region allocation. The header is at the allocation's base.
using RegionPtr = std::unique_ptr<RegionHeader, RegionDeleter>;

// Returns `total` zeroed bytes aligned to a cache line. Throws
// std::bad_alloc.
inline void* allocate_zeroed(uint64_t total) {
  if (total > SIZE_MAX) {
    throw std::bad_alloc();
  }
#if RINGCAST_MAP_REGIONS
  if (region_is_mapped(total)) {
    void* base = ::mmap(nullptr, static_cast<size_t>(total),
                        PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                        -1, 0);
    if (base == MAP_FAILED) {
      throw std::bad_alloc();
    }
    return base;  // page aligned and zero-filled by the kernel
  }
#endif
  void* base = ::operator new (static_cast<size_t>(total),
                               std::align_val_t{kCacheLineSize});
  std::memset(base, 0, static_cast<size_t>(total));
  return base;
}

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

  const bool has_ttl = ttl_seconds > 0;
  // Zeros: unused slots and arena bytes then read as empty items, and the
  // padding after each payload is already zero.
  void* base = allocate_zeroed(region_bytes(slot_count, arena_bytes, has_ttl));

  RegionHeader* header = new (base) RegionHeader{};
  header->magic = kRegionMagic;
  header->arena_bytes = arena_bytes;
  header->slot_table_offset = kSlotTableOffset;
  header->arena_offset = arena_offset_for(slot_count, has_ttl);
  header->layout_version = kRegionLayoutVersion;
  header->capacity = capacity;
  header->ttl_seconds = ttl_seconds;
  header->slot_count = slot_count;
  header->added_ms_table_offset =
      has_ttl ? added_ms_table_offset_for(slot_count) : 0;
  header->head_sequence = 0;
  header->tail_sequence = -1;
  header->last_added_ms = INT64_MIN;
  return RegionPtr(header);
}

// Addresses the slot table and arena of a region through the offsets in its
// header. Cheap to copy: it stores the base and three numbers from the header.
class RegionView {
 public:
  explicit RegionView(RegionHeader* header) noexcept
      : base_(reinterpret_cast<std::byte*>(header)),
        slot_count_(header->slot_count),
        arena_mask_(header->arena_bytes - 1),
        added_ms_table_offset_(header->added_ms_table_offset) {}

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

  // added_ms of `sequence`. Only regions of rings with a TTL have the table.
  int64_t& added_ms(int64_t sequence) const noexcept {
    assert(sequence >= 0);
    assert(added_ms_table_offset_ != 0 &&
           "only rings with a TTL store added_ms");
    const uint64_t index = static_cast<uint64_t>(sequence) % slot_count_;
    int64_t* table =
        reinterpret_cast<int64_t*>(base_ + added_ms_table_offset_);
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
  uint64_t added_ms_table_offset_;
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
