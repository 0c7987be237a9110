// Atomic access to plain words inside a region.
//
// Region fields are plain integers, because a region is raw memory that may
// later be a file mapping. Every access that can race goes through these
// helpers. Each one is then an atomic operation with a stated memory order,
// and the code stays free of data races as the C++ memory model and
// ThreadSanitizer define them.
#pragma once

#include <atomic>
#include <cstdint>
#include <type_traits>

namespace ringcast {

template <typename T>
inline constexpr bool kIsAtomicWord =
    std::is_integral_v<T> &&
    sizeof(T) == 8 && std::atomic_ref<T>::is_always_lock_free;

static_assert(kIsAtomicWord<uint64_t>,
              "ringcast needs lock-free 8-byte atomics");
static_assert(std::atomic_ref<uint64_t>::required_alignment == 8);

// Loads `word` atomically. The word must not be a const object: loading
// through std::atomic_ref needs a non-const reference, and region memory is
// always writable.
template <typename T>
inline T load_word(const T& word, std::memory_order order) noexcept {
  static_assert(kIsAtomicWord<T>);
  return std::atomic_ref<T>(const_cast<T&>(word)).load(order);
}

template <typename T>
inline void store_word(T& word, T value, std::memory_order order) noexcept {
  static_assert(kIsAtomicWord<T>);
  std::atomic_ref<T>(word).store(value, order);
}

}  // namespace ringcast
