// Multi-threaded stress test: several writers append single items and
// batches while readers follow the ring with read_one() and read_many(),
// some fast, some slow enough to be overwritten.
//
// Every item carries its writer, a per-writer counter, its place in its
// batch and a checksum over all of it. Each reader checks that:
//   - every item is whole (length and checksum);
//   - sequences strictly increase, with no duplicate;
//   - each writer's counters increase in sequence order;
//   - the items of one batch have consecutive sequences, and once one is
//     readable, the batch's last item is not kNotYet (no partial batch);
//   - every gap in the sequences it reads is explained by head having moved
//     past it (kStale, or a clamped read_many start at or below the head),
//     never a silently skipped sequence.
//
// A second part checks that a batch is atomic for readers of the counters.
// One writer appends batches of k into an always-full ring of capacity c.
// Readers check that state() always shows c items ending at a batch
// boundary, and that read_many() always returns those c items.
//
// A third part checks that replaced regions are freed while readers copy
// from them. Round after round, writers grow a new ring from its first small
// region to thousands of items while the same readers follow it, the slow
// ones far behind the head. A read from a freed region is a use-after-free
// under AddressSanitizer and a crash once the region is unmapped. The part
// fails unless regions were both retired while a read was in progress and
// freed later, and unless none is left once the readers have returned.
//
// Usage: stress_test [items_per_writer [seconds_per_scenario]]. The same two
// values can come from RINGCAST_STRESS_ITEMS and RINGCAST_STRESS_SECONDS.
// Each scenario stops its writers at whichever limit comes first.
#include "test_harness.h"

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ringcast/layout.h"
#include "ringcast/ring_buffer.h"

namespace {

using ringcast::ItemView;
using ringcast::OverflowPolicy;
using ringcast::ReadManyResult;
using ringcast::ReadStatus;
using ringcast::RingBuffer;
using Clock = std::chrono::steady_clock;

// Leading bytes of every item, in host byte order. The checksum covers the
// header (with checksum = 0) and the payload after it.
struct ItemHeader {
  uint32_t writer;
  uint32_t batch_index;
  uint32_t batch_size;
  uint32_t payload_length;
  uint64_t counter;
  uint64_t checksum;
};
static_assert(sizeof(ItemHeader) == 32);

uint64_t fnv1a(const uint8_t* bytes, size_t length, uint64_t hash) {
  for (size_t i = 0; i < length; ++i) {
    hash = (hash ^ bytes[i]) * 0x100000001b3;
  }
  return hash;
}

uint64_t item_checksum(ItemHeader header, const uint8_t* payload) {
  header.checksum = 0;
  const uint64_t hash = fnv1a(reinterpret_cast<const uint8_t*>(&header),
                              sizeof(header), 0xcbf29ce484222325);
  return fnv1a(payload, header.payload_length, hash);
}

uint64_t next_random(uint64_t& state) {
  // xorshift64*
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545f4914f6cdd1d;
}

std::vector<uint8_t> make_item(uint32_t writer, uint64_t counter,
                               uint32_t batch_index, uint32_t batch_size,
                               uint32_t payload_length) {
  std::vector<uint8_t> item(sizeof(ItemHeader) + payload_length);
  uint64_t state = (uint64_t{writer} << 48) ^ counter ^ 0x9e3779b97f4a7c15;
  for (uint32_t i = 0; i < payload_length; ++i) {
    item[sizeof(ItemHeader) + i] = static_cast<uint8_t>(next_random(state));
  }
  ItemHeader header{writer,         batch_index, batch_size,
                    payload_length, counter,     0};
  header.checksum = item_checksum(header, item.data() + sizeof(ItemHeader));
  std::memcpy(item.data(), &header, sizeof(header));
  return item;
}

// Failures from any thread; the first few are printed.
class Failures {
 public:
  void add(const char* file, int line, const char* expression,
           const std::string& detail) {
    const int number = count_.fetch_add(1, std::memory_order_relaxed);
    if (number < 10) {
      std::lock_guard<std::mutex> lock(mutex_);
      std::fprintf(stderr, "%s:%d: check failed: %s %s\n", file, line,
                   expression, detail.c_str());
    }
  }

