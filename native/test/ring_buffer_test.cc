// Single-threaded behaviour of RingBuffer: Hazelcast semantics, TTL with a
// caller-supplied clock, the read_many frame, and region growth.
#include "test_harness.h"

#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ringcast/layout.h"
#include "ringcast/ring_buffer.h"

// In namespace ringcast, so that CHECK_EQ finds them by argument lookup.
namespace ringcast {

bool operator==(const RingState& a, const RingState& b) {
  return a.head_sequence == b.head_sequence &&
         a.tail_sequence == b.tail_sequence;
}

std::ostream& operator<<(std::ostream& stream, const RingState& state) {
  return stream << "{head " << state.head_sequence << ", tail "
                << state.tail_sequence << "}";
}

std::ostream& operator<<(std::ostream& stream,
                         const std::optional<RingState>& state) {
  if (!state) {
    return stream << "no state";
  }
  return stream << *state;
}

// Runs the steps of one in-place append separately, so that a test can read
// the ring between them as a racing reader would, and makes single lock-free
// read attempts, without the retries and the lock fallback.
class RingBufferTestPeer {
 public:
  RingBufferTestPeer(RingBuffer& ring, const std::vector<ItemView>& items,
                     int64_t now_ms)
      : ring_(ring),
        items_(items),
        view_(ring.region_.load(std::memory_order_relaxed)),
        plan_(ring.plan_append(view_, items.data(), items.size(), now_ms)) {}

  bool fits_in_place() const {
    return plan_.needed_slots <= view_.slot_count() &&
           plan_.needed_bytes <= view_.arena_bytes();
  }

  void reclaim() { RingBuffer::reclaim_below(view_.header(), plan_.new_head); }

  void store_items() {
    RingBuffer::store_items(view_, plan_, items_.data(), items_.size());
  }

  // The first half of publish_pair(): the version is odd and only the head
  // is stored.
  void publish_head() {
    RegionHeader& header = view_.header();
    store_word(header.pair_version, header.pair_version + 1,
               std::memory_order_relaxed);
    store_word(header.head_sequence, plan_.new_head, std::memory_order_relaxed);
  }

  // The second half of publish_pair().
  void publish_tail() {
    RegionHeader& header = view_.header();
    store_word(header.tail_sequence, plan_.new_tail, std::memory_order_relaxed);
    store_word(header.pair_version, header.pair_version + 1,
               std::memory_order_release);
  }

  // Counts the calling thread as a reader of `ring` until the result is
  // destroyed, as state(), read_one() and read_many() do.
  static std::unique_ptr<RingBuffer::ReadScope> enter_read(
      const RingBuffer& ring) {
    return std::make_unique<RingBuffer::ReadScope>(ring);
  }

  static RegionHeader* current_region(const RingBuffer& ring) {
    return ring.region_.load(std::memory_order_relaxed);
  }

  static WriterLock& writer_lock(const RingBuffer& ring) {
    return ring.writer_lock_;
  }

  std::optional<RingState> try_state(int64_t now_ms) const {
    const std::optional<RingBuffer::ReadSnapshot> snapshot =
        ring_.try_snapshot(now_ms, true);
    if (!snapshot) {
      return std::nullopt;
    }
    return RingState{snapshot->head, snapshot->tail};
  }

  // Returns the frame bytes, or nothing when the attempt failed.
  std::optional<std::vector<uint8_t>> try_read_many(int64_t start,
                                                    uint32_t max_count,
                                                    int64_t now_ms) const {
    const std::optional<RingBuffer::ReadSnapshot> snapshot =
        ring_.try_snapshot(now_ms, true);
    std::vector<uint8_t> out;
    ReadManyResult result{};
    if (!snapshot || !ring_.try_read_many(*snapshot, start, max_count, SIZE_MAX,
                                          out, result)) {
      return std::nullopt;
    }
    return out;
  }

 private:
  RingBuffer& ring_;
  const std::vector<ItemView>& items_;
  RegionView view_;
  RingBuffer::AppendPlan plan_;
};

}  // namespace ringcast

namespace {

using ringcast::ItemView;
using ringcast::OverflowPolicy;
using ringcast::ReadManyResult;
using ringcast::ReadStatus;
using ringcast::RingBuffer;
using ringcast::RingState;

constexpr size_t kNoByteLimit = std::numeric_limits<size_t>::max();

ItemView view_of(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()),
          static_cast<uint32_t>(text.size())};
}

int64_t add(RingBuffer& ring, std::string_view text,
            OverflowPolicy policy = OverflowPolicy::kOverwrite,
            int64_t now_ms = 0) {
  const ItemView item = view_of(text);
  return ring.append(&item, 1, policy, now_ms);
}

int64_t add_all(RingBuffer& ring, const std::vector<std::string>& texts,
                OverflowPolicy policy = OverflowPolicy::kOverwrite,
                int64_t now_ms = 0) {
  std::vector<ItemView> items;
  for (const std::string& text : texts) {
    items.push_back(view_of(text));
  }
  return ring.append(items.data(), items.size(), policy, now_ms);
}

