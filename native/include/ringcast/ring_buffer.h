// Hazelcast-style Ringbuffer storage: a fixed-capacity log of variable-length
// byte items, addressed by int64 sequence numbers, that overwrites its oldest
// items when full. Header-only, with no Node.js dependency.
//
// Vocabulary. head is the consumer side: headSequence is the oldest readable
// item. tail is the producer side: tailSequence is the newest. A new ring has
// head 0 and tail -1, and it is empty when head == tail + 1. capacity counts
// items, 1 .. 2^31-1, with every slot usable. A position is a monotonic byte
// counter in the arena and an index is a position reduced into the arena.
//
// Storage. The items live in a region (layout.h): a fixed header, a slot table
// and a byte arena, all addressed by offsets from the region base so that the
// region can later move into a shared file mapping. A region starts small, so
// a ring of any capacity is cheap to create. When the retained items would
// not fit its slots or arena, the writer builds a larger region, copies the
// retained items, adds the new ones and publishes it in one store. The short
// part at least doubles, and so does the whole region, so memory stays within
// a small multiple of the most the ring has held. The writer lock and publish
// counter are not in a region: writers spin and waiters sleep on them, so
// their addresses must never move.
//
// Concurrency invariants
//
// Roles. Writers (append) serialize on writer_lock_, so one writer at a time
// changes a ring. Readers (state, read_one, read_many) take no lock and store
// nothing shared. Every racing access is an atomic operation, so the code has
// no data race and runs clean under ThreadSanitizer.
//
// Who writes what, always a writer holding writer_lock_:
//   region_             release store when a grown region replaces it.
//   RegionHeader line 0 before the region is published, never afterwards.
//   head_sequence       relaxed store, followed by a release fence before
//                       any slot or arena word of an item below it is reused.
//   tail_sequence       release store after the new items' slots and bytes.
//   slots, arena words  relaxed stores; plain stores into an unpublished
//                       region.
//   tail_position, last_added_ms
//                       plain, read and written only under the lock.
//   publish_counter_    release increment after each publish or wake_all().
//
// Pairings:
//   P1 region_ release store -> region_ acquire load at the start of every
//      read: a reader sees a grown region fully built.
//   P2 tail_sequence release store -> tail_sequence acquire load: a reader
//      that loads tail t observes the slot and payload of every item up to
//      t.
//   P3 release fence after moving head, before reusing memory -> acquire
//      fence after a reader's copy, before it re-loads head_sequence. If any
//      word the reader copied was stored by a reuse, the fences synchronize
//      and the re-load returns a head above the copied item, so the reader
//      discards the copy. head_sequence acts as a seqlock version.
//   P4 writer_lock_ unlock (release) -> lock (acquire): each writer sees the
//      stores of the previous one, the plain ones included.
//   P5 publish_counter_ release increment -> acquire load in publish_count()
//      and wait_for_publish().
//
// What a racing reader may see:
//   - A replaced region is never written again, so a reader that still uses
//     it returns a consistent older snapshot.
//   - A reader loads head after tail (P2), so head is at least the head that
//     was stored with that tail, and tail - head + 1 <= capacity holds.
//   - head moves before the items that replace old ones become visible, so
//     state() can show head advanced while tail is not yet: a size below the
//     true one, never above. While a batch larger than capacity is in
//     progress, head can even exceed tail + 1, and is reported as tail + 1.
//     state() may be stale when it returns, but never shows a sequence as
//     readable that was not readable during the call.
//   - read_one() and read_many() never return a torn or reused item (P3).
//
// TTL. With ttl_seconds > 0 every slot stores the caller's clock (ms) at the
// append, kept non-decreasing in sequence order, and an item is expired once
// added_ms + ttl_seconds * 1000 <= now_ms. Expired items are a prefix of
// head..tail, so readers find the effective head by binary search, without a
// write. append() moves the stored head past expired items.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

#include "ringcast/atomic_word.h"
#include "ringcast/layout.h"
#include "ringcast/publish_counter.h"
#include "ringcast/region.h"
#include "ringcast/writer_lock.h"