  int count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int> count_{0};
  std::mutex mutex_;
};

#define STRESS_CHECK(condition, detail)                           \
  do {                                                            \
    if (!(condition)) {                                           \
      run.failures.add(__FILE__, __LINE__, #condition, (detail)); \
      run.stop.store(true, std::memory_order_relaxed);            \
      return false;                                               \
    }                                                             \
  } while (0)

struct Scenario {
  const char* name;
  uint32_t capacity;
  uint32_t ttl_seconds;
  uint32_t writers;
  // Share of appends that use kFail, in percent.
  uint32_t fail_percent;
};

// State shared by the threads of one scenario.
struct Run {
  explicit Run(const Scenario& scenario)
      : scenario(scenario), ring(scenario.capacity, scenario.ttl_seconds) {}

  // The fake clock: every append attempt advances it by 1 ms, so with a TTL
  // items expire after ttl_seconds * 1000 appends.
  int64_t now() const { return clock_ms.load(std::memory_order_acquire); }

  const Scenario& scenario;
  RingBuffer ring;
  std::atomic<int64_t> clock_ms{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> writers_done{false};
  // Valid once writers_done is true (release/acquire).
  int64_t final_tail = -1;
  Failures failures;
  Clock::time_point give_up_at;
};

std::string describe(int64_t sequence, const char* problem) {
  return std::string(problem) + " at sequence " + std::to_string(sequence);
}

// Checks on the items that one reader reads, in the order it reads them.
class ItemChecker {
 public:
  explicit ItemChecker(uint32_t writers) : last_counter_(writers, -1) {}

  bool check(Run& run, int64_t sequence, const uint8_t* bytes, size_t length) {
    STRESS_CHECK(length >= sizeof(ItemHeader), describe(sequence, "short"));
    ItemHeader header;
    std::memcpy(&header, bytes, sizeof(header));
    STRESS_CHECK(length == sizeof(ItemHeader) + header.payload_length,
                 describe(sequence, "length"));
    STRESS_CHECK(
        header.checksum == item_checksum(header, bytes + sizeof(ItemHeader)),
        describe(sequence, "checksum"));
    STRESS_CHECK(header.writer < last_counter_.size(),
                 describe(sequence, "writer id"));
    STRESS_CHECK(header.batch_index < header.batch_size,
                 describe(sequence, "batch index"));

    STRESS_CHECK(sequence > previous_sequence_,
                 describe(sequence, "sequence not increasing"));
    STRESS_CHECK(
        static_cast<int64_t>(header.counter) > last_counter_[header.writer],
        describe(sequence, "writer counter not increasing"));
    if (header.batch_index > 0 && previous_sequence_ == sequence - 1) {
      // The previous sequence must be the previous item of the same batch.
      STRESS_CHECK(previous_.writer == header.writer &&
                       previous_.counter + 1 == header.counter &&
                       previous_.batch_index + 1 == header.batch_index,
                   describe(sequence, "batch not contiguous"));
    }

    last_counter_[header.writer] = static_cast<int64_t>(header.counter);
    previous_sequence_ = sequence;
    previous_ = header;
    ++items_;
    return true;
  }

  const ItemHeader& previous() const { return previous_; }
  uint64_t items() const { return items_; }

 private:
  std::vector<int64_t> last_counter_;
  int64_t previous_sequence_ = -1;
  ItemHeader previous_{};
  uint64_t items_ = 0;
};

struct ReaderStats {
  uint64_t items = 0;
  // Sequences passed over because head had moved past them.
  uint64_t skipped = 0;
};

// How a reader waits when it has caught up with tail.
enum class Pace { kFast, kWaiting, kSlow };

// Returns true when the reader should stop: the writers are done and it has
// read up to the final tail, or the run failed or ran out of time.
bool finished(Run& run, int64_t next, bool& timed_out) {
  if (run.stop.load(std::memory_order_relaxed)) {
    return true;
  }
  if (Clock::now() > run.give_up_at) {
    timed_out = true;
    return true;
  }
  return run.writers_done.load(std::memory_order_acquire) &&
         next > run.final_tail;
}

void pause_reader(Run& run, Pace pace, uint64_t seen_count) {
  switch (pace) {
    case Pace::kFast:
      std::this_thread::yield();
      break;
    case Pace::kWaiting:
      run.ring.wait_for_publish(seen_count, 5);
      break;
    case Pace::kSlow:
      std::this_thread::sleep_for(std::chrono::microseconds(300));
      break;
  }
}

bool follow_with_read_one(Run& run, Pace pace, ReaderStats& stats) {
  ItemChecker checker(run.scenario.writers);
  std::vector<uint8_t> item;
  std::vector<uint8_t> last_of_batch;
  int64_t next = 0;
  bool timed_out = false;
  while (!finished(run, next, timed_out)) {
    const uint64_t seen_count = run.ring.publish_count();
    const ReadStatus status = run.ring.read_one(next, run.now(), item);
    if (status == ReadStatus::kNotYet) {
      pause_reader(run, pace, seen_count);
      continue;
    }
    if (status == ReadStatus::kStale) {
      const int64_t head = run.ring.state(run.now()).head_sequence;
      STRESS_CHECK(head > next, describe(next, "kStale below head"));
      stats.skipped += static_cast<uint64_t>(head - next);
      next = head;
      continue;
    }

    if (!checker.check(run, next, item.data(), item.size())) {
      return false;
    }
    const ItemHeader& header = checker.previous();
    const int64_t batch_last =
        next + (header.batch_size - 1 - header.batch_index);
    STRESS_CHECK(run.ring.read_one(batch_last, run.now(), last_of_batch) !=
                     ReadStatus::kNotYet,
                 describe(next, "partial batch visible"));
    ++next;
    if (pace == Pace::kSlow && next % 4 == 0) {
      pause_reader(run, pace, seen_count);
    }
  }
  stats.items = checker.items();
  STRESS_CHECK(!timed_out, "read_one reader did not finish in time");
  return true;
}

bool follow_with_read_many(Run& run, Pace pace, uint32_t max_count,
                           size_t max_bytes, ReaderStats& stats) {
  using namespace ringcast;
  ItemChecker checker(run.scenario.writers);
  std::vector<uint8_t> frame;
  int64_t next = 0;
  bool timed_out = false;
  while (!finished(run, next, timed_out)) {
    const uint64_t seen_count = run.ring.publish_count();
    frame.clear();
    const ReadManyResult result =
        run.ring.read_many(next, max_count, max_bytes, run.now(), frame);

    STRESS_CHECK(result.start_sequence >= next,
                 describe(next, "read_many start moved back"));
    if (result.start_sequence > next) {
      const int64_t head = run.ring.state(run.now()).head_sequence;
      STRESS_CHECK(head >= result.start_sequence,
                   describe(next, "read_many skipped items above head"));
      stats.skipped += static_cast<uint64_t>(result.start_sequence - next);
    }
    STRESS_CHECK(static_cast<int64_t>(
                     load_le64(frame.data() + kFrameStartSequenceOffset)) ==
                     result.start_sequence,
                 describe(next, "frame start"));
    STRESS_CHECK(load_le32(frame.data() + kFrameCountOffset) == result.count,
                 describe(next, "frame count"));
    STRESS_CHECK(result.count <= max_count, describe(next, "max_count"));

    size_t offset = kFrameHeaderBytes;
    uint64_t payload_bytes = 0;
    for (uint32_t i = 0; i < result.count; ++i) {
      STRESS_CHECK(offset + kRecordHeaderBytes <= frame.size(),
                   describe(next, "frame truncated"));
      const uint8_t* record = frame.data() + offset;
      const auto sequence =
          static_cast<int64_t>(load_le64(record + kRecordSequenceOffset));
      const uint32_t length = load_le32(record + kRecordLengthOffset);
      STRESS_CHECK(sequence == result.start_sequence + i,
                   describe(sequence, "frame records not consecutive"));
      STRESS_CHECK(offset + record_bytes(length) <= frame.size(),
                   describe(sequence, "record truncated"));
      STRESS_CHECK(i == 0 || payload_bytes < max_bytes,
                   describe(sequence, "max_bytes exceeded"));
      if (!checker.check(run, sequence, record + kRecordHeaderBytes, length)) {
        return false;
      }
      payload_bytes += length;
      offset += record_bytes(length);
    }
    STRESS_CHECK(offset == frame.size(), describe(next, "frame size"));

    next = result.start_sequence + result.count;
    if (result.count == 0 || pace == Pace::kSlow) {
      pause_reader(run, pace, seen_count);
    }
  }
  stats.items = checker.items();
  STRESS_CHECK(!timed_out, "read_many reader did not finish in time");
  return true;
}

// Copies the whole ring with read_many() from sequence 0, over and over
// until the writers are done, and checks every item. Its reads are long and
// back to back, so writers often replace a region while one is in progress.
bool copy_whole_ring(Run& run, ReaderStats& stats) {
  using namespace ringcast;
  std::vector<uint8_t> frame;
  while (!run.writers_done.load(std::memory_order_acquire) &&
         !run.stop.load(std::memory_order_relaxed)) {
    STRESS_CHECK(Clock::now() <= run.give_up_at,
                 "whole-ring reader did not finish in time");
    frame.clear();
    const ReadManyResult result = run.ring.read_many(
        0, run.scenario.capacity, std::numeric_limits<size_t>::max(),
        run.now(), frame);
    ItemChecker checker(run.scenario.writers);
    size_t offset = kFrameHeaderBytes;
    for (uint32_t i = 0; i < result.count; ++i) {
      STRESS_CHECK(offset + kRecordHeaderBytes <= frame.size(),
                   describe(result.start_sequence, "frame truncated"));
      const uint8_t* record = frame.data() + offset;
      const auto sequence =
          static_cast<int64_t>(load_le64(record + kRecordSequenceOffset));
      const uint32_t length = load_le32(record + kRecordLengthOffset);
      STRESS_CHECK(sequence == result.start_sequence + i,
                   describe(sequence, "frame records not consecutive"));
      STRESS_CHECK(offset + record_bytes(length) <= frame.size(),
                   describe(sequence, "record truncated"));
      if (!checker.check(run, sequence, record + kRecordHeaderBytes, length)) {
        return false;
      }
      offset += record_bytes(length);
    }
    stats.items += checker.items();
  }
  return true;
}

struct WriterStats {
  uint64_t appended = 0;
  uint64_t rejected = 0;
  // Appends after which a replaced region was still retired, because a
  // reader was inside a read when the writer checked.
  uint64_t retired_after_append = 0;
};

bool write(Run& run, uint32_t writer, uint64_t items_per_writer,
           Clock::time_point stop_at, WriterStats& stats) {
  uint64_t random_state = 0x1234567 + writer;
  uint64_t counter = 0;
  int64_t last_sequence = -1;
  std::vector<std::vector<uint8_t>> items;
  std::vector<ItemView> views;
  while (counter < items_per_writer &&
         !run.stop.load(std::memory_order_relaxed)) {
    if ((counter & 63) == 0 && Clock::now() >= stop_at) {
      break;
    }

    // Mostly single items, some small batches, and now and then a batch
    // larger than the capacity, which overwrites the whole ring at once.
    const uint64_t dice = next_random(random_state) % 100;
    uint32_t batch = 1;
    if (dice >= 99) {
      batch = run.scenario.capacity + 1 +
              static_cast<uint32_t>(next_random(random_state) % 20);
    } else if (dice >= 70) {
      batch = 2 + static_cast<uint32_t>(next_random(random_state) % 7);
    }

    items.clear();
    views.clear();
    for (uint32_t i = 0; i < batch; ++i) {
      const uint64_t size_dice = next_random(random_state) % 100;
      const uint32_t payload_length = static_cast<uint32_t>(
          size_dice < 80   ? next_random(random_state) % 64
          : size_dice < 98 ? next_random(random_state) % 1000
                           : next_random(random_state) % 20000);
      items.push_back(make_item(writer, counter + i, i, batch, payload_length));
    }
    for (const std::vector<uint8_t>& item : items) {
      views.push_back({item.data(), static_cast<uint32_t>(item.size())});
    }

    const OverflowPolicy policy =
        next_random(random_state) % 100 < run.scenario.fail_percent
            ? OverflowPolicy::kFail
            : OverflowPolicy::kOverwrite;
    const int64_t now_ms = run.clock_ms.fetch_add(1, std::memory_order_acq_rel);
    const int64_t sequence =
        run.ring.append(views.data(), views.size(), policy, now_ms);
    if (sequence < 0) {
      STRESS_CHECK(policy == OverflowPolicy::kFail,
                   "kOverwrite append returned -1");
      ++stats.rejected;
      std::this_thread::yield();
    } else {
      STRESS_CHECK(sequence > last_sequence, "append sequence not increasing");
      last_sequence = sequence;
      stats.appended += batch;
      if (run.ring.retired_region_count() > 0) {
        ++stats.retired_after_append;
      }
    }
    // A rejected batch's counters are skipped: counters only need to grow.
    counter += batch;
  }
  return true;
}

// Reads the whole final ring once and checks it as one more reader would.
bool check_final_ring(Run& run) {
  using namespace ringcast;
  std::vector<uint8_t> frame;
  const ReadManyResult result =
      run.ring.read_many(0, run.scenario.capacity,
                         std::numeric_limits<size_t>::max(), run.now(), frame);
  const auto state = run.ring.state(run.now());
  STRESS_CHECK(result.start_sequence == state.head_sequence,
               "final frame start");
  STRESS_CHECK(
      int64_t{result.count} == state.tail_sequence - state.head_sequence + 1,
      "final frame count");
  STRESS_CHECK(state.tail_sequence - state.head_sequence + 1 <=
                   int64_t{run.scenario.capacity},
               "size above capacity");
  ItemChecker checker(run.scenario.writers);
  size_t offset = kFrameHeaderBytes;
  for (uint32_t i = 0; i < result.count; ++i) {
    const uint8_t* record = frame.data() + offset;
    const uint32_t length = load_le32(record + kRecordLengthOffset);
    if (!checker.check(run, result.start_sequence + i,
                       record + kRecordHeaderBytes, length)) {
      return false;
    }
    offset += record_bytes(length);
  }
  return true;
}

// Counts of the region reclamation in one or more runs.
struct RegionCounts {
  uint64_t freed = 0;
  uint64_t retired_after_append = 0;
};

bool run_scenario(const Scenario& scenario, uint64_t items_per_writer,
                  double seconds, RegionCounts& regions, bool print = true) {
  Run run(scenario);
  const Clock::time_point start = Clock::now();
  const auto budget = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(seconds));
  const Clock::time_point stop_writers_at = start + budget;
  // Readers only drain the last items after the writers stop. Far more time
  // than that needs means a reader is stuck.
  run.give_up_at = stop_writers_at + std::chrono::seconds(30);

  struct Reader {
    const char* kind;
    ReaderStats stats;
    std::thread thread;
  };
  std::vector<Reader> readers(7);
  readers[0].kind = "read_one fast";
  readers[0].thread = std::thread(
      [&] { follow_with_read_one(run, Pace::kFast, readers[0].stats); });
  readers[1].kind = "read_one waiting";
  readers[1].thread = std::thread(
      [&] { follow_with_read_one(run, Pace::kWaiting, readers[1].stats); });
  readers[2].kind = "read_one slow";
  readers[2].thread = std::thread(
      [&] { follow_with_read_one(run, Pace::kSlow, readers[2].stats); });
  readers[3].kind = "read_many fast";
  readers[3].thread = std::thread([&] {
    follow_with_read_many(run, Pace::kFast, 64, 16 * 1024, readers[3].stats);
  });
  readers[4].kind = "read_many waiting";
  readers[4].thread = std::thread([&] {
    follow_with_read_many(run, Pace::kWaiting, 1000, 4096, readers[4].stats);
  });
  readers[5].kind = "read_many slow";
  readers[5].thread = std::thread([&] {
    follow_with_read_many(run, Pace::kSlow, 3, 1 << 20, readers[5].stats);
  });
  readers[6].kind = "read_many whole";
  readers[6].thread =
      std::thread([&] { copy_whole_ring(run, readers[6].stats); });

  std::vector<WriterStats> writer_stats(scenario.writers);
  std::vector<std::thread> writers;
  for (uint32_t w = 0; w < scenario.writers; ++w) {
    writers.emplace_back([&, w] {
      write(run, w, items_per_writer, stop_writers_at, writer_stats[w]);
    });
  }
  for (std::thread& writer : writers) {
    writer.join();
  }
  run.final_tail = run.ring.state(run.now()).tail_sequence;
  run.writers_done.store(true, std::memory_order_release);
  // Readers in wait_for_publish() return within their 5 ms timeout anyway;
  // this only shortens the drain.
  run.ring.wake_all();
  for (Reader& reader : readers) {
    reader.thread.join();
  }
  check_final_ring(run);

  // Every reader has returned, so the next one to leave finds no other
  // reader and frees whatever a race left retired.
  run.ring.state(run.now());
  const size_t retired_left = run.ring.retired_region_count();
  regions.freed += run.ring.freed_region_count();

  uint64_t appended = 0;
  uint64_t rejected = 0;
  for (const WriterStats& stats : writer_stats) {
    appended += stats.appended;
    rejected += stats.rejected;
    regions.retired_after_append += stats.retired_after_append;
  }
  const double elapsed =
      std::chrono::duration<double>(Clock::now() - start).count();
  if (print) {
    std::printf("%s: %.2f s, %" PRIu64 " items appended, %" PRIu64
                " batches rejected, tail %" PRId64 ", %" PRIu64
                " bytes allocated, %" PRIu64 " regions freed\n",
                scenario.name, elapsed, appended, rejected, run.final_tail,
                run.ring.allocated_bytes(), run.ring.freed_region_count());
    for (const Reader& reader : readers) {
      std::printf("  %-18s %8" PRIu64 " items read, %8" PRIu64 " skipped\n",
                  reader.kind, reader.stats.items, reader.stats.skipped);
    }
  }

  bool ok = run.failures.count() == 0;
  if (appended == 0) {
    std::fprintf(stderr, "%s: no item was appended\n", scenario.name);
    ok = false;
  }
  if (retired_left != 0) {
    std::fprintf(stderr, "%s: %zu regions still retired after the readers\n",
                 scenario.name, retired_left);
    ok = false;
  }
  return ok;
}

// Runs rounds of a ring growing under readers (third part) until `seconds`
// have passed, at least kMinRounds and at most kMaxRounds of them.
bool run_growth_rounds(const Scenario& scenario, double seconds) {
  constexpr uint32_t kMinRounds = 5;
  constexpr uint32_t kMaxRounds = 40;
  // A round fills the ring about three times over, past its largest region.
  const uint64_t items_per_writer =
      3 * uint64_t{scenario.capacity} / scenario.writers;
  const Clock::time_point stop_at =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(seconds));
  RegionCounts regions;
  bool ok = true;
  uint32_t rounds = 0;
  while (ok && rounds < kMaxRounds &&
         (rounds < kMinRounds || Clock::now() < stop_at)) {
    // Each round gets the whole budget as its time limit; the item count
    // normally ends it much sooner.
    ok = run_scenario(scenario, items_per_writer, seconds, regions, false);
    ++rounds;
  }
  std::printf("%s: %" PRIu32 " rounds, %" PRIu64 " regions freed, %" PRIu64
              " appends left a region retired for a reader\n",
              scenario.name, rounds, regions.freed,
              regions.retired_after_append);
  if (regions.freed == 0) {
    std::fprintf(stderr, "%s: no region was freed\n", scenario.name);
    ok = false;
  }
  if (regions.retired_after_append == 0) {
    std::fprintf(stderr, "%s: no region was retired during a read\n",
                 scenario.name);
    ok = false;
  }
  return ok;
}

// Scenario of the batch atomicity part.
struct FullRingScenario {
  uint32_t capacity;
  uint32_t batch;
};

// Item whose payload is its own sequence, repeated 1 to 4 times so that the
// arena wraps at varying positions.
std::vector<uint8_t> make_sequence_item(int64_t sequence) {
  const size_t words = 1 + static_cast<size_t>(sequence % 4);
  std::vector<uint8_t> item(words * sizeof(sequence));
  for (size_t i = 0; i < words; ++i) {
    std::memcpy(item.data() + i * sizeof(sequence), &sequence,
                sizeof(sequence));
  }
  return item;
}

bool is_sequence_item(int64_t sequence, const uint8_t* bytes, size_t length) {
  return std::vector<uint8_t>(bytes, bytes + length) ==
         make_sequence_item(sequence);
}

// State shared by the threads of one batch atomicity scenario.
struct FullRun {
  explicit FullRun(const FullRingScenario& scenario)
      : scenario(scenario), ring(scenario.capacity, 0) {}