std::vector<std::string> numbered(const std::string& prefix, int count) {
  std::vector<std::string> texts;
  for (int i = 0; i < count; ++i) {
    texts.push_back(prefix + std::to_string(i));
  }
  return texts;
}

// Reads one item as text. The text is meaningful only with kOk.
std::pair<ReadStatus, std::string> read(const RingBuffer& ring,
                                        int64_t sequence, int64_t now_ms = 0) {
  std::vector<uint8_t> out;
  const ReadStatus status = ring.read_one(sequence, now_ms, out);
  return {status, std::string(out.begin(), out.end())};
}

struct Record {
  int64_t sequence;
  std::string payload;
};

struct Frame {
  int64_t start_sequence = 0;
  uint32_t count = 0;
  std::vector<Record> records;
  // False when a reserved field or padding byte is not zero, or the records
  // do not end exactly at the end of the bytes.
  bool well_formed = true;
};

Frame parse_frame(const std::vector<uint8_t>& bytes, size_t offset = 0) {
  using namespace ringcast;
  Frame frame;
  const uint8_t* base = bytes.data() + offset;
  frame.start_sequence =
      static_cast<int64_t>(load_le64(base + kFrameStartSequenceOffset));
  frame.count = load_le32(base + kFrameCountOffset);
  frame.well_formed = load_le32(base + kFrameReservedOffset) == 0;
  size_t at = kFrameHeaderBytes;
  for (uint32_t i = 0; i < frame.count; ++i) {
    if (offset + at + kRecordHeaderBytes > bytes.size()) {
      frame.well_formed = false;
      return frame;
    }
    const uint8_t* record = base + at;
    const auto sequence =
        static_cast<int64_t>(load_le64(record + kRecordSequenceOffset));
    const uint32_t length = load_le32(record + kRecordLengthOffset);
    if (load_le32(record + kRecordReservedOffset) != 0 ||
        offset + at + record_bytes(length) > bytes.size()) {
      frame.well_formed = false;
      return frame;
    }
    const uint8_t* payload = record + kRecordHeaderBytes;
    frame.records.push_back({sequence, std::string(payload, payload + length)});
    for (size_t pad = length; pad < record_bytes(length) - kRecordHeaderBytes;
         ++pad) {
      frame.well_formed = frame.well_formed && payload[pad] == 0;
    }
    at += record_bytes(length);
  }
  frame.well_formed = frame.well_formed && offset + at == bytes.size();
  return frame;
}

Frame read_frame(const RingBuffer& ring, int64_t start, uint32_t max_count,
                 size_t max_bytes = kNoByteLimit, int64_t now_ms = 0,
                 ReadManyResult* result = nullptr) {
  std::vector<uint8_t> out;
  const ReadManyResult summary =
      ring.read_many(start, max_count, max_bytes, now_ms, out);
  if (result != nullptr) {
    *result = summary;
  }
  return parse_frame(out);
}

TEST_CASE(new_ring_is_empty) {
  RingBuffer ring(10, 0);
  CHECK_EQ(ring.capacity(), 10u);
  CHECK_EQ(ring.ttl_seconds(), 0u);
  CHECK_EQ(ring.state(0), (RingState{0, -1}));
  CHECK_EQ(ring.publish_count(), 0u);
  CHECK_EQ(read(ring, 0).first, ReadStatus::kNotYet);

  ReadManyResult result{};
  const Frame frame = read_frame(ring, 0, 10, kNoByteLimit, 0, &result);
  CHECK(frame.well_formed);
  CHECK_EQ(result.start_sequence, 0);
  CHECK_EQ(result.count, 0u);
  CHECK_EQ(frame.start_sequence, 0);
  CHECK_EQ(frame.count, 0u);
}

TEST_CASE(capacity_is_exact_item_count) {
  for (const uint32_t capacity : {1u, 3u, 10u, 10000u}) {
    RingBuffer ring(capacity, 0);
    const std::vector<std::string> texts =
        numbered("item-", static_cast<int>(capacity));
    if (capacity <= 10) {
      for (uint32_t i = 0; i < capacity; ++i) {
        CHECK_EQ(add(ring, texts[i]), int64_t{i});
      }
    } else {
      CHECK_EQ(add_all(ring, texts), int64_t{capacity} - 1);
    }

    // Full, and nothing lost: every slot is usable.
    CHECK_EQ(ring.state(0), (RingState{0, int64_t{capacity} - 1}));
    for (uint32_t i = 0; i < capacity; ++i) {
      CHECK_EQ(read(ring, i).first, ReadStatus::kOk);
      CHECK_EQ(read(ring, i).second, texts[i]);
    }
    const Frame all = read_frame(ring, 0, capacity);
    CHECK(all.well_formed);
    CHECK_EQ(all.count, capacity);

    // One more overwrites exactly the oldest.
    CHECK_EQ(add(ring, "one-more"), int64_t{capacity});
    CHECK_EQ(ring.state(0), (RingState{1, int64_t{capacity}}));
    CHECK_EQ(read(ring, 0).first, ReadStatus::kStale);
    CHECK_EQ(read(ring, capacity).second, "one-more");
    if (capacity > 1) {
      CHECK_EQ(read(ring, 1).second, texts[1]);
    }
  }
}

