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
// part at least doubles, and so does the whole region until its slot table
// has `capacity` slots. The replaced region is freed as soon as no reader
// can still be reading it (Reclamation below), so memory stays within a small
// multiple of the most the ring has held. The writer lock, publish counter
// and reader counts are not in a region: writers spin, waiters sleep and
// readers count themselves on them, so their addresses must never move.
//
// Concurrency invariants
//
// Roles. Writers (append) serialize on writer_lock_, so one writer at a time
// changes a ring. Readers (state, read_one, read_many) store nothing shared
// but their count in reader_counts_, and first read without a lock. A reader
// that a writer disturbed tries again, and after kOptimisticReads failed
// attempts it reads once under writer_lock_, where no writer can disturb it.
// Every racing access is an atomic operation, so the code has no data race
// and runs clean under ThreadSanitizer.
//
// The head has two roles, kept in two fields. head_sequence and
// tail_sequence are the visible pair: readers report them and clamp with
// them, and a writer stores both once, at the end of an append, under the
// seqlock version pair_version. reclaim_sequence is the oldest item whose
// memory is intact: a writer moves it before it reuses any slot or arena
// word, and readers use it only to validate what they copied. Between
// appends reclaim_sequence == head_sequence. During one it may be ahead.
//
// Who writes what, always a writer holding writer_lock_ unless stated:
//   region_             seq_cst store when a grown region replaces it.
//   RegionHeader line 0 before the region is published, never afterwards.
//   reclaim_sequence    relaxed store, followed by a release fence before
//                       any slot or arena word of an item below it is reused.
//   slots, arena words  relaxed stores; plain stores into an unpublished
//                       region.
//   pair_version, head_sequence, tail_sequence
//                       after the new items, in this order: relaxed store of
//                       an odd version, release fence, relaxed stores of
//                       head and tail, release store of the next even
//                       version. Plain stores into an unpublished region.
//   tail_position, last_added_ms
//                       plain, read and written only under the lock.
//   publish_counter_    release increment after each publish or wake_all().
//   current_region_, retired_regions_, regions_retired_
//                       ownership of the regions, under the lock: a writer
//                       or a reader that got it with try_lock().
//   reader_counts_      every reader: seq_cst increment before its first
//                       load of region_, seq_cst decrement after its last
//                       access to a region.
//
// Pairings:
//   P1 region_ seq_cst store -> region_ seq_cst load at the start of every
//      lock-free read. They are also a release and an acquire, so a reader
//      sees a grown region fully built.
//   P2 even pair_version release store -> pair_version acquire load at the
//      start of a read: a reader that loads the version stored with tail t
//      observes the slot and payload of every item up to t.
//   P3 seqlock: release fence after the odd version store -> acquire fence
//      after a reader's loads of head and tail, before it re-loads
//      pair_version. If the reader loaded a head or tail stored after that
//      odd version, the re-load returns a changed version and the reader
//      tries again. So a pair loaded under one even version was stored
//      together by one append.
//   P4 release fence after moving reclaim_sequence, before reusing memory ->
//      acquire fence after a reader's copy, before it re-loads
//      reclaim_sequence. If any word the reader copied was stored by a
//      reuse, the fences synchronize and the re-load returns a sequence
//      above the copied item, so the reader discards the copy.
//   P5 writer_lock_ unlock (release) -> lock (acquire): each writer, and
//      each reader that falls back to the lock, sees the stores of the
//      previous holder, the plain ones included. Under the lock
//      reclaim_sequence == head_sequence, so no copy fails validation.
//   P6 publish_counter_ release increment -> acquire load in publish_count()
//      and wait_for_publish().
//   P7, P8 reclamation, below.
//
// What a racing reader may see:
//   - Only a (head, tail) pair that existed between two appends. A batch
//     becomes visible all at once, together with the head that it moved
//     past the items it evicted, so head <= tail + 1 and
//     tail - head + 1 <= capacity always hold. A full ring without a TTL
//     stays full in state() while batches overwrite it.
//   - A replaced region is never written again, so a reader that still uses
//     it returns a consistent older snapshot. The region stays allocated
//     until that reader has returned (P7, P8).
//   - state() may be stale when it returns, but never shows a sequence as
//     readable that was not readable during the call.
//   - read_one() and read_many() never return a torn or reused item (P4).
//     They never return fewer items because of an overwrite in progress
//     either: they try again, and at worst wait on writer_lock_ for the
//     writer to finish.
//
// Reclamation. A replaced region is retired, not freed at once, because a
// reader that loaded region_ before the swap may still be copying from it.
// Each read counts itself in reader_counts_ for its whole duration, in one of
// kReaderStripes counters chosen per thread, so that readers on different
// cores seldom write the same cache line. A holder of writer_lock_ frees the
// retired regions when it loads every counter as zero after their swaps:
//   P7 A reader increments its counter, then loads region_. A writer stores
//      region_, then loads the counters. All four are seq_cst, so they have
//      one total order. If the writer's load of the reader's counter comes
//      after the increment, it returns a non-zero count until the decrement.
//      If it comes before, the reader's load of region_ comes after the
//      store, so it returns the grown region or a later one, never a
//      retired one. A later holder of the lock is ordered after the store
//      by the lock (P5), so the same holds for its loads.
//   P8 a reader's decrement (seq_cst, so a release) -> the holder's seq_cst
//      load that reads zero from that counter: every access the reader made
//      to a retired region happens before the region is freed.
// A writer checks after every append while retired regions remain. A reader
// whose decrement is followed by regions_retired_ set tries the lock with
// try_lock() and, when it gets it, checks too. The writer stores the flag
// before it loads the counters and the reader loads it after its decrement,
// all seq_cst, so at least one of the two observes the other's store.
// NOTE: retired regions stay allocated while some reader is inside a read at
// every check, or when the last reader leaves while the writer that retired
// them still holds the lock. The next append or reader to find all counters
// at zero frees them, and the destructor at the latest.
//
// TTL. With ttl_seconds > 0 the added_ms table stores the caller's clock
// (ms) at each append, kept non-decreasing in sequence order, and an item is
// expired once added_ms + ttl_seconds * 1000 <= now_ms. Expired items are a
// prefix of head..tail, so readers find the effective head by binary search
// from the visible head, without a write, and validate the timestamps they
// loaded against reclaim_sequence (P4). append() moves the stored head past
// expired items.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <optional>
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
  // Lock-free attempts of one read before it reads under the writer lock.
  // NOTE: a reader that falls back keeps writers waiting while it copies up
  // to max_count items. Only readers that writers disturb this many times
  // in a row get there.
  static constexpr uint32_t kOptimisticReads = 4;
  // Number of reader counters, one cache line each.
  static constexpr uint32_t kReaderStripes = 8;

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
  // kNotYet when sequence > tail. Lock-free unless writers overwrite the
  // item during kOptimisticReads attempts (see the invariants).
  ReadStatus read_one(int64_t sequence, int64_t now_ms,
                      std::vector<uint8_t>& out) const;

  // Appends to `out` a frame (layout.h) of up to `max_count` items, starting
  // at start clamped into [head, tail + 1]. The frame ends after tail, or
  // after the item that brings the payload bytes to `max_bytes` or more. So
  // it contains at least one item when one exists, and may exceed max_bytes
  // by less than one item. The frame reflects one (head, tail) pair that
  // existed: a copy that a writer overwrote meanwhile is discarded and the
  // read starts again. Lock-free unless that happens kOptimisticReads times
  // in a row (see the invariants).
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

  // Bytes allocated for regions: the current one and the retired ones not
  // yet freed. Takes the writer lock. For tests and diagnostics.
  uint64_t allocated_bytes() const;

  // Replaced regions not yet freed, because a reader may still read them.
  // Takes the writer lock. For tests and diagnostics.
  size_t retired_region_count() const;

  // Replaced regions freed so far. Takes the writer lock. For tests and
  // diagnostics.
  uint64_t freed_region_count() const;

 private:
  // Lets the tests run the steps of an append one at a time.
  friend class RingBufferTestPeer;

  // Counts one read in reader_counts_ from construction to destruction, and
  // on the way out frees the retired regions when it is the last reader.
  class ReadScope {
   public:
    explicit ReadScope(const RingBuffer& ring) noexcept;
    ~ReadScope();
    ReadScope(const ReadScope&) = delete;
    ReadScope& operator=(const ReadScope&) = delete;

   private:
    const RingBuffer& ring_;
    std::atomic<uint64_t>& readers_;
  };

  // One reader counter, alone on its cache line.
  struct alignas(kCacheLineSize) ReaderCount {
    std::atomic<uint64_t> readers{0};
  };

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
  // One lock-free attempt to load a consistent visible pair, with the items
  // expired at now_ms excluded from head when exclude_expired is set.
  // Returns nothing when a writer disturbed it.
  std::optional<ReadSnapshot> try_snapshot(int64_t now_ms,
                                           bool exclude_expired) const noexcept;
  // The same, for a caller that holds writer_lock_.
  ReadSnapshot locked_snapshot(int64_t now_ms,
                               bool exclude_expired) const noexcept;
  // Calls attempt(snapshot) on lock-free snapshots until it returns true, at
  // most kOptimisticReads times, then once under writer_lock_.
  template <typename Attempt>
  void read_consistently(int64_t now_ms, bool exclude_expired,
                         Attempt&& attempt) const;
  // Returns true when no word copied from the items at or above `first`
  // was reused during the copy. Call it after the copy.
  static bool copy_intact(const RegionView& view, int64_t first) noexcept;
  // Appends a frame of snapshot's items to `out`. Returns false, with `out`
  // restored, when a writer reused a copied item.
  bool try_read_many(const ReadSnapshot& snapshot, int64_t start,
                     uint32_t max_count, size_t max_bytes,
                     std::vector<uint8_t>& out, ReadManyResult& result) const;

  // Returns false when kFail must reject a batch of `count` items.
  bool has_room(int64_t live_size, size_t count) const noexcept;
  AppendPlan plan_append(const RegionView& view, const ItemView* items,
                         size_t count, int64_t now_ms) const noexcept;
  // Moves reclaim_sequence to new_head before memory is reused.
  static void reclaim_below(RegionHeader& header, int64_t new_head) noexcept;
  static void store_items(const RegionView& view, const AppendPlan& plan,
                          const ItemView* items, size_t count) noexcept;
  // Makes head and tail visible together (seqlock write).
  static void publish_pair(RegionHeader& header, int64_t head,
                           int64_t tail) noexcept;
  void append_in_place(const RegionView& view, const AppendPlan& plan,
                       const ItemView* items, size_t count) noexcept;
  void append_with_growth(const RegionView& view, const AppendPlan& plan,
                          const ItemView* items, size_t count);

  // Index of the calling thread's counter in reader_counts_.
  static uint32_t reader_stripe() noexcept;
  // Moves the retired regions into `unread` when every reader counter is
  // zero (P7, P8). The caller holds writer_lock_ and frees them after
  // unlocking.
  void take_unread_regions(std::vector<RegionPtr>& unread) const noexcept;

  // Read by every operation; written only when a grown region replaces the
  // current one.
  alignas(kCacheLineSize) std::atomic<RegionHeader*> region_{nullptr};
  const uint32_t capacity_;
  const uint32_t ttl_seconds_;
  const int64_t ttl_ms_;

  alignas(kCacheLineSize) mutable WriterLock writer_lock_;
  // Owners of the region that region_ points to and of the regions it
  // replaced that a reader may still read. Used under writer_lock_ only.
  // NOTE: regions never shrink after the ring empties.
  RegionPtr current_region_;
  mutable std::vector<RegionPtr> retired_regions_;
  mutable uint64_t freed_region_count_ = 0;
  // Whether retired_regions_ is non-empty, for readers on their way out.
  mutable std::atomic<bool> regions_retired_{false};

  PublishCounter publish_counter_;

  // Readers inside state(), read_one() or read_many(), by stripe.
  mutable ReaderCount reader_counts_[kReaderStripes];
};