  // True when `tail` ends a batch: the first batch fills the ring, and
  // every later one adds scenario.batch items.
  bool ends_batch(int64_t tail) const {
    const int64_t first_tail = int64_t{scenario.capacity} - 1;
    return tail >= first_tail &&
           (tail - first_tail) % int64_t{scenario.batch} == 0;
  }

  // True once every reader has made kMinChecks checks.
  bool readers_checked() const {
    for (const std::atomic<uint64_t>& count : checks) {
      if (count.load(std::memory_order_relaxed) < kMinChecks) {
        return false;
      }
    }
    return true;
  }

  static constexpr uint64_t kMinChecks = 1000;

  const FullRingScenario& scenario;
  RingBuffer ring;
  std::atomic<bool> stop{false};
  std::atomic<bool> writer_done{false};
  // Checks made by the state() reader, the read_many(0) reader and the
  // read_many(head) reader.
  std::atomic<uint64_t> checks[3] = {};
  Failures failures;
  Clock::time_point give_up_at;
};

// Appends numbered items in batches until the time is up, or until it has
// appended max_items and every reader has made enough checks.
bool append_full_ring_batches(FullRun& run, uint64_t max_items,
                              Clock::time_point stop_at, uint64_t& appended) {
  std::vector<std::vector<uint8_t>> items;
  std::vector<ItemView> views;
  int64_t next = 0;
  // The first batch fills the ring, so it is full from the first publish.
  uint32_t batch = run.scenario.capacity;
  while ((static_cast<uint64_t>(next) < max_items || !run.readers_checked()) &&
         !run.stop.load(std::memory_order_relaxed)) {
    if ((next & 63) == 0 && Clock::now() >= stop_at) {
      break;
    }
    items.clear();
    views.clear();
    for (uint32_t i = 0; i < batch; ++i) {
      items.push_back(make_sequence_item(next + i));
    }
    for (const std::vector<uint8_t>& item : items) {
      views.push_back({item.data(), static_cast<uint32_t>(item.size())});
    }
    const int64_t last = run.ring.append(views.data(), views.size(),
                                         OverflowPolicy::kOverwrite, 0);
    if (last != next + batch - 1) {
      run.failures.add(__FILE__, __LINE__, "append sequence",
                       "expected " + std::to_string(next + batch - 1) +
                           ", got " + std::to_string(last));
      run.stop.store(true, std::memory_order_relaxed);
      return false;
    }
    next += batch;
    batch = run.scenario.batch;
  }
  appended = static_cast<uint64_t>(next);
  return true;
}

#define FULL_CHECK(condition, detail)                             \
  do {                                                            \
    if (!(condition)) {                                           \
      run.failures.add(__FILE__, __LINE__, #condition, (detail)); \
      run.stop.store(true, std::memory_order_relaxed);            \
      return false;                                               \
    }                                                             \
  } while (0)

std::string describe_state(const ringcast::RingState& state) {
  return "head " + std::to_string(state.head_sequence) + ", tail " +
         std::to_string(state.tail_sequence);
}

// Checks state() until the writer is done. Counts the checks in `checks`.
bool poll_full_state(FullRun& run, std::atomic<uint64_t>& checks) {
  const int64_t capacity = run.scenario.capacity;
  while (!run.writer_done.load(std::memory_order_acquire) &&
         !run.stop.load(std::memory_order_relaxed)) {
    FULL_CHECK(Clock::now() <= run.give_up_at, "state reader timed out");
    const ringcast::RingState state = run.ring.state(0);
    if (state.tail_sequence < 0) {
      FULL_CHECK(state.head_sequence == 0, describe_state(state));
      continue;
    }
    FULL_CHECK(state.tail_sequence - state.head_sequence + 1 == capacity,
               "size below capacity: " + describe_state(state));
    FULL_CHECK(run.ends_batch(state.tail_sequence),
               "tail inside a batch: " + describe_state(state));
    checks.fetch_add(1, std::memory_order_relaxed);
  }
  return true;
}

// Reads the whole ring with read_many() until the writer is done. With
// from_head, the start is the head that state() returned just before, which
// the writer may have moved past meanwhile. Otherwise it is 0.
bool poll_full_read_many(FullRun& run, bool from_head,
                         std::atomic<uint64_t>& checks) {
  using namespace ringcast;
  const uint32_t capacity = run.scenario.capacity;
  std::vector<uint8_t> frame;
  while (!run.writer_done.load(std::memory_order_acquire) &&
         !run.stop.load(std::memory_order_relaxed)) {
    FULL_CHECK(Clock::now() <= run.give_up_at, "read_many reader timed out");
    const int64_t start = from_head ? run.ring.state(0).head_sequence : 0;
    frame.clear();
    const ReadManyResult result =
        run.ring.read_many(start, capacity, SIZE_MAX, 0, frame);
    if (result.count == 0) {
      FULL_CHECK(result.start_sequence == 0, "empty frame after the first");
      continue;
    }
    const std::string where = "start " + std::to_string(start) +
                              ", frame start " +
                              std::to_string(result.start_sequence) +
                              ", count " + std::to_string(result.count);
    FULL_CHECK(result.count == capacity, "frame below capacity: " + where);
    FULL_CHECK(result.start_sequence >= start, "start moved back: " + where);
    FULL_CHECK(run.ends_batch(result.start_sequence + capacity - 1),
               "frame ends inside a batch: " + where);

    size_t offset = kFrameHeaderBytes;
    for (uint32_t i = 0; i < result.count; ++i) {
      const uint8_t* record = frame.data() + offset;
      const auto sequence =
          static_cast<int64_t>(load_le64(record + kRecordSequenceOffset));
      const uint32_t length = load_le32(record + kRecordLengthOffset);
      FULL_CHECK(sequence == result.start_sequence + i,
                 "records not consecutive: " + where);
      FULL_CHECK(
          is_sequence_item(sequence, record + kRecordHeaderBytes, length),
          describe(sequence, "wrong or torn item"));
      offset += record_bytes(length);
    }
    FULL_CHECK(offset == frame.size(), "frame size: " + where);
    checks.fetch_add(1, std::memory_order_relaxed);
  }
  return true;
}

bool run_full_ring_scenario(const FullRingScenario& scenario,
                            uint64_t max_items, double seconds) {
  FullRun run(scenario);
  const Clock::time_point start = Clock::now();
  const Clock::time_point stop_writer_at =
      start + std::chrono::duration_cast<Clock::duration>(
                  std::chrono::duration<double>(seconds));
  run.give_up_at = stop_writer_at + std::chrono::seconds(30);

  std::thread state_reader([&] { poll_full_state(run, run.checks[0]); });
  std::thread reader([&] { poll_full_read_many(run, false, run.checks[1]); });
  std::thread head_reader(
      [&] { poll_full_read_many(run, true, run.checks[2]); });
  uint64_t appended = 0;
  append_full_ring_batches(run, max_items, stop_writer_at, appended);
  run.writer_done.store(true, std::memory_order_release);
  state_reader.join();
  reader.join();
  head_reader.join();
  const uint64_t state_checks = run.checks[0].load(std::memory_order_relaxed);
  const uint64_t read_checks = run.checks[1].load(std::memory_order_relaxed);
  const uint64_t head_read_checks =
      run.checks[2].load(std::memory_order_relaxed);

  const double elapsed =
      std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("full ring, capacity %" PRIu32 ", batches of %" PRIu32
              ": %.2f s, %" PRIu64 " items appended, %" PRIu64
              " state checks, %" PRIu64 " read_many(0) checks, %" PRIu64
              " read_many(head) checks\n",
              scenario.capacity, scenario.batch, elapsed, appended,
              state_checks, read_checks, head_read_checks);
  bool ok = run.failures.count() == 0;
  if (appended <= scenario.capacity) {
    std::fprintf(stderr, "full ring: no batch after the first\n");
    ok = false;
  }
  if (state_checks == 0 || read_checks == 0 || head_read_checks == 0) {
    std::fprintf(stderr, "full ring: a reader checked nothing\n");
    ok = false;
  }
  return ok;
}

uint64_t setting(int argc, char** argv, int index, const char* variable,
                 uint64_t fallback) {
  if (argc > index) {
    return std::strtoull(argv[index], nullptr, 10);
  }
  const char* value = std::getenv(variable);
  return value != nullptr ? std::strtoull(value, nullptr, 10) : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t items_per_writer =
      setting(argc, argv, 1, "RINGCAST_STRESS_ITEMS", 300000);
  const uint64_t seconds = setting(argc, argv, 2, "RINGCAST_STRESS_SECONDS", 1);

  const Scenario scenarios[] = {
      {"overwrite, capacity 97", 97, 0, 3, 0},
      {"fail and ttl, capacity 500", 500, 1, 2, 50},
      {"capacity 1", 1, 0, 2, 0},
  };
  bool ok = true;
  for (const Scenario& scenario : scenarios) {
    RegionCounts regions;
    ok = run_scenario(scenario, items_per_writer,
                      static_cast<double>(seconds), regions) &&
         ok;
  }

  // ttl_seconds 60 lasts 60000 appends of the fake clock, longer than a
  // round, so the rings grow to full capacity and copy their added_ms table.
  const Scenario growth_scenarios[] = {
      {"growth, capacity 2048", 2048, 0, 2, 0},
      {"growth with ttl, capacity 2048", 2048, 60, 2, 0},
  };
  for (const Scenario& scenario : growth_scenarios) {
    ok = run_growth_rounds(scenario, static_cast<double>(seconds)) && ok;
  }

  const FullRingScenario full_ring_scenarios[] = {{8, 4}, {97, 5}, {3, 7}};
  for (const FullRingScenario& scenario : full_ring_scenarios) {
    ok = run_full_ring_scenario(scenario, items_per_writer,
                                static_cast<double>(seconds)) &&
         ok;
  }
  std::printf("%s\n", ok ? "stress test passed" : "stress test FAILED");
  return ok ? 0 : 1;
}