TEST_CASE(overwrite_moves_head) {
  RingBuffer ring(3, 0);
  for (int i = 0; i < 5; ++i) {
    CHECK_EQ(add(ring, "v" + std::to_string(i)), i);
  }
  CHECK_EQ(ring.state(0), (RingState{2, 4}));
  CHECK_EQ(read(ring, 1).first, ReadStatus::kStale);
  CHECK_EQ(read(ring, 2).second, "v2");
  CHECK_EQ(read(ring, 3).second, "v3");
  CHECK_EQ(read(ring, 4).second, "v4");
}

TEST_CASE(batch_larger_than_capacity_keeps_last) {
  RingBuffer ring(3, 0);
  add_all(ring, {"a", "b"});
  const std::vector<std::string> batch = numbered("x", 10);
  // Sequences 2..11 are all assigned; only the last three are stored.
  CHECK_EQ(add_all(ring, batch), 11);
  CHECK_EQ(ring.state(0), (RingState{9, 11}));
  CHECK_EQ(read(ring, 8).first, ReadStatus::kStale);
  CHECK_EQ(read(ring, 9).second, "x7");
  CHECK_EQ(read(ring, 10).second, "x8");
  CHECK_EQ(read(ring, 11).second, "x9");

  RingBuffer single(1, 0);
  CHECK_EQ(add_all(single, numbered("y", 5)), 4);
  CHECK_EQ(single.state(0), (RingState{4, 4}));
  CHECK_EQ(read(single, 4).second, "y4");
}

// The frame's payloads, joined with commas.
std::string payloads(const Frame& frame) {
  std::string texts;
  for (const Record& record : frame.records) {
    texts += (texts.empty() ? "" : ",") + record.payload;
  }
  return texts;
}

// What a reader sees between the steps of an append of two items into a
// full ring of four. Acceptable outcomes: the old pair {0, 3} with its four
// items, a failed attempt (the reader tries again), or the new pair {2, 5}
// with its four items. Never a size below four or a frame below four items.
TEST_CASE(batch_steps_show_old_or_new_pair) {
  RingBuffer ring(4, 0);
  add_all(ring, {"a0", "a1", "a2", "a3"});
  const std::vector<ItemView> batch = {view_of("b0"), view_of("b1")};
  ringcast::RingBufferTestPeer append(ring, batch, 0);
  CHECK(append.fits_in_place());
  const std::string old_items = "a0,a1,a2,a3";
  const std::string new_items = "a2,a3,b0,b1";

  auto frame_of = [&](int64_t start) -> std::optional<Frame> {
    const std::optional<std::vector<uint8_t>> bytes =
        append.try_read_many(start, 4, 0);
    if (!bytes) {
      return std::nullopt;
    }
    return parse_frame(*bytes);
  };

  // Before the append: the old pair.
  CHECK_EQ(append.try_state(0), (std::optional<RingState>{RingState{0, 3}}));
  CHECK(frame_of(0).has_value());
  CHECK_EQ(payloads(*frame_of(0)), old_items);

  // a0 and a1 are reclaimed, and then overwritten, but still visible. A copy
  // that includes them fails, one above them succeeds.
  for (int step = 0; step < 2; ++step) {
    if (step == 0) {
      append.reclaim();
    } else {
      append.store_items();
    }
    CHECK_EQ(append.try_state(0), (std::optional<RingState>{RingState{0, 3}}));
    CHECK(!frame_of(0).has_value());
    const std::optional<Frame> upper = frame_of(2);
    CHECK(upper.has_value());
    CHECK_EQ(upper->start_sequence, 2);
    CHECK_EQ(payloads(*upper), std::string("a2,a3"));
  }

  // Half of the pair is stored: no attempt returns it.
  append.publish_head();
  CHECK(!append.try_state(0).has_value());
  CHECK(!frame_of(0).has_value());
  CHECK(!frame_of(2).has_value());

  // The whole pair is stored: the new pair, with the whole batch.
  append.publish_tail();
  CHECK_EQ(append.try_state(0), (std::optional<RingState>{RingState{2, 5}}));
  const std::optional<Frame> after = frame_of(0);
  CHECK(after.has_value());
  CHECK_EQ(after->start_sequence, 2);
  CHECK_EQ(payloads(*after), new_items);

  // The public calls agree, and the next append starts from this state.
  CHECK_EQ(ring.state(0), (RingState{2, 5}));
  CHECK_EQ(read(ring, 1).first, ReadStatus::kStale);
  CHECK_EQ(read(ring, 5).second, "b1");
  CHECK_EQ(payloads(read_frame(ring, 0, 4)), new_items);
  CHECK_EQ(add(ring, "c0"), 6);
  CHECK_EQ(ring.state(0), (RingState{3, 6}));
}