namespace ringcast {

enum class OverflowPolicy : uint8_t { kOverwrite = 0, kFail = 1 };

// One item to append. `data` may be null when `length` is 0.
struct ItemView {
  const uint8_t* data;
  uint32_t length;
};

enum class ReadStatus : uint8_t { kOk, kStale, kNotYet };

// headSequence and tailSequence, with expired items already excluded.
struct RingState {
  int64_t head_sequence;
  int64_t tail_sequence;
};

// Frame summary of read_many(): the first sequence in the frame (the start
// after clamping) and the number of records.
struct ReadManyResult {
  int64_t start_sequence;
  uint32_t count;
};

// A ring of byte items. Every method may be called from any thread at the
// same time, except the destructor, which must run after all other calls
// have returned. `now_ms` arguments are milliseconds on the caller's clock,
// >= 0. They only matter when ttl_seconds > 0.
class RingBuffer {
 public:
  static constexpr uint32_t kMaxCapacity = 0x7fffffff;
  // Size of the first region. Small, so that creating a ring of any capacity
  // allocates about 1.7 KiB.
  static constexpr uint32_t kInitialSlotCount = 16;
  static constexpr uint64_t kInitialArenaBytes = 1024;

  // capacity: 1 .. kMaxCapacity items (asserted; validate before calling).
  // Throws std::bad_alloc.
  RingBuffer(uint32_t capacity, uint32_t ttl_seconds);

  RingBuffer(const RingBuffer&) = delete;
  RingBuffer& operator=(const RingBuffer&) = delete;
  RingBuffer(RingBuffer&&) = delete;
  RingBuffer& operator=(RingBuffer&&) = delete;

  uint32_t capacity() const noexcept { return capacity_; }
  uint32_t ttl_seconds() const noexcept { return ttl_seconds_; }

  // Takes a lock-free snapshot of head and tail, with the items expired at
  // now_ms excluded from head. It may be stale when it returns, and it never
  // overstates what is readable (invariants above).
  RingState state(int64_t now_ms) const noexcept;

  // Appends `count` >= 1 items atomically: they get consecutive sequences
  // and become visible together. Returns the last item's sequence.
  //
  // kFail stores nothing and returns -1 when the remaining capacity is below
  // `count`. The remaining capacity follows Hazelcast. With ttl_seconds == 0
  // it is always `capacity`: only a batch larger than capacity fails, and a
  // full ring is overwritten as with kOverwrite. With a TTL it is capacity
  // minus the items not yet expired at now_ms.
  //
  // kOverwrite with count > capacity assigns all the sequences but stores
  // only the last `capacity` items, so afterwards head = tail - capacity + 1.
  //
  // Throws std::bad_alloc when a larger region is needed and cannot be
  // allocated. The ring is then unchanged.
  int64_t append(const ItemView* items, size_t count, OverflowPolicy policy,
                 int64_t now_ms);

  // Copies the item at `sequence` into `out`, which is cleared first.
  // Returns kStale when sequence < head (overwritten or expired at now_ms),
  // kNotYet when sequence > tail. Lock-free.
  ReadStatus read_one(int64_t sequence, int64_t now_ms,
                      std::vector<uint8_t>& out) const;

  // Appends to `out` a frame (layout.h) of up to `max_count` items, starting
  // at start clamped into [head, tail + 1]. The frame ends after tail, or
  // after the item that brings the payload bytes to `max_bytes` or more. So
  // it contains at least one item when one exists, and may exceed max_bytes
  // by less than one item. Lock-free. Items that a writer overwrote during the
  // copy are dropped from the front of the frame, and start_sequence then
  // reports the later start.
  ReadManyResult read_many(int64_t start, uint32_t max_count, size_t max_bytes,
                           int64_t now_ms, std::vector<uint8_t>& out) const;

  // Counter incremented after every append() that stored items and by every
  // wake_all(). Acquire load: a caller that loads a new value also observes
  // the items published before it.
  uint64_t publish_count() const noexcept { return publish_counter_.load(); }

  // Blocks the calling thread until publish_count() != seen or timeout_ms
  // elapses (-1 = no limit; 0 only checks) and returns publish_count(). The
  // thread sleeps in the kernel instead of spinning. Because wake_all()
  // increments the counter, a waiter whose `seen` was read before a
  // wake_all() always returns, however the two race.
  uint64_t wait_for_publish(uint64_t seen, int64_t timeout_ms) const {
    return publish_counter_.wait_for_change(seen, timeout_ms);
  }

  // Wakes every thread in wait_for_publish(), for destroy and shutdown.
  void wake_all() noexcept { publish_counter_.increment(); }

  // Bytes allocated for regions, the retired ones included. Takes the writer
  // lock. For tests and diagnostics.
  uint64_t allocated_bytes() const;

