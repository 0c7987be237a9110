// libFuzzer target for read_many() frames (ringcast/frame.h, layout.h).
//
// The first input byte selects one of two checks:
//   - even: the rest is a frame. ValidateFrame() must either reject it with a
//     reason or accept a frame whose records the walk visits within bounds,
//     with the count and payload bytes the summary reports. Each payload is
//     also given to ValidateValue(), as a decoder would be.
//   - odd: the rest drives a RingBuffer through appends and read_many()
//     calls. Every frame it returns must pass ValidateFrame() and hold
//     exactly the items a simple model of the ring expects.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "ringcast/codec.h"
#include "ringcast/frame.h"
#include "ringcast/ring_buffer.h"

namespace {

[[noreturn]] void Fail(const char* what, size_t detail) {
  std::fprintf(stderr, "frame_fuzzer: %s (%zu)\n", what, detail);
  std::abort();
}

void CheckFrameBytes(const uint8_t* data, size_t size) {
  // A copy of exactly `size` bytes, so AddressSanitizer reports a read past
  // the end even where libFuzzer's buffer would have room.
  std::unique_ptr<uint8_t[]> frame(new uint8_t[size]);
  if (size > 0) std::memcpy(frame.get(), data, size);

  ringcast::FrameSummary summary;
  ringcast::FrameError error;
  if (!ringcast::ValidateFrame(frame.get(), size, &summary, &error)) {
    if (error.offset > size || error.reason[0] == '\0') {
      Fail("a rejection without an offset in range and a reason", error.offset);
    }
    return;
  }
  uint32_t count = 0;
  uint64_t payload_bytes = 0;
  ringcast::ForEachFrameRecord(
      frame.get(),
      [&](int64_t sequence, const uint8_t* payload, uint32_t length) {
        if (sequence != summary.start_sequence + count) {
          Fail("a record's sequence differs from the summary", count);
        }
        ringcast::codec::ValidateValue(payload, length);
        ++count;
        payload_bytes += length;
      });
  if (count != summary.count || payload_bytes != summary.payload_bytes) {
    Fail("the walk disagrees with the summary", count);
  }
}

// Reads the fuzzer's bytes as operations; every read past the end yields 0.
class OperationReader {
 public:
  OperationReader(const uint8_t* data, size_t size)
      : data_(data), size_(size) {}

  bool done() const { return offset_ >= size_; }

  uint8_t Byte() { return offset_ < size_ ? data_[offset_++] : 0; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t offset_ = 0;
};

void CheckRingFrames(const uint8_t* data, size_t size) {
  OperationReader input(data, size);
  const uint32_t capacity = 1 + input.Byte() % 16;
  ringcast::RingBuffer ring(capacity, 0);
  // Every item ever appended, by sequence: the model of the ring.
  std::vector<std::vector<uint8_t>> appended;

  // Each operation takes at least one byte, so the loop ends with the input.
  while (!input.done()) {
    const uint8_t operation = input.Byte();
    if (operation % 2 == 0) {
      const size_t count = 1 + operation / 2 % 8;
      std::vector<std::vector<uint8_t>> items(count);
      std::vector<ringcast::ItemView> views;
      for (std::vector<uint8_t>& item : items) {
        item.assign(input.Byte() % 64, input.Byte());
        views.push_back(ringcast::ItemView{item.data(),
                                           static_cast<uint32_t>(item.size())});
      }
      const bool fail_on_overflow = operation >= 128;
      const int64_t tail =
          ring.append(views.data(), views.size(),
                      fail_on_overflow ? ringcast::OverflowPolicy::kFail
                                       : ringcast::OverflowPolicy::kOverwrite,
                      0);
      if (tail < 0) {
        if (count <= capacity) Fail("FAIL rejected a batch that fits", count);
        continue;
      }
      for (std::vector<uint8_t>& item : items) appended.push_back(item);
      if (tail != static_cast<int64_t>(appended.size()) - 1) {
        Fail("append returned another tail than the model's", appended.size());
      }
      continue;
    }

    const auto tail = static_cast<int64_t>(appended.size()) - 1;
    const int64_t head = std::max<int64_t>(0, tail - capacity + 1);
    const int64_t start = input.Byte() % (tail + 3);
    const uint32_t max_count = 1 + input.Byte() % 20;
    const size_t max_bytes = input.Byte() * 4u;
    std::vector<uint8_t> frame;
    const ringcast::ReadManyResult result =
        ring.read_many(start, max_count, max_bytes, 0, frame);

    ringcast::FrameSummary summary;
    ringcast::FrameError error;
    if (!ringcast::ValidateFrame(frame.data(), frame.size(), &summary,
                                 &error)) {
      Fail(error.reason, error.offset);
    }
    if (summary.start_sequence != result.start_sequence ||
        summary.count != result.count) {
      Fail("the frame header differs from read_many's result", result.count);
    }
    if (result.start_sequence != std::clamp(start, head, tail + 1)) {
      Fail("read_many clamped the start wrongly", static_cast<size_t>(start));
    }
    const int64_t available = tail + 1 - result.start_sequence;
    if (result.count > max_count || result.count > available ||
        (available > 0 && result.count == 0)) {
      Fail("read_many returned a wrong number of items", result.count);
    }
    ringcast::ForEachFrameRecord(
        frame.data(),
        [&](int64_t sequence, const uint8_t* payload, uint32_t length) {
          const std::vector<uint8_t>& expected =
              appended[static_cast<size_t>(sequence)];
          if (length != expected.size() ||
              !std::equal(expected.begin(), expected.end(), payload)) {
            Fail("a record differs from the appended item",
                 static_cast<size_t>(sequence));
          }
        });
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] % 2 == 0) {
    CheckFrameBytes(data + 1, size - 1);
  } else {
    CheckRingFrames(data + 1, size - 1);
  }
  return 0;
}