// With a TTL, the expiry search reads slot timestamps from the head, so an
// attempt fails while a writer has reclaimed items that are still visible.
TEST_CASE(batch_steps_with_ttl) {
  RingBuffer ring(2, 1);
  add_all(ring, {"a0", "a1"}, OverflowPolicy::kOverwrite, 0);
  const std::vector<ItemView> batch = {view_of("b0")};
  ringcast::RingBufferTestPeer append(ring, batch, 500);
  CHECK(append.fits_in_place());

  append.reclaim();
  append.store_items();
  CHECK(!append.try_state(500).has_value());
  append.publish_head();
  append.publish_tail();
  CHECK_EQ(append.try_state(500), (std::optional<RingState>{RingState{1, 2}}));
  // At 1000 ms a0 and a1 (added at 0) have expired, and b0 (500) has not.
  CHECK_EQ(append.try_state(1000), (std::optional<RingState>{RingState{2, 2}}));
  CHECK_EQ(ring.state(1000), (RingState{2, 2}));
  CHECK_EQ(read(ring, 1, 1000).first, ReadStatus::kStale);
  CHECK_EQ(read(ring, 2, 1000).second, "b0");
}

TEST_CASE(fail_without_ttl_rejects_only_oversized_batch) {
  RingBuffer ring(3, 0);
  CHECK_EQ(add_all(ring, {"a", "b", "c"}, OverflowPolicy::kFail), 2);
  // As Hazelcast: without a TTL the remaining capacity is always the full
  // capacity, so a full ring is overwritten.
  CHECK_EQ(add(ring, "d", OverflowPolicy::kFail), 3);
  CHECK_EQ(ring.state(0), (RingState{1, 3}));

  const uint64_t published = ring.publish_count();
  CHECK_EQ(add_all(ring, numbered("big", 4), OverflowPolicy::kFail), -1);
  CHECK_EQ(ring.state(0), (RingState{1, 3}));
  CHECK_EQ(ring.publish_count(), published);
  CHECK_EQ(read(ring, 1).second, "b");

  CHECK_EQ(add_all(ring, numbered("fit", 3), OverflowPolicy::kFail), 6);
  CHECK_EQ(ring.state(0), (RingState{4, 6}));
}

TEST_CASE(fail_with_ttl_counts_unexpired_items) {
  RingBuffer ring(3, 10);  // items expire 10 000 ms after they are added
  CHECK_EQ(add_all(ring, {"a", "b", "c"}, OverflowPolicy::kFail, 0), 2);
  CHECK_EQ(add(ring, "d", OverflowPolicy::kFail, 5000), -1);
  CHECK_EQ(ring.state(5000), (RingState{0, 2}));

  CHECK_EQ(add(ring, "d", OverflowPolicy::kOverwrite, 5000), 3);
  CHECK_EQ(ring.state(5000), (RingState{1, 3}));

  // At 10 000 items 0..2 have expired and only "d" counts.
  CHECK_EQ(add_all(ring, {"e", "f", "g"}, OverflowPolicy::kFail, 10000), -1);
  CHECK_EQ(add_all(ring, {"e", "f"}, OverflowPolicy::kFail, 10000), 5);
  CHECK_EQ(ring.state(10000), (RingState{3, 5}));
  CHECK_EQ(add(ring, "g", OverflowPolicy::kFail, 10000), -1);

  // At 15 000 "d" expires too.
  CHECK_EQ(add(ring, "g", OverflowPolicy::kFail, 15000), 6);
  CHECK_EQ(ring.state(15000), (RingState{4, 6}));
  CHECK_EQ(read(ring, 4, 15000).second, "e");
}

TEST_CASE(ttl_expiry_visible_without_write) {
  RingBuffer ring(10, 10);
  add(ring, "t0", OverflowPolicy::kOverwrite, 0);
  add(ring, "t1", OverflowPolicy::kOverwrite, 1000);
  add(ring, "t2", OverflowPolicy::kOverwrite, 2000);
  const uint64_t published = ring.publish_count();

  CHECK_EQ(ring.state(9999), (RingState{0, 2}));
  CHECK_EQ(ring.state(10000), (RingState{1, 2}));
  CHECK_EQ(ring.state(11999), (RingState{2, 2}));
  CHECK_EQ(ring.state(12000), (RingState{3, 2}));

  CHECK_EQ(read(ring, 0, 10000).first, ReadStatus::kStale);
  CHECK_EQ(read(ring, 1, 10000).first, ReadStatus::kOk);
  CHECK_EQ(read(ring, 1, 10000).second, "t1");
  CHECK_EQ(read(ring, 2, 12000).first, ReadStatus::kStale);
  CHECK_EQ(read(ring, 3, 12000).first, ReadStatus::kNotYet);

  ReadManyResult result{};
  Frame frame = read_frame(ring, 0, 10, kNoByteLimit, 11000, &result);
  CHECK_EQ(result.start_sequence, 2);
  CHECK_EQ(result.count, 1u);
  CHECK_EQ(frame.records.at(0).payload, "t2");
  frame = read_frame(ring, 0, 10, kNoByteLimit, 12000, &result);
  CHECK_EQ(result.start_sequence, 3);
  CHECK_EQ(result.count, 0u);

  // Nothing was written: a read with an earlier clock returns every item.
  CHECK_EQ(ring.publish_count(), published);
  CHECK_EQ(ring.state(0), (RingState{0, 2}));
  CHECK_EQ(read(ring, 0, 0).second, "t0");
}

