// wait_for_publish() and wake_all(). This file is built twice: once with the
// platform's wait (a futex on Linux) and once with
// RINGCAST_WAIT_WITH_CONDITION_VARIABLE, the portable path.
#include "test_harness.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "ringcast/ring_buffer.h"

namespace {

using ringcast::ItemView;
using ringcast::OverflowPolicy;
using ringcast::RingBuffer;
using Clock = std::chrono::steady_clock;

int64_t elapsed_ms(Clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() -
                                                               since)
      .count();
}

void add_one(RingBuffer& ring) {
  const uint8_t byte = 7;
  const ItemView item{&byte, 1};
  ring.append(&item, 1, OverflowPolicy::kOverwrite, 0);
}

TEST_CASE(wait_returns_at_once_when_count_differs) {
  RingBuffer ring(4, 0);
  add_one(ring);
  const Clock::time_point start = Clock::now();
  CHECK_EQ(ring.wait_for_publish(0, -1), 1u);
  CHECK(elapsed_ms(start) < 1000);
}

TEST_CASE(wait_with_zero_timeout_only_checks) {
  RingBuffer ring(4, 0);
  const Clock::time_point start = Clock::now();
  CHECK_EQ(ring.wait_for_publish(0, 0), 0u);
  CHECK(elapsed_ms(start) < 1000);
}

TEST_CASE(wait_times_out) {
  RingBuffer ring(4, 0);
  const Clock::time_point start = Clock::now();
  CHECK_EQ(ring.wait_for_publish(0, 50), 0u);
  CHECK(elapsed_ms(start) >= 50);
}

TEST_CASE(append_wakes_waiters) {
  RingBuffer ring(4, 0);
  constexpr int kWaiters = 4;
  std::atomic<int> started{0};
  std::vector<uint64_t> seen_by(kWaiters, 0);
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&, i] {
      started.fetch_add(1, std::memory_order_relaxed);
      seen_by[i] = ring.wait_for_publish(0, -1);
    });
  }
  while (started.load(std::memory_order_relaxed) < kWaiters) {
    std::this_thread::yield();
  }
  // Give the waiters time to fall asleep, so the wake-up path is the one
  // tested (a waiter that has not slept yet returns anyway).
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  add_one(ring);
  for (std::thread& waiter : waiters) {
    waiter.join();
  }
  for (const uint64_t seen : seen_by) {
    CHECK_EQ(seen, 1u);
  }
}

TEST_CASE(wake_all_wakes_waiter_without_limit) {
  RingBuffer ring(4, 0);
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    ring.wait_for_publish(ring.publish_count(), -1);
    returned.store(true, std::memory_order_release);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(!returned.load(std::memory_order_acquire));
  ring.wake_all();
  waiter.join();
  CHECK(returned.load(std::memory_order_acquire));
}

TEST_CASE(wake_all_before_wait_is_not_lost) {
  // The shutdown pattern: read the count, check a flag that shutdown sets
  // before wake_all(), then wait. A wake_all() that lands between the read
  // and the wait must not be lost.
  RingBuffer ring(4, 0);
  const uint64_t seen = ring.publish_count();
  ring.wake_all();
  const Clock::time_point start = Clock::now();
  CHECK(ring.wait_for_publish(seen, -1) != seen);
  CHECK(elapsed_ms(start) < 1000);
}

TEST_CASE(waits_follow_many_appends) {
  RingBuffer ring(8, 0);
  constexpr uint64_t kAppends = 2000;
  std::thread writer([&] {
    for (uint64_t i = 0; i < kAppends; ++i) {
      add_one(ring);
      if (i % 64 == 0) {
        std::this_thread::yield();
      }
    }
  });
  // Every wait returns a newer count, and the last one counts every append.
  uint64_t seen = 0;
  while (seen < kAppends) {
    const uint64_t count = ring.wait_for_publish(seen, 5000);
    CHECK(count > seen);
    seen = count;
  }
  writer.join();
  CHECK_EQ(seen, kAppends);
}

}  // namespace

int main(int argc, char** argv) { return ringcast_test::run_tests(argc, argv); }