 private:
  // The region one read works on, and the head and tail it read there.
  struct ReadSnapshot {
    RegionView view;
    int64_t head;
    int64_t tail;
  };

  // Plan of one append(), computed before anything is changed.
  struct AppendPlan {
    int64_t old_head;
    int64_t old_tail;
    // Oldest item not expired at now_ms.
    int64_t live_head;
    int64_t new_head;
    int64_t new_tail;
    // Index in the batch of the first item stored. The ones before it are
    // assigned sequences but dropped, when a batch exceeds the capacity.
    size_t first_item;
    // Arena position of the oldest item kept.
    uint64_t retained_position;
    uint64_t needed_slots;
    uint64_t needed_bytes;
    int64_t added_ms;
  };

  // Items with added_ms <= the cutoff are expired at now_ms.
  int64_t expiry_cutoff(int64_t now_ms) const noexcept {
    assert(now_ms >= 0 && "now_ms must be >= 0 (milliseconds)");
    return now_ms - ttl_ms_;
  }

  static int64_t first_unexpired(const RegionView& view, int64_t from,
                                 int64_t tail, int64_t cutoff) noexcept;
  ReadSnapshot begin_read(int64_t now_ms) const noexcept;

  // Returns false when kFail must reject a batch of `count` items.
  bool has_room(int64_t live_size, size_t count) const noexcept;
  AppendPlan plan_append(const RegionView& view, const ItemView* items,
                         size_t count, int64_t now_ms) const noexcept;
  static void store_items(const RegionView& view, const AppendPlan& plan,
                          const ItemView* items, size_t count) noexcept;
  void append_in_place(const RegionView& view, const AppendPlan& plan,
                       const ItemView* items, size_t count) noexcept;
  void append_with_growth(const RegionView& view, const AppendPlan& plan,
                          const ItemView* items, size_t count);

  // Read by every operation; written only when a grown region replaces the
  // current one.
  alignas(kCacheLineSize) std::atomic<RegionHeader*> region_{nullptr};
  const uint32_t capacity_;
  const uint32_t ttl_seconds_;
  const int64_t ttl_ms_;

  alignas(kCacheLineSize) mutable WriterLock writer_lock_;
  // NOTE: every region built, the current one last. Replaced regions are
  // freed only by the destructor, because a reader may still be copying from
  // one and there is no reclamation scheme. Each region is at least twice
  // the size of the one before, so together they stay smaller than the
  // current one. Regions never shrink after the ring empties.
  std::vector<RegionPtr> regions_;