TEST_CASE(ttl_append_moves_stored_head) {
  RingBuffer ring(10, 1);
  add(ring, "old", OverflowPolicy::kOverwrite, 0);
  add(ring, "new", OverflowPolicy::kOverwrite, 5000);
  // The append at 5000 moved the stored head past the expired item, so even
  // a read with an earlier clock reports it stale.
  CHECK_EQ(ring.state(0), (RingState{1, 1}));
  CHECK_EQ(read(ring, 0, 0).first, ReadStatus::kStale);
}

TEST_CASE(ttl_times_never_decrease) {
  RingBuffer ring(10, 10);
  add(ring, "late", OverflowPolicy::kOverwrite, 5000);
  // A clock that went back: the item is stamped 5000, not 1000.
  add(ring, "early", OverflowPolicy::kOverwrite, 1000);
  CHECK_EQ(ring.state(14999), (RingState{0, 1}));
  CHECK_EQ(ring.state(15000), (RingState{2, 1}));
}

TEST_CASE(ttl_max_seconds_does_not_overflow) {
  RingBuffer ring(4, std::numeric_limits<uint32_t>::max());
  const int64_t ttl_ms = int64_t{std::numeric_limits<uint32_t>::max()} * 1000;
  add(ring, "a", OverflowPolicy::kOverwrite, 7);
  CHECK_EQ(ring.state(7 + ttl_ms - 1), (RingState{0, 0}));
  CHECK_EQ(ring.state(7 + ttl_ms), (RingState{1, 0}));
}

TEST_CASE(read_one_stale_and_not_yet) {
  RingBuffer ring(2, 0);
  CHECK_EQ(read(ring, 0).first, ReadStatus::kNotYet);
  add_all(ring, {"a", "b", "c"});

  std::vector<uint8_t> out = {1, 2, 3};
  CHECK_EQ(ring.read_one(0, 0, out), ReadStatus::kStale);
  CHECK(out.empty());
  CHECK_EQ(read(ring, -1).first, ReadStatus::kStale);
  CHECK_EQ(read(ring, 1).second, "b");
  CHECK_EQ(read(ring, 2).second, "c");
  CHECK_EQ(read(ring, 3).first, ReadStatus::kNotYet);
  CHECK_EQ(read(ring, 100).first, ReadStatus::kNotYet);
}

TEST_CASE(read_many_clamps_start) {
  RingBuffer ring(3, 0);
  add_all(ring, numbered("v", 5));  // head 2, tail 4

  ReadManyResult result{};
  Frame frame = read_frame(ring, 0, 10, kNoByteLimit, 0, &result);
  CHECK_EQ(result.start_sequence, 2);
  CHECK_EQ(result.count, 3u);
  CHECK_EQ(frame.records.at(0).sequence, 2);
  CHECK_EQ(frame.records.at(0).payload, "v2");
  CHECK_EQ(frame.records.at(2).sequence, 4);

  frame = read_frame(ring, 3, 10, kNoByteLimit, 0, &result);
  CHECK_EQ(result.start_sequence, 3);
  CHECK_EQ(result.count, 2u);

  frame = read_frame(ring, 5, 10, kNoByteLimit, 0, &result);
  CHECK_EQ(result.start_sequence, 5);
  CHECK_EQ(result.count, 0u);

  // Beyond tail + 1: treated as tail + 1.
  frame = read_frame(ring, 9, 10, kNoByteLimit, 0, &result);
  CHECK_EQ(result.start_sequence, 5);
  CHECK_EQ(result.count, 0u);
  CHECK_EQ(frame.start_sequence, 5);
}

TEST_CASE(read_many_max_count) {
  RingBuffer ring(10, 0);
  add_all(ring, numbered("v", 6));
  ReadManyResult result{};
  const Frame frame = read_frame(ring, 1, 2, kNoByteLimit, 0, &result);
  CHECK_EQ(result.count, 2u);
  CHECK_EQ(frame.records.size(), 2u);
  CHECK_EQ(frame.records.at(1).sequence, 2);
  CHECK_EQ(read_frame(ring, 1, 0).count, 0u);
}

TEST_CASE(read_many_max_bytes) {
  RingBuffer ring(10, 0);
  add_all(ring, {"0123456789", "0123456789", "0123456789", "0123456789"});
  // Stops after the item that brings the payload to max_bytes or more.
  CHECK_EQ(read_frame(ring, 0, 10, 25).count, 3u);
  CHECK_EQ(read_frame(ring, 0, 10, 20).count, 2u);
  CHECK_EQ(read_frame(ring, 0, 10, 11).count, 2u);
  CHECK_EQ(read_frame(ring, 0, 10, 10).count, 1u);
  // Always at least one item when one exists.
  CHECK_EQ(read_frame(ring, 0, 10, 1).count, 1u);
  CHECK_EQ(read_frame(ring, 0, 10, 0).count, 1u);
}

