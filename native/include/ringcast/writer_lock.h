// The lock that serializes writers of one ring.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

#if defined(_MSC_VER)
#include <intrin.h>
#endif

namespace ringcast {

// Spin lock on one 32-bit word, with no owner and no other state, so it
// keeps working when the word is placed in memory shared between processes,
// where std::mutex cannot go. A writer keeps it for one append (a copy of
// the batch), so a short spin usually wins. After kSpinLimit checks a waiter
// yields its time slice instead of burning it, which matters when writers
// outnumber cores. Meets the Lockable requirements, for std::lock_guard.
class WriterLock {
 public:
  static constexpr uint32_t kSpinLimit = 64;

  WriterLock() noexcept = default;
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

  bool try_lock() noexcept {
    // Pairs with the release store in unlock(): the previous holder's writes
    // are visible to the new holder.
    return word_.exchange(1, std::memory_order_acquire) == 0;
  }

  void lock() noexcept {
    uint32_t checks = 0;
    while (!try_lock()) {
      // Wait with plain loads so the waiters do not keep stealing the cache
      // line from the holder with failed exchanges.
      while (word_.load(std::memory_order_relaxed) != 0) {
        if (++checks < kSpinLimit) {
          pause();
        } else {
          std::this_thread::yield();
        }
      }
    }
  }

  void unlock() noexcept {
    word_.store(0, std::memory_order_release);  // pairs with try_lock()
  }

 private:
  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#elif defined(_M_X64) || defined(_M_IX86)
    _mm_pause();
#endif
  }

  std::atomic<uint32_t> word_{0};
};

static_assert(sizeof(WriterLock) == 4);
static_assert(std::atomic<uint32_t>::is_always_lock_free);

}  // namespace ringcast
