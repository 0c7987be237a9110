// The counter that a ring's writers increment after each publish, and the
// blocking wait on it.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>

#include "ringcast/layout.h"

// std::atomic::wait has no timeout, so the wait is built on the primitive
// under it: a futex on Linux, a condition variable elsewhere. Defining
// RINGCAST_WAIT_WITH_CONDITION_VARIABLE selects the portable path on Linux
// too, so its tests run there.
#if defined(__linux__) && !defined(RINGCAST_WAIT_WITH_CONDITION_VARIABLE)
#define RINGCAST_WAIT_WITH_FUTEX 1
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#else
#include <condition_variable>
#include <mutex>
#endif

namespace ringcast {

// Monotonic counter with a blocking wait for its next change.
//
// The wake-up in increment() is skipped while no thread waits. That is safe
// because of a store-load handshake with seq_cst operations: a waiter
// increments waiters_ before its final check of the counter, and increment()
// changes the counter before it loads waiters_. So either increment() finds
// the waiter and wakes it, or the waiter's check loads the new value and
// does not sleep.
class alignas(kCacheLineSize) PublishCounter {
 public:
  // Timeouts are shortened to this (about 69 years), so that adding one to a
  // clock reading cannot overflow.
  static constexpr int64_t kMaxTimeoutMs = int64_t{1} << 41;

  PublishCounter() noexcept = default;
  PublishCounter(const PublishCounter&) = delete;
  PublishCounter& operator=(const PublishCounter&) = delete;

  // Acquire load: pairs with the release increment, so a caller that loads
  // a new count also observes what the writer stored before incrementing.
  uint64_t load() const noexcept {
    return count_.load(std::memory_order_acquire);
  }

  // Increments the counter and wakes every thread blocked in
  // wait_for_change().
  void increment() noexcept;

  // Blocks until the counter differs from `seen` or `timeout_ms` elapses
  // (-1 waits without a limit, 0 only checks). Returns the counter, which
  // equals `seen` only on timeout.
  uint64_t wait_for_change(uint64_t seen, int64_t timeout_ms) const;

 private:
  using Clock = std::chrono::steady_clock;

  static Clock::time_point deadline_after(int64_t timeout_ms) noexcept {
    const int64_t bounded = std::min(timeout_ms, kMaxTimeoutMs);
    return Clock::now() + std::chrono::milliseconds(bounded);
  }

  std::atomic<uint64_t> count_{0};
  // Threads inside wait_for_change(); increment() wakes only when non-zero.
  mutable std::atomic<uint32_t> waiters_{0};

#if RINGCAST_WAIT_WITH_FUTEX
  // Futex word. A futex compares 32 bits, so it cannot be count_ itself. It
  // changes with every increment, after count_ does.
  std::atomic<uint32_t> epoch_{0};
#else
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
#endif
};

#if RINGCAST_WAIT_WITH_FUTEX

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));

inline void PublishCounter::increment() noexcept {
  // Pairs with the acquire loads in load() and wait_for_change().
  count_.fetch_add(1, std::memory_order_release);
  // seq_cst: the store half of the handshake with waiters_ (class comment).
  epoch_.fetch_add(1, std::memory_order_seq_cst);
  if (waiters_.load(std::memory_order_seq_cst) != 0) {
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&epoch_), FUTEX_WAKE_PRIVATE,
            INT32_MAX, nullptr, nullptr, 0);
  }
}

inline uint64_t PublishCounter::wait_for_change(uint64_t seen,
                                                int64_t timeout_ms) const {
  const Clock::time_point deadline =
      timeout_ms < 0 ? Clock::time_point::max() : deadline_after(timeout_ms);
  for (;;) {
    // Load the epoch before the count: increment() changes them in the
    // opposite order, so if this count is still `seen`, any later increment
    // also changes the epoch and the futex call below returns at once.
    const uint32_t epoch = epoch_.load(std::memory_order_acquire);
    const uint64_t count = count_.load(std::memory_order_acquire);
    if (count != seen) {
      return count;
    }

    timespec remaining{};
    const timespec* timeout = nullptr;
    if (timeout_ms >= 0) {
      const Clock::time_point now = Clock::now();
      if (now >= deadline) {
        return count;
      }
      const int64_t nanoseconds =
          std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now)
              .count();
      remaining.tv_sec = static_cast<time_t>(nanoseconds / 1'000'000'000);
      remaining.tv_nsec = static_cast<long>(nanoseconds % 1'000'000'000);
      timeout = &remaining;
    }

    // seq_cst: the load half of the handshake (class comment). The kernel
    // re-reads the epoch after a full barrier and sleeps only if it is still
    // `epoch`. A wake-up, a signal (EINTR) or a timeout all lead back to the
    // check at the top of the loop.
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    syscall(SYS_futex,
            reinterpret_cast<uint32_t*>(
                const_cast<std::atomic<uint32_t>*>(&epoch_)),
            FUTEX_WAIT_PRIVATE, epoch, timeout, nullptr, 0);
    waiters_.fetch_sub(1, std::memory_order_relaxed);
  }
}

#else  // condition variable

inline void PublishCounter::increment() noexcept {
  // seq_cst: the store half of the handshake with waiters_ (class comment).
  // It is also the release for the acquire loads in load().
  count_.fetch_add(1, std::memory_order_seq_cst);
  if (waiters_.load(std::memory_order_seq_cst) != 0) {
    // A waiter keeps the mutex locked from its check of the counter until
    // wait() releases it while asleep. Taking the mutex here waits for any
    // waiter between the two, so the notification cannot be lost.
    { std::lock_guard<std::mutex> lock(mutex_); }
    changed_.notify_all();
  }
}

inline uint64_t PublishCounter::wait_for_change(uint64_t seen,
                                                int64_t timeout_ms) const {
  const Clock::time_point deadline =
      timeout_ms < 0 ? Clock::time_point::max() : deadline_after(timeout_ms);
  std::unique_lock<std::mutex> lock(mutex_);
  // seq_cst: the load half of the handshake (class comment).
  waiters_.fetch_add(1, std::memory_order_seq_cst);
  uint64_t count = count_.load(std::memory_order_seq_cst);
  while (count == seen) {
    if (timeout_ms < 0) {
      changed_.wait(lock);
    } else if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      count = count_.load(std::memory_order_acquire);
      break;
    }
    count = count_.load(std::memory_order_acquire);
  }
  waiters_.fetch_sub(1, std::memory_order_relaxed);
  return count;
}

#endif

}  // namespace ringcast