TEST_CASE(read_many_frame_bytes) {
  RingBuffer ring(10, 0);
  add_all(ring, {"abc", "", "12345678"});
  std::vector<uint8_t> out = {0xee};  // the frame is appended after this
  const ReadManyResult result = ring.read_many(0, 10, kNoByteLimit, 0, out);
  CHECK_EQ(result.start_sequence, 0);
  CHECK_EQ(result.count, 3u);

  // clang-format off
  const std::vector<uint8_t> expected = {
      0xee,
      // frame header: start 0, count 3, reserved
      0, 0, 0, 0, 0, 0, 0, 0,  3, 0, 0, 0,  0, 0, 0, 0,
      // sequence 0, length 3, reserved, "abc" and 5 zero bytes
      0, 0, 0, 0, 0, 0, 0, 0,  3, 0, 0, 0,  0, 0, 0, 0,
      'a', 'b', 'c', 0, 0, 0, 0, 0,
      // sequence 1, length 0, reserved, no payload
      1, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,
      // sequence 2, length 8, reserved, "12345678" with no padding
      2, 0, 0, 0, 0, 0, 0, 0,  8, 0, 0, 0,  0, 0, 0, 0,
      '1', '2', '3', '4', '5', '6', '7', '8'};
  // clang-format on
  CHECK_EQ(out.size(), expected.size());
  CHECK(out == expected);

  const Frame frame = parse_frame(out, 1);
  CHECK(frame.well_formed);
  CHECK_EQ(frame.records.at(1).payload, "");
}

TEST_CASE(zero_length_items) {
  RingBuffer ring(8, 0);
  const uint64_t initial_bytes = ring.allocated_bytes();
  std::vector<ItemView> empties(20, ItemView{nullptr, 0});
  CHECK_EQ(ring.append(empties.data(), 5, OverflowPolicy::kOverwrite, 0), 4);
  for (int i = 0; i < 30; ++i) {
    CHECK_EQ(ring.append(empties.data(), 1, OverflowPolicy::kOverwrite, 0),
             5 + i);
  }
  CHECK_EQ(ring.state(0), (RingState{27, 34}));
  std::vector<uint8_t> out = {9};
  CHECK_EQ(ring.read_one(30, 0, out), ReadStatus::kOk);
  CHECK(out.empty());
  const Frame frame = read_frame(ring, 0, 100);
  CHECK(frame.well_formed);
  CHECK_EQ(frame.count, 8u);
  CHECK_EQ(frame.records.at(7).sequence, 34);
  CHECK_EQ(frame.records.at(7).payload, "");
  // Empty items take no arena bytes, and 8 slots fit the first region.
  CHECK_EQ(ring.allocated_bytes(), initial_bytes);
}

std::string pattern(size_t length, uint8_t seed) {
  std::string text(length, '\0');
  for (size_t i = 0; i < length; ++i) {
    text[i] = static_cast<char>(seed + i * 31 + (i >> 8));
  }
  return text;
}

TEST_CASE(large_items_grow_arena) {
  RingBuffer ring(4, 0);
  const std::vector<std::string> texts = {
      pattern(100 * 1024, 1), pattern(1024 * 1024, 2), pattern(3, 3),
      pattern(2 * 1024 * 1024 + 5, 4)};
  for (size_t i = 0; i < texts.size(); ++i) {
    CHECK_EQ(add(ring, texts[i]), static_cast<int64_t>(i));
    for (size_t j = 0; j <= i; ++j) {
      CHECK(read(ring, static_cast<int64_t>(j)).second == texts[j]);
    }
  }
  const Frame frame = read_frame(ring, 0, 4);
  CHECK(frame.well_formed);
  CHECK_EQ(frame.count, 4u);
  CHECK(frame.records.at(3).payload == texts[3]);

  // About 3.2 MB retained. With no reader, every replaced region is freed,
  // and the current one stays within a small multiple of that.
  const uint64_t allocated = ring.allocated_bytes();
  CHECK(allocated < 8u * 1024 * 1024);
  CHECK_EQ(ring.retired_region_count(), 0u);

  // Overwrite the large items with small ones; the ring stays consistent.
  for (int i = 0; i < 10; ++i) {
    add(ring, "small" + std::to_string(i));
  }
  CHECK_EQ(ring.state(0), (RingState{10, 13}));
  CHECK_EQ(read(ring, 13).second, "small9");
  CHECK_EQ(ring.allocated_bytes(), allocated);
}

TEST_CASE(max_capacity_constructs_cheaply) {
  RingBuffer ring(RingBuffer::kMaxCapacity, 0);
  CHECK_EQ(ring.capacity(), 0x7fffffffu);
  CHECK(ring.allocated_bytes() < 4096);
  const std::vector<std::string> texts = numbered("n", 1000);
  CHECK_EQ(add_all(ring, texts), 999);
  CHECK_EQ(ring.state(0), (RingState{0, 999}));
  CHECK_EQ(read(ring, 0).second, "n0");
  CHECK_EQ(read(ring, 999).second, "n999");
  // 1000 slots of 16 bytes and about 8 KB of payload: about 24 KB needed.
  CHECK(ring.allocated_bytes() < 256 * 1024);
}