  PublishCounter publish_counter_;
};

static_assert(alignof(RingBuffer) == kCacheLineSize);

inline RingBuffer::RingBuffer(uint32_t capacity, uint32_t ttl_seconds)
    : capacity_(capacity),
      ttl_seconds_(ttl_seconds),
      ttl_ms_(int64_t{ttl_seconds} * 1000) {
  assert(capacity >= 1 && "capacity must be at least 1; validate it first");
  assert(capacity <= kMaxCapacity &&
         "capacity must be at most 2^31-1; validate it first");
  regions_.push_back(allocate_region(capacity, ttl_seconds,
                                     std::min(capacity, kInitialSlotCount),
                                     kInitialArenaBytes));
  // Relaxed: other threads get the RingBuffer through something that orders
  // its construction before their calls (a thread start, a mutex, ...).
  region_.store(regions_.back().get(), std::memory_order_relaxed);
}

inline int64_t RingBuffer::first_unexpired(const RegionView& view, int64_t from,
                                           int64_t tail,
                                           int64_t cutoff) noexcept {
  // Relaxed loads: the caller either holds the writer lock or validates the
  // result by re-loading head after an acquire fence (P3).
  if (from > tail ||
      load_word(view.slot(from).added_ms, std::memory_order_relaxed) > cutoff) {
    return from;
  }
  // Binary search: added_ms never decreases with the sequence, so the
  // expired items are a prefix. `from` is expired, so the result is above.
  int64_t low = from + 1;
  int64_t high = tail + 1;
  while (low < high) {
    const int64_t middle = low + (high - low) / 2;
    if (load_word(view.slot(middle).added_ms, std::memory_order_relaxed) <=
        cutoff) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

inline RingBuffer::ReadSnapshot RingBuffer::begin_read(
    int64_t now_ms) const noexcept {
  RegionHeader* region = region_.load(std::memory_order_acquire);  // P1
  const RegionView view(region);
  const int64_t tail =
      load_word(region->tail_sequence, std::memory_order_acquire);  // P2
  // Relaxed: the acquire load above keeps this load after it.
  int64_t head = load_word(region->head_sequence, std::memory_order_relaxed);
  if (ttl_ms_ == 0) {
    return {view, std::min(head, tail + 1), tail};
  }

  const int64_t cutoff = expiry_cutoff(now_ms);
  for (;;) {
    const int64_t live =
        first_unexpired(view, std::min(head, tail + 1), tail, cutoff);
    // P3: if a timestamp above came from a reused slot, the re-load returns
    // a moved head, and the search runs again from there.
    std::atomic_thread_fence(std::memory_order_acquire);
    const int64_t recheck =
        load_word(region->head_sequence, std::memory_order_relaxed);
    if (recheck == head) {
      return {view, live, tail};
    }
    head = recheck;
  }
}

inline RingState RingBuffer::state(int64_t now_ms) const noexcept {
  const ReadSnapshot snapshot = begin_read(now_ms);
  return {snapshot.head, snapshot.tail};
}

inline bool RingBuffer::has_room(int64_t live_size,
                                 size_t count) const noexcept {
  // Hazelcast's remainingCapacity: without a TTL, space frees up only by
  // overwriting, so a kFail add does not wait for it and gets the full
  // capacity.
  const uint64_t remaining =
      ttl_ms_ == 0 ? capacity_ : capacity_ - static_cast<uint64_t>(live_size);
  return remaining >= count;
}

inline RingBuffer::AppendPlan RingBuffer::plan_append(
    const RegionView& view, const ItemView* items, size_t count,
    int64_t now_ms) const noexcept {
  const RegionHeader& header = view.header();
  AppendPlan plan{};
  // Relaxed: only writers store these, and the lock orders them (P4).
  plan.old_head = load_word(header.head_sequence, std::memory_order_relaxed);
  plan.old_tail = load_word(header.tail_sequence, std::memory_order_relaxed);
  plan.live_head = ttl_ms_ == 0
                       ? plan.old_head
                       : first_unexpired(view, plan.old_head, plan.old_tail,
                                         expiry_cutoff(now_ms));
  // tail + 1 must stay representable: an empty ring has head = tail + 1.
  assert(count <= static_cast<uint64_t>(INT64_MAX - (plan.old_tail + 1)) &&
         "sequence overflow");
  plan.new_tail = plan.old_tail + static_cast<int64_t>(count);
  plan.new_head =
      std::max(plan.live_head, plan.new_tail - int64_t{capacity_} + 1);

  const int64_t first_stored = std::max(plan.new_head, plan.old_tail + 1);
  plan.first_item = static_cast<size_t>(first_stored - (plan.old_tail + 1));

  uint64_t new_bytes = 0;
  for (size_t i = plan.first_item; i < count; ++i) {
    new_bytes += align_up(items[i].length, kArenaAlignment);
  }
  plan.retained_position = plan.new_head <= plan.old_tail
                               ? load_word(view.slot(plan.new_head).position,
                                           std::memory_order_relaxed)
                               : header.tail_position;
  plan.needed_bytes = header.tail_position - plan.retained_position + new_bytes;
  plan.needed_slots = static_cast<uint64_t>(plan.new_tail - plan.new_head + 1);
  plan.added_ms = std::max(now_ms, header.last_added_ms);
  return plan;
}

inline void RingBuffer::store_items(const RegionView& view,
                                    const AppendPlan& plan,
                                    const ItemView* items,
                                    size_t count) noexcept {
  RegionHeader& header = view.header();
  uint64_t position = header.tail_position;
  for (size_t i = plan.first_item; i < count; ++i) {
    const int64_t sequence = plan.old_tail + 1 + static_cast<int64_t>(i);
    Slot& slot = view.slot(sequence);
    store_word(slot.sequence, sequence, std::memory_order_relaxed);
    store_word(slot.added_ms, plan.added_ms, std::memory_order_relaxed);
    store_word(slot.position, position, std::memory_order_relaxed);
    store_word(slot.length, uint64_t{items[i].length},
               std::memory_order_relaxed);
    store_payload(view, position, items[i].data, items[i].length);
    position += align_up(items[i].length, kArenaAlignment);
  }
  header.tail_position = position;
  header.last_added_ms = plan.added_ms;
}

inline void RingBuffer::append_in_place(const RegionView& view,
                                        const AppendPlan& plan,
                                        const ItemView* items,
                                        size_t count) noexcept {
  RegionHeader& header = view.header();
  if (plan.new_head != plan.old_head) {
    store_word(header.head_sequence, plan.new_head, std::memory_order_relaxed);
  }
  // P3: orders the head store above before every reuse of a slot or arena
  // word below. Issued on every append, because an earlier append, maybe on
  // another thread, may have moved the head that allows this reuse.
  std::atomic_thread_fence(std::memory_order_release);
  store_items(view, plan, items, count);
  store_word(header.tail_sequence, plan.new_tail,
             std::memory_order_release);  // P2
}

inline void RingBuffer::append_with_growth(const RegionView& view,
                                           const AppendPlan& plan,
                                           const ItemView* items,
                                           size_t count) {
  const uint64_t old_slots = view.slot_count();
  const uint64_t old_arena = view.arena_bytes();
  uint64_t slots = old_slots;
  uint64_t arena = old_arena;
  if (plan.needed_slots > slots) {
    slots =
        std::min<uint64_t>(capacity_, std::max(plan.needed_slots, 2 * slots));
  }
  if (plan.needed_bytes > arena) {
    if (plan.needed_bytes > (uint64_t{1} << 62)) {
      throw std::bad_alloc();
    }
    arena = std::bit_ceil(std::max(plan.needed_bytes, 2 * arena));
  }
  // At least double the region, so that the retired regions, which are
  // kept, add up to less than the current one. Grow the smaller part.
  const uint64_t old_total = region_bytes(old_slots, old_arena);
  while (region_bytes(slots, arena) < 2 * old_total) {
    if (slots < capacity_ && slots * sizeof(Slot) <= arena) {
      slots = std::min<uint64_t>(capacity_, 2 * slots);
    } else {
      arena *= 2;
    }
  }

  RegionPtr grown = allocate_region(capacity_, ttl_seconds_,
                                    static_cast<uint32_t>(slots), arena);
  const RegionView to(grown.get());
  const RegionHeader& from_header = view.header();
  RegionHeader& to_header = to.header();

  // Plain copies: see copy_arena(). Positions stay the same, so the copied
  // slots are still correct in the new arena.
  for (int64_t sequence = plan.new_head; sequence <= plan.old_tail;
       ++sequence) {
    to.slot(sequence) = view.slot(sequence);
  }
  copy_arena(view, to, plan.retained_position,
             from_header.tail_position - plan.retained_position);
  to_header.tail_position = from_header.tail_position;
  store_items(to, plan, items, count);
  to_header.head_sequence = plan.new_head;
  to_header.tail_sequence = plan.new_tail;

  // Keep ownership before publishing: push_back can throw, and a published
  // region must never be freed.
  RegionHeader* published = grown.get();
  regions_.push_back(std::move(grown));
  region_.store(published, std::memory_order_release);  // P1
}

inline int64_t RingBuffer::append(const ItemView* items, size_t count,
                                  OverflowPolicy policy, int64_t now_ms) {
  assert(count >= 1 && "append() needs an item; reject empty batches first");
  assert(items != nullptr && "append() needs an item array");
  int64_t new_tail = -1;
  {
    std::lock_guard<WriterLock> guard(writer_lock_);
    // Relaxed: only writers store region_, and the lock orders them (P4).
    const RegionView view(region_.load(std::memory_order_relaxed));
    const AppendPlan plan = plan_append(view, items, count, now_ms);
    if (policy == OverflowPolicy::kFail &&
        !has_room(plan.old_tail - plan.live_head + 1, count)) {
      return -1;
    }

    if (plan.needed_slots <= view.slot_count() &&
        plan.needed_bytes <= view.arena_bytes()) {
      append_in_place(view, plan, items, count);
    } else {
      append_with_growth(view, plan, items, count);
    }
    new_tail = plan.new_tail;
  }
  // Outside the lock: the wake-up may be a system call.
  publish_counter_.increment();  // P5
  return new_tail;
}

inline ReadStatus RingBuffer::read_one(int64_t sequence, int64_t now_ms,
                                       std::vector<uint8_t>& out) const {
  out.clear();
  RegionHeader* region = region_.load(std::memory_order_acquire);  // P1
  const RegionView view(region);
  const int64_t tail =
      load_word(region->tail_sequence, std::memory_order_acquire);  // P2
  if (sequence > tail) {
    return ReadStatus::kNotYet;
  }
  // Relaxed: the acquire load above keeps this load after it.
  if (sequence < load_word(region->head_sequence, std::memory_order_relaxed)) {
    return ReadStatus::kStale;
  }

  const Slot& slot = view.slot(sequence);
  const int64_t added_ms = load_word(slot.added_ms, std::memory_order_relaxed);
  if (ttl_ms_ != 0 && added_ms <= expiry_cutoff(now_ms)) {
    // Right even if the slot was reused meanwhile: then the item is below
    // head, which is stale too.
    return ReadStatus::kStale;
  }
  const int64_t stored_sequence =
      load_word(slot.sequence, std::memory_order_relaxed);
  const uint64_t position = load_word(slot.position, std::memory_order_relaxed);
  // A reused slot contains another item's length, which still fits this
  // region's arena, so the copy stays in bounds until it is discarded.
  const uint64_t length = load_word(slot.length, std::memory_order_relaxed);
  out.resize(static_cast<size_t>(length));
  load_payload(view, position, length, out.data());

  std::atomic_thread_fence(std::memory_order_acquire);  // P3
  if (sequence < load_word(region->head_sequence, std::memory_order_relaxed)) {
    out.clear();
    return ReadStatus::kStale;
  }
  assert(stored_sequence == sequence &&
         "a slot that passed the head re-check holds the requested item");
  (void)stored_sequence;
  return ReadStatus::kOk;
}

inline ReadManyResult RingBuffer::read_many(int64_t start, uint32_t max_count,
                                            size_t max_bytes, int64_t now_ms,
                                            std::vector<uint8_t>& out) const {
  const ReadSnapshot snapshot = begin_read(now_ms);
  const RegionView& view = snapshot.view;
  const int64_t first = std::clamp(start, snapshot.head, snapshot.tail + 1);

  const size_t frame_offset = out.size();
  out.resize(frame_offset + kFrameHeaderBytes);
  uint32_t count = 0;
  uint64_t payload_bytes = 0;
  for (int64_t sequence = first;
       sequence <= snapshot.tail && count < max_count &&
       (count == 0 || payload_bytes < max_bytes);
       ++sequence) {
    const Slot& slot = view.slot(sequence);
    const uint64_t position =
        load_word(slot.position, std::memory_order_relaxed);
    // See read_one(): a reused slot's length still fits the arena.
    const auto length = static_cast<uint32_t>(
        load_word(slot.length, std::memory_order_relaxed));

    const size_t record_offset = out.size();
    // resize() zero-fills the reserved field and the padding.
    out.resize(record_offset + record_bytes(length));
    uint8_t* record = out.data() + record_offset;
    store_le64(record + kRecordSequenceOffset, static_cast<uint64_t>(sequence));
    store_le32(record + kRecordLengthOffset, length);
    load_payload(view, position, length, record + kRecordHeaderBytes);
    payload_bytes += length;
    ++count;
  }

  std::atomic_thread_fence(std::memory_order_acquire);  // P3
  const int64_t head =
      load_word(view.header().head_sequence, std::memory_order_relaxed);
  int64_t result_start = first;
  if (head > first) {
    // The records below the re-loaded head may be torn: drop them.
    const auto dropped =
        static_cast<uint32_t>(std::min<int64_t>(head - first, count));
    const size_t records_offset = frame_offset + kFrameHeaderBytes;
    size_t kept_offset = records_offset;
    for (uint32_t i = 0; i < dropped; ++i) {
      kept_offset += record_bytes(
          load_le32(out.data() + kept_offset + kRecordLengthOffset));
    }
    out.erase(out.begin() + static_cast<ptrdiff_t>(records_offset),
              out.begin() + static_cast<ptrdiff_t>(kept_offset));
    count -= dropped;
    result_start = std::min(head, snapshot.tail + 1);
  }

  uint8_t* frame = out.data() + frame_offset;
  store_le64(frame + kFrameStartSequenceOffset,
             static_cast<uint64_t>(result_start));
  store_le32(frame + kFrameCountOffset, count);
  store_le32(frame + kFrameReservedOffset, 0);
  return {result_start, count};
}

inline uint64_t RingBuffer::allocated_bytes() const {
  std::lock_guard<WriterLock> guard(writer_lock_);
  uint64_t total = 0;
  for (const RegionPtr& region : regions_) {
    total += region_bytes(region->slot_count, region->arena_bytes);
  }
  return total;
}

}  // namespace ringcast