static_assert(alignof(RingBuffer) == kCacheLineSize);

inline RingBuffer::RingBuffer(uint32_t capacity, uint32_t ttl_seconds)
    : capacity_(capacity),
      ttl_seconds_(ttl_seconds),
      ttl_ms_(int64_t{ttl_seconds} * 1000) {
  assert(capacity >= 1 && "capacity must be at least 1; validate it first");
  assert(capacity <= kMaxCapacity &&
         "capacity must be at most 2^31-1; validate it first");
  current_region_ = allocate_region(capacity, ttl_seconds,
                                    std::min(capacity, kInitialSlotCount),
                                    kInitialArenaBytes);
  // Relaxed: other threads get the RingBuffer through something that orders
  // its construction before their calls (a thread start, a mutex, ...).
  region_.store(current_region_.get(), std::memory_order_relaxed);
}

inline int64_t RingBuffer::first_unexpired(const RegionView& view, int64_t from,
                                           int64_t tail,
                                           int64_t cutoff) noexcept {
  // Relaxed loads: the caller either holds the writer lock or validates the
  // result against reclaim_sequence (P4).
  if (from > tail ||
      load_word(view.added_ms(from), std::memory_order_relaxed) > cutoff) {
    return from;
  }
  // Binary search: added_ms never decreases with the sequence, so the
  // expired items are a prefix. `from` is expired, so the result is above.
  int64_t low = from + 1;
  int64_t high = tail + 1;
  while (low < high) {
    const int64_t middle = low + (high - low) / 2;
    if (load_word(view.added_ms(middle), std::memory_order_relaxed) <=
        cutoff) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

inline std::optional<RingBuffer::ReadSnapshot> RingBuffer::try_snapshot(
    int64_t now_ms, bool exclude_expired) const noexcept {
  // seq_cst: after the caller's increment in reader_counts_ (P1, P7).
  RegionHeader* region = region_.load(std::memory_order_seq_cst);
  const RegionHeader& header = *region;
  const uint64_t version =
      load_word(header.pair_version, std::memory_order_acquire);  // P2
  if (version % 2 != 0) {
    return std::nullopt;
  }
  // Relaxed: the acquire load above keeps these loads after it.
  const int64_t head =
      load_word(header.head_sequence, std::memory_order_relaxed);
  const int64_t tail =
      load_word(header.tail_sequence, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_acquire);  // P3
  if (load_word(header.pair_version, std::memory_order_relaxed) != version) {
    return std::nullopt;
  }
  assert(head <= tail + 1 && tail - head + 1 <= int64_t{capacity_} &&
         "a consistent pair holds 0 .. capacity items");

  const RegionView view(region);
  if (!exclude_expired || ttl_ms_ == 0) {
    return ReadSnapshot{view, head, tail};
  }
  const int64_t live = first_unexpired(view, head, tail, expiry_cutoff(now_ms));
  // The search loaded head's slot first, so any reuse it saw moved
  // reclaim_sequence above head.
  if (!copy_intact(view, head)) {
    return std::nullopt;
  }
  return ReadSnapshot{view, live, tail};
}

inline RingBuffer::ReadSnapshot RingBuffer::locked_snapshot(
    int64_t now_ms, bool exclude_expired) const noexcept {
  // Relaxed: the lock orders these loads after the last writer's stores (P5).
  const RegionView view(region_.load(std::memory_order_relaxed));
  const RegionHeader& header = view.header();
  const int64_t head =
      load_word(header.head_sequence, std::memory_order_relaxed);
  const int64_t tail =
      load_word(header.tail_sequence, std::memory_order_relaxed);
  assert(load_word(header.reclaim_sequence, std::memory_order_relaxed) ==
             head &&
         "between appends the reclaimed sequence is the head");
  if (!exclude_expired || ttl_ms_ == 0) {
    return {view, head, tail};
  }
  return {view, first_unexpired(view, head, tail, expiry_cutoff(now_ms)), tail};
}

inline uint32_t RingBuffer::reader_stripe() noexcept {
  // Threads take the stripes in turn, in the order of their first read.
  static std::atomic<uint32_t> next_stripe{0};
  thread_local const uint32_t stripe =
      next_stripe.fetch_add(1, std::memory_order_relaxed) % kReaderStripes;
  return stripe;
}

inline RingBuffer::ReadScope::ReadScope(const RingBuffer& ring) noexcept
    : ring_(ring), readers_(ring.reader_counts_[reader_stripe()].readers) {
  readers_.fetch_add(1, std::memory_order_seq_cst);  // P7
}

inline RingBuffer::ReadScope::~ReadScope() {
  readers_.fetch_sub(1, std::memory_order_seq_cst);  // P7, P8
  if (!ring_.regions_retired_.load(std::memory_order_seq_cst)) {
    return;
  }
  // A reader does not wait for the lock, because its holder checks too.
  std::vector<RegionPtr> unread;
  if (ring_.writer_lock_.try_lock()) {
    ring_.take_unread_regions(unread);
    ring_.writer_lock_.unlock();
  }
  // `unread` frees the regions here, outside the lock.
}

inline void RingBuffer::take_unread_regions(
    std::vector<RegionPtr>& unread) const noexcept {
  if (retired_regions_.empty()) {
    return;
  }
  for (const ReaderCount& count : reader_counts_) {
    if (count.readers.load(std::memory_order_seq_cst) != 0) {  // P7, P8
      return;
    }
  }
  freed_region_count_ += retired_regions_.size();
  unread.swap(retired_regions_);
  regions_retired_.store(false, std::memory_order_seq_cst);
}

template <typename Attempt>
void RingBuffer::read_consistently(int64_t now_ms, bool exclude_expired,
                                   Attempt&& attempt) const {
  const ReadScope scope(*this);
  for (uint32_t i = 0; i < kOptimisticReads; ++i) {
    const std::optional<ReadSnapshot> snapshot =
        try_snapshot(now_ms, exclude_expired);
    if (snapshot && attempt(*snapshot)) {
      return;
    }
  }
  std::lock_guard<WriterLock> guard(writer_lock_);
  [[maybe_unused]] const bool done =
      attempt(locked_snapshot(now_ms, exclude_expired));
  assert(done && "no writer can disturb a read under the writer lock");
}

inline bool RingBuffer::copy_intact(const RegionView& view,
                                    int64_t first) noexcept {
  std::atomic_thread_fence(std::memory_order_acquire);  // P4
  return load_word(view.header().reclaim_sequence, std::memory_order_relaxed) <=
         first;
}

inline RingState RingBuffer::state(int64_t now_ms) const noexcept {
  RingState state{};
  read_consistently(now_ms, true, [&](const ReadSnapshot& snapshot) noexcept {
    state = {snapshot.head, snapshot.tail};
    return true;
  });
  return state;
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
  // Relaxed: only writers store these, and the lock orders them (P5).
  plan.old_head = load_word(header.head_sequence, std::memory_order_relaxed);
  plan.old_tail = load_word(header.tail_sequence, std::memory_order_relaxed);
  assert(load_word(header.reclaim_sequence, std::memory_order_relaxed) ==
             plan.old_head &&
         "between appends the reclaimed sequence is the head");
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

inline void RingBuffer::reclaim_below(RegionHeader& header,
                                      int64_t new_head) noexcept {
  if (new_head !=
      load_word(header.reclaim_sequence, std::memory_order_relaxed)) {
    store_word(header.reclaim_sequence, new_head, std::memory_order_relaxed);
  }
  // P4: orders the store above before every reuse of a slot or arena word
  // that follows. Issued on every append, because an earlier append, maybe
  // on another thread, may have moved the sequence that allows this reuse.
  std::atomic_thread_fence(std::memory_order_release);
}

inline void RingBuffer::publish_pair(RegionHeader& header, int64_t head,
                                     int64_t tail) noexcept {
  // Relaxed: only writers store the version, and the lock orders them (P5).
  const uint64_t version =
      load_word(header.pair_version, std::memory_order_relaxed);
  store_word(header.pair_version, version + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);  // P3
  store_word(header.head_sequence, head, std::memory_order_relaxed);
  store_word(header.tail_sequence, tail, std::memory_order_relaxed);
  store_word(header.pair_version, version + 2,
             std::memory_order_release);  // P2
}

inline void RingBuffer::store_items(const RegionView& view,
                                    const AppendPlan& plan,
                                    const ItemView* items,
                                    size_t count) noexcept {
  RegionHeader& header = view.header();
  const bool has_ttl = header.ttl_seconds > 0;
  uint64_t position = header.tail_position;
  for (size_t i = plan.first_item; i < count; ++i) {
    const int64_t sequence = plan.old_tail + 1 + static_cast<int64_t>(i);
    Slot& slot = view.slot(sequence);
    if (has_ttl) {
      store_word(view.added_ms(sequence), plan.added_ms,
                 std::memory_order_relaxed);
    }
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
  reclaim_below(header, plan.new_head);
  store_items(view, plan, items, count);
  publish_pair(header, plan.new_head, plan.new_tail);
}

inline void RingBuffer::append_with_growth(const RegionView& view,
                                           const AppendPlan& plan,
                                           const ItemView* items,
                                           size_t count) {
  const bool has_ttl = ttl_ms_ != 0;
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
  // At least double the region while its slot table can still grow, growing
  // the smaller part, so that the copies of all growths add up to a small
  // multiple of the final region. Once the table has `capacity` slots, only
  // the arena can run short again, and it doubles when it does.
  const uint64_t old_total = region_bytes(old_slots, old_arena, has_ttl);
  while (slots < capacity_ &&
         region_bytes(slots, arena, has_ttl) < 2 * old_total) {
    if (arena_offset_for(slots, has_ttl) <= arena) {
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
    if (has_ttl) {
      to.added_ms(sequence) = view.added_ms(sequence);
    }
  }
  copy_arena(view, to, plan.retained_position,
             from_header.tail_position - plan.retained_position);
  to_header.tail_position = from_header.tail_position;
  store_items(to, plan, items, count);
  to_header.head_sequence = plan.new_head;
  to_header.tail_sequence = plan.new_tail;
  to_header.reclaim_sequence = plan.new_head;

  // Make room to retire the current region before publishing: reserve() can
  // throw, and after the store below the ring must not fail.
  retired_regions_.reserve(retired_regions_.size() + 1);
  region_.store(grown.get(), std::memory_order_seq_cst);  // P1, P7
  retired_regions_.push_back(std::move(current_region_));
  current_region_ = std::move(grown);
  // Before the holder loads the reader counters (P7).
  regions_retired_.store(true, std::memory_order_seq_cst);
}

inline int64_t RingBuffer::append(const ItemView* items, size_t count,
                                  OverflowPolicy policy, int64_t now_ms) {
  assert(count >= 1 && "append() needs an item; reject empty batches first");
  assert(items != nullptr && "append() needs an item array");
  int64_t new_tail = -1;
  // Declared before the lock, so it frees the regions after the unlock.
  std::vector<RegionPtr> unread;
  {
    std::lock_guard<WriterLock> guard(writer_lock_);
    // Relaxed: only writers store region_, and the lock orders them (P5).
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
    take_unread_regions(unread);
  }
  // Outside the lock: the wake-up may be a system call.
  publish_counter_.increment();  // P6
  return new_tail;
}

inline ReadStatus RingBuffer::read_one(int64_t sequence, int64_t now_ms,
                                       std::vector<uint8_t>& out) const {
  ReadStatus status = ReadStatus::kOk;
  // Expiry is checked on the item's own slot, so skip the binary search.
  read_consistently(now_ms, false, [&](const ReadSnapshot& snapshot) {
    out.clear();
    if (sequence > snapshot.tail) {
      status = ReadStatus::kNotYet;
      return true;
    }
    if (sequence < snapshot.head) {
      status = ReadStatus::kStale;
      return true;
    }

    const Slot& slot = snapshot.view.slot(sequence);
    const int64_t added_ms =
        ttl_ms_ == 0
            ? 0
            : load_word(snapshot.view.added_ms(sequence),
                        std::memory_order_relaxed);
    const uint64_t position =
        load_word(slot.position, std::memory_order_relaxed);
    // A reused slot contains another item's length, which still fits this
    // region's arena, so the copy stays in bounds until it is discarded.
    const uint64_t length = load_word(slot.length, std::memory_order_relaxed);
    out.resize(static_cast<size_t>(length));
    load_payload(snapshot.view, position, length, out.data());
    if (!copy_intact(snapshot.view, sequence)) {
      return false;
    }

    if (ttl_ms_ != 0 && added_ms <= expiry_cutoff(now_ms)) {
      out.clear();
      status = ReadStatus::kStale;
      return true;
    }
    status = ReadStatus::kOk;
    return true;
  });
  return status;
}

inline bool RingBuffer::try_read_many(const ReadSnapshot& snapshot,
                                      int64_t start, uint32_t max_count,
                                      size_t max_bytes,
                                      std::vector<uint8_t>& out,
                                      ReadManyResult& result) const {
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
  if (count > 0 && !copy_intact(view, first)) {
    out.resize(frame_offset);
    return false;
  }

  uint8_t* frame = out.data() + frame_offset;
  store_le64(frame + kFrameStartSequenceOffset, static_cast<uint64_t>(first));
  store_le32(frame + kFrameCountOffset, count);
  store_le32(frame + kFrameReservedOffset, 0);
  result = {first, count};
  return true;
}

inline ReadManyResult RingBuffer::read_many(int64_t start, uint32_t max_count,
                                            size_t max_bytes, int64_t now_ms,
                                            std::vector<uint8_t>& out) const {
  ReadManyResult result{};
  read_consistently(now_ms, true, [&](const ReadSnapshot& snapshot) {
    return try_read_many(snapshot, start, max_count, max_bytes, out, result);
  });
  return result;
}

inline uint64_t RingBuffer::allocated_bytes() const {
  std::lock_guard<WriterLock> guard(writer_lock_);
  uint64_t total = allocated_region_bytes(*current_region_);
  for (const RegionPtr& region : retired_regions_) {
    total += allocated_region_bytes(*region);
  }
  return total;
}

inline size_t RingBuffer::retired_region_count() const {
  std::lock_guard<WriterLock> guard(writer_lock_);
  return retired_regions_.size();
}

inline uint64_t RingBuffer::freed_region_count() const {
  std::lock_guard<WriterLock> guard(writer_lock_);
  return freed_region_count_;
}

}  // namespace ringcast