// Grows a ring from its first region to 20,000 items without a reader, with
// and without a TTL, and checks that each replaced region is freed at once.
TEST_CASE(growth_frees_outgrown_regions) {
  for (const uint32_t ttl_seconds : {0u, 3600u}) {
    RingBuffer ring(100000, ttl_seconds);
    uint64_t growths = 0;
    uint64_t allocated = ring.allocated_bytes();
    std::vector<std::string> texts;
    // Batch b is added at b ms. Each item's bytes are seeded by its sequence.
    for (int64_t batch = 0; batch < 200; ++batch) {
      texts.clear();
      for (int64_t i = 0; i < 100; ++i) {
        texts.push_back(pattern(64, static_cast<uint8_t>(batch * 100 + i)));
      }
      CHECK_EQ(add_all(ring, texts, OverflowPolicy::kOverwrite, batch),
               batch * 100 + 99);
      CHECK_EQ(ring.retired_region_count(), 0u);
      if (ring.allocated_bytes() != allocated) {
        ++growths;
        allocated = ring.allocated_bytes();
      }
    }
    CHECK(growths >= 5);
    CHECK_EQ(ring.freed_region_count(), growths);
    // 20,000 items of 16 (+8 with a TTL) slot bytes and 64 payload bytes
    // need 1.6 to 1.8 MB. The one region left is less than 4 times that.
    CHECK(allocated < 4 * 20000 * (16 + 8 + 64));

    for (const int64_t sequence : {0, 99, 100, 12345, 19999}) {
      CHECK(read(ring, sequence, 200).second ==
            pattern(64, static_cast<uint8_t>(sequence)));
    }
    if (ttl_seconds == 0) {
      continue;
    }
    // At 3600 s + 50 ms, batches 0 .. 50 have expired, so the copied
    // timestamps put the head at 5100.
    const int64_t expiry_ms = int64_t{ttl_seconds} * 1000;
    CHECK_EQ(ring.state(expiry_ms + 50), (RingState{5100, 19999}));
    CHECK_EQ(read(ring, 5099, expiry_ms + 50).first, ReadStatus::kStale);
    CHECK_EQ(read(ring, 5100, expiry_ms + 50).first, ReadStatus::kOk);
  }
}

// Reads a payload straight from a region, as a racing reader would.
std::string payload_in(ringcast::RegionHeader* region, int64_t sequence) {
  const ringcast::RegionView view(region);
  const ringcast::Slot& slot = view.slot(sequence);
  std::string text(static_cast<size_t>(slot.length), '\0');
  ringcast::load_payload(view, slot.position, slot.length,
                         reinterpret_cast<uint8_t*>(text.data()));
  return text;
}

TEST_CASE(reader_in_read_keeps_replaced_region) {
  using ringcast::RingBufferTestPeer;
  RingBuffer ring(1000, 0);
  CHECK_EQ(add(ring, "first"), 0);
  ringcast::RegionHeader* first_region =
      RingBufferTestPeer::current_region(ring);
  {
    const auto scope = RingBufferTestPeer::enter_read(ring);
    // 100 items do not fit the first region's 16 slots.
    CHECK_EQ(add_all(ring, numbered("a", 100)), 100);
    CHECK(RingBufferTestPeer::current_region(ring) != first_region);
    CHECK_EQ(ring.retired_region_count(), 1u);
    CHECK_EQ(ring.freed_region_count(), 0u);
    // The reader may still copy from the first region, so it is intact.
    CHECK_EQ(payload_in(first_region, 0), "first");

    CHECK_EQ(add_all(ring, numbered("b", 500)), 600);
    CHECK(ring.retired_region_count() >= 2u);
  }
  // The last reader out found no other reader and freed them.
  CHECK_EQ(ring.retired_region_count(), 0u);
  CHECK(ring.freed_region_count() >= 2u);
  CHECK_EQ(read(ring, 600).second, "b499");
}

TEST_CASE(next_append_frees_retired_region) {
  using ringcast::RingBufferTestPeer;
  RingBuffer ring(1000, 0);
  {
    const auto scope = RingBufferTestPeer::enter_read(ring);
    // 20 items grow the first region's 16 slots to 32.
    CHECK_EQ(add_all(ring, numbered("a", 20)), 19);
    CHECK_EQ(ring.retired_region_count(), 1u);
    // The reader leaves while a writer holds the lock, so it cannot free.
    RingBufferTestPeer::writer_lock(ring).lock();
  }
  RingBufferTestPeer::writer_lock(ring).unlock();
  CHECK_EQ(ring.retired_region_count(), 1u);
  CHECK_EQ(ring.freed_region_count(), 0u);

  // An append that fits the current region frees the retired one.
  ringcast::RegionHeader* region = RingBufferTestPeer::current_region(ring);
  const uint64_t allocated = ring.allocated_bytes();
  CHECK_EQ(add(ring, "b"), 20);
  CHECK(RingBufferTestPeer::current_region(ring) == region);
  CHECK_EQ(ring.retired_region_count(), 0u);
  CHECK_EQ(ring.freed_region_count(), 1u);
  CHECK(ring.allocated_bytes() < allocated);
  CHECK_EQ(read(ring, 19).second, "a19");
}

TEST_CASE(publish_count_counts_publishes) {
  RingBuffer ring(2, 0);
  CHECK_EQ(ring.publish_count(), 0u);
  add(ring, "a");
  CHECK_EQ(ring.publish_count(), 1u);
  add_all(ring, {"b", "c", "d"});
  CHECK_EQ(ring.publish_count(), 2u);
  CHECK_EQ(add_all(ring, {"b", "c", "d"}, OverflowPolicy::kFail), -1);
  CHECK_EQ(ring.publish_count(), 2u);
  ring.wake_all();
  CHECK_EQ(ring.publish_count(), 3u);
}

// Reference model of the Hazelcast semantics, to compare the ring against.
class Model {
 public:
  Model(uint32_t capacity, uint32_t ttl_seconds)
      : capacity_(capacity), ttl_ms_(int64_t{ttl_seconds} * 1000) {}

  int64_t append(const std::vector<std::string>& texts, OverflowPolicy policy,
                 int64_t now_ms) {
    expire(now_ms);
    const uint64_t remaining =
        ttl_ms_ == 0 ? capacity_ : capacity_ - items_.size();
    if (policy == OverflowPolicy::kFail && remaining < texts.size()) {
      return -1;
    }
    last_added_ms_ = std::max(now_ms, last_added_ms_);
    for (const std::string& text : texts) {
      items_.push_back({++tail_, last_added_ms_, text});
      if (items_.size() > capacity_) {
        items_.pop_front();
      }
    }
    head_ = items_.empty() ? tail_ + 1 : items_.front().sequence;
    return tail_;
  }

  // head and tail at now_ms, without changing the model.
  RingState state(int64_t now_ms) const {
    int64_t head = head_;
    for (const Item& item : items_) {
      if (ttl_ms_ == 0 || item.added_ms + ttl_ms_ > now_ms) {
        break;
      }
      head = item.sequence + 1;
    }
    return {head, tail_};
  }

  const std::string& at(int64_t sequence) const {
    return items_.at(static_cast<size_t>(sequence - items_.front().sequence))
        .text;
  }

 private:
  struct Item {
    int64_t sequence;
    int64_t added_ms;
    std::string text;
  };

  void expire(int64_t now_ms) {
    while (ttl_ms_ != 0 && !items_.empty() &&
           items_.front().added_ms + ttl_ms_ <= now_ms) {
      items_.pop_front();
    }
    head_ = items_.empty() ? tail_ + 1 : items_.front().sequence;
  }

  uint64_t capacity_;
  int64_t ttl_ms_;
  std::deque<Item> items_;
  int64_t head_ = 0;
  int64_t tail_ = -1;
  int64_t last_added_ms_ = 0;
};

// Random appends against the model, with every read checked after each one.
// Varied item sizes and small capacities take the arena and slot table
// around the wrap point at many offsets and through several growths.
void run_model_test(uint32_t capacity, uint32_t ttl_seconds, uint64_t seed,
                    int operations) {
  RingBuffer ring(capacity, ttl_seconds);
  Model model(capacity, ttl_seconds);
  std::mt19937_64 random(seed);
  int64_t now_ms = 0;
  int next_text = 0;

  for (int op = 0; op < operations; ++op) {
    const size_t batch =
        1 + random() % (random() % 8 == 0 ? capacity * 2 + 2 : 3);
    std::vector<std::string> texts;
    for (size_t i = 0; i < batch; ++i) {
      const size_t length =
          random() % 16 == 0 ? random() % 3000 : random() % 40;
      texts.push_back(pattern(length, static_cast<uint8_t>(next_text++)));
    }
    const OverflowPolicy policy =
        random() % 2 == 0 ? OverflowPolicy::kOverwrite : OverflowPolicy::kFail;
    if (ttl_seconds > 0) {
      now_ms += static_cast<int64_t>(random() % 400);
    }

    const int64_t expected = model.append(texts, policy, now_ms);
    CHECK_EQ(add_all(ring, texts, policy, now_ms), expected);

    // Check now and, without a write, at a later clock.
    for (const int64_t at_ms : {now_ms, now_ms + 700}) {
      const RingState state = model.state(at_ms);
      CHECK_EQ(ring.state(at_ms), state);
      const Frame frame = read_frame(ring, 0, capacity, kNoByteLimit, at_ms);
      CHECK(frame.well_formed);
      CHECK_EQ(frame.start_sequence, state.head_sequence);
      CHECK_EQ(int64_t{frame.count},
               state.tail_sequence - state.head_sequence + 1);
      for (const Record& record : frame.records) {
        CHECK(record.payload == model.at(record.sequence));
      }
      if (state.tail_sequence >= state.head_sequence) {
        const int64_t sequence =
            state.head_sequence +
            static_cast<int64_t>(random() % static_cast<uint64_t>(frame.count));
        CHECK(read(ring, sequence, at_ms).second == model.at(sequence));
      }
    }
  }
}

TEST_CASE(model_random_overwrite) {
  uint64_t seed = 1;
  for (const uint32_t capacity : {1u, 2u, 5u, 7u, 64u}) {
    run_model_test(capacity, 0, seed++, 1500);
  }
}

TEST_CASE(model_random_ttl) {
  uint64_t seed = 100;
  for (const uint32_t capacity : {1u, 3u, 8u, 20u}) {
    run_model_test(capacity, 1, seed++, 1500);
  }
}

}  // namespace

int main(int argc, char** argv) { return ringcast_test::run_tests(argc, argv); }
