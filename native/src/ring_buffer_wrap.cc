// Threading and ordering contracts are documented in ring_buffer_wrap.h.
#include "ring_buffer_wrap.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <limits>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <utility>

#include "addon_data.h"
#include "codec_napi.h"
#include "ringcast/codec.h"

namespace ringcast {

namespace {

// Values of `format` in ringOpen (0 = BINARY, 1 = OBJECT).
enum class RingFormat : int32_t { kBinary = 0, kObject = 1 };

// Arguments of a subscription callback (WakeReason in src/binding.ts).
enum class WakeReason : int32_t { kPublished = 0, kDestroyed = 1 };

// Values ringReadOne writes to its status array (ReadStatus in binding.ts).
enum class JsReadStatus : int32_t { kOk = 0, kStale = 1, kNotYet = 2 };

constexpr const char* kInvalidArgument = "RINGCAST_INVALID_ARGUMENT";
constexpr const char* kOutOfMemory = "RINGCAST_OUT_OF_MEMORY";

// The codec rejects longer encodings, so every item fits an ItemView.
static_assert(codec::kMaxEncodedLength <= std::numeric_limits<uint32_t>::max());

// A scratch buffer larger than this is freed after use instead of kept, so
// one large batch does not pin its memory for the life of the thread.
constexpr size_t kScratchRetainBytes = size_t{1} << 20;

// Marks the Externals that ringOpen returns (a random 128-bit value).
constexpr napi_type_tag kRingHandleTag = {0x9b3c6f0e4d2a4f71ULL,
                                          0xa58e21d7c40b93e6ULL};

struct RingConfig {
  int64_t capacity = 0;
  int64_t ttl_seconds = 0;
  RingFormat format = RingFormat::kBinary;
  // Node.js threadId of the creating thread for OBJECT rings, else -1.
  int64_t owner_thread_id = -1;
  // Stored only so that a later open with other values is a conflict; the
  // embedded engine keeps one copy of each ring.
  int32_t backup_count = 1;
  int32_t async_backup_count = 0;
};

}  // namespace

struct RingEntry {
  RingEntry(std::string entry_name, const RingConfig& entry_config)
      : name(std::move(entry_name)), config(entry_config) {}

  const std::string name;
  const RingConfig config;
  // Null for OBJECT rings, whose items live in JavaScript.
  std::shared_ptr<RingBuffer> ring;

  // Guards `subscribers` and the change of `destroyed` to true.
  std::mutex mutex;
  std::vector<std::shared_ptr<Subscription>> subscribers;
  // Size of `subscribers`, loaded without the mutex by writers.
  std::atomic<uint32_t> subscriber_count{0};
  std::atomic<bool> destroyed{false};
  // Threads inside ringWaitForPublish on this ring, for ringBlockedCount.
  std::atomic<uint32_t> blocked_threads{0};
};

namespace {

void CallWakeCallback(Napi::Env env, Napi::Function callback,
                      std::shared_ptr<Subscription>* context,
                      WakeReason* reason);

// The context (owned by the function, deleted by its finalizer) keeps the
// subscription alive until the last queued call has been delivered.
using WakeFunction =
    Napi::TypedThreadSafeFunction<std::shared_ptr<Subscription>, WakeReason,
                                  CallWakeCallback>;

}  // namespace

struct Subscription {
  uint32_t id = 0;
  // Environment whose event loop receives the calls.
  RingEnvData* env_data = nullptr;
  std::shared_ptr<RingEntry> entry;
  WakeFunction wake;
  // True from the add that queued a PUBLISHED call until that call starts.
  std::atomic<bool> pending{false};
  // False after ringUnsubscribe, so calls still queued then are dropped.
  // Only touched on the environment's thread.
  bool active = true;
};

namespace {

// Call data of the thread-safe functions. Pointers to these are queued, so a
// wake-up allocates nothing. Never written, but not const, because the call
// takes a non-const pointer.
WakeReason kPublishedReason = WakeReason::kPublished;
WakeReason kDestroyedReason = WakeReason::kDestroyed;

struct RingHandle {
  std::shared_ptr<RingEntry> entry;
};

// Process-wide map of live rings. It is allocated once and never deleted, so
// its lifetime does not depend on the order of static destruction at exit.
struct Registry {
  std::mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<RingEntry>> entries;
};

Registry& GetRegistry() {
  static Registry* registry = new Registry();
  return *registry;
}

// Wall-clock milliseconds, because stored times may outlive this process.
int64_t NowMs() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  using std::chrono::system_clock;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
}

std::string Quoted(const std::string& name) { return "\"" + name + "\""; }

Napi::Error WithCode(Napi::Error error, const char* code) {
  error.Set("code", Napi::String::New(error.Env(), code));
  return error;
}

Napi::Error CodedTypeError(Napi::Env env, const std::string& message,
                           const char* code) {
  return WithCode(Napi::TypeError::New(env, message), code);
}

Napi::Error CodedRangeError(Napi::Env env, const std::string& message,
                            const char* code) {
  return WithCode(Napi::RangeError::New(env, message), code);
}

// Runs `operation`, turning std::bad_alloc (a ring that cannot grow, a frame
// or item too large to copy) into an Error with code RINGCAST_OUT_OF_MEMORY.
// The core leaves the ring unchanged when it throws.
template <typename Operation>
auto RunOrThrowOutOfMemory(Napi::Env env, const std::string& ring_name,
                           const char* action, Operation&& operation) {
  try {
    return operation();
  } catch (const std::bad_alloc&) {
    throw WithCode(
        Napi::Error::New(env, "ringbuffer name=" + Quoted(ring_name) + ": " +
                                  action + " failed because memory ran out"),
        kOutOfMemory);
  }
}

RingEnvData& EnvDataOf(const Napi::CallbackInfo& info) {
  return *static_cast<RingEnvData*>(info.Data());
}

// Returns the entry behind the handle in info[0]. Any other value, including
// an External created elsewhere, is a TypeError.
const std::shared_ptr<RingEntry>& HandleEntryOf(
    const Napi::CallbackInfo& info) {
  Napi::Value value = info[0];
  if (value.IsExternal()) {
    auto external = value.As<Napi::External<RingHandle>>();
    if (external.CheckTypeTag(&kRingHandleTag)) {
      return external.Data()->entry;
    }
  }
  throw CodedTypeError(info.Env(),
                       "handle is not a ring handle: pass the handle that "
                       "ringOpen returned",
                       kInvalidArgument);
}

// Returns the native ring of a BINARY entry. An OBJECT entry has none, so
// it is a TypeError.
RingBuffer& BinaryRingOf(Napi::Env env, const RingEntry& entry) {
  if (!entry.ring) {
    throw CodedTypeError(env,
                         "ringbuffer name=" + Quoted(entry.name) +
                             " has inMemoryFormat=OBJECT: its items are "
                             "kept in JavaScript, not in the native ring",
                         kInvalidArgument);
  }
  return *entry.ring;
}

// Returns the elements of the typed array info[index] when it has the given
// type and at least `min_length` elements. Anything else is a TypeError.
template <typename T>
T* TypedArrayData(const Napi::CallbackInfo& info, size_t index,
                  napi_typedarray_type type, size_t min_length,
                  const char* description) {
  Napi::Value value = info[index];
  if (value.IsTypedArray()) {
    auto array = value.As<Napi::TypedArray>();
    if (array.TypedArrayType() == type && array.ElementLength() >= min_length) {
      return value.As<Napi::TypedArrayOf<T>>().Data();
    }
  }
  throw CodedTypeError(info.Env(),
                       std::string("expected ") + description +
                           " with at least " + std::to_string(min_length) +
                           " elements",
                       kInvalidArgument);
}

// Frees a buffer whose capacity grew beyond kScratchRetainBytes.
template <typename T>
void TrimScratch(std::vector<T>& buffer) {
  buffer.clear();
  if (buffer.capacity() * sizeof(T) > kScratchRetainBytes) {
    std::vector<T>().swap(buffer);
  }
}

// Lends out the environment's scratch buffers for one call. A nested call
// (user code run by the codec calling back into the addon) gets fresh ones.
class ScratchLease {
 public:
  explicit ScratchLease(RingEnvData& data) : data_(data) {
    if (data.scratch_in_use) {
      nested_ = std::make_unique<RingScratch>();
      scratch_ = nested_.get();
    } else {
      data.scratch_in_use = true;
      scratch_ = &data.scratch;
    }
  }

  ~ScratchLease() {
    if (nested_) return;
    TrimScratch(scratch_->bytes);
    TrimScratch(scratch_->item_ends);
    TrimScratch(scratch_->item_views);
    data_.scratch_in_use = false;
  }

  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;

  RingScratch& get() { return *scratch_; }

 private:
  RingEnvData& data_;
  RingScratch* scratch_ = nullptr;
  std::unique_ptr<RingScratch> nested_;
};

// Queues a PUBLISHED call for every subscriber that has none queued. Runs on
// the adding thread, which may be any thread.
void WakeSubscribers(RingEntry& entry) {
  // StoreLoad fence: orders the append's publish before the count load.
  // Pairs with the fence at the end of RingSubscribe.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (entry.subscriber_count.load(std::memory_order_relaxed) == 0) return;

  std::lock_guard<std::mutex> lock(entry.mutex);
  for (const std::shared_ptr<Subscription>& subscription : entry.subscribers) {
    // Release pairs with the acquire in CallWakeCallback, so the callback
    // observes this writer's items. A true means a call is already queued.
    if (subscription->pending.exchange(true, std::memory_order_acq_rel)) {
      continue;
    }
    napi_status status = subscription->wake.NonBlockingCall(&kPublishedReason);
    // The queue is unbounded, and a function leaves this list before it is
    // released or closed (see the teardown note in the header).
    assert(status == napi_ok);
    (void)status;
  }
}

// Removes `entry` from the registry if the name still maps to it, marks it
// destroyed and wakes its subscribers and native waiters. A second call is a
// no-op, so each subscriber gets DESTROYED once.
void DestroyEntry(RingEntry& entry) {
  Registry& registry = GetRegistry();
  {
    std::lock_guard<std::mutex> lock(registry.mutex);
    auto it = registry.entries.find(entry.name);
    if (it != registry.entries.end() && it->second.get() == &entry) {
      registry.entries.erase(it);
    }
  }

  std::vector<std::shared_ptr<Subscription>> subscribers;
  {
    std::lock_guard<std::mutex> lock(entry.mutex);
    if (entry.destroyed.load(std::memory_order_relaxed)) return;
    // Release pairs with the acquire in ReadRingState, also for the waiters
    // that wake_all() below wakes.
    entry.destroyed.store(true, std::memory_order_release);
    subscribers.swap(entry.subscribers);
    entry.subscriber_count.store(0, std::memory_order_relaxed);
    for (const std::shared_ptr<Subscription>& subscription : subscribers) {
      napi_status status =
          subscription->wake.NonBlockingCall(&kDestroyedReason);
      assert(status == napi_ok);
      (void)status;
    }
  }
  if (entry.ring) entry.ring->wake_all();
}

void RemoveSubscriber(RingEntry& entry, const Subscription* subscription) {
  std::lock_guard<std::mutex> lock(entry.mutex);
  auto& list = entry.subscribers;
  auto it = std::find_if(list.begin(), list.end(),
                         [subscription](const auto& candidate) {
                           return candidate.get() == subscription;
                         });
  if (it == list.end()) return;  // Already removed by DestroyEntry.
  list.erase(it);
  entry.subscriber_count.fetch_sub(1, std::memory_order_relaxed);
}

// Ends a subscription that was already erased from its environment's map.
// After RemoveSubscriber no other thread can reach the function, so
// releasing it here is the last use outside its own event loop.
void EndSubscription(Subscription& subscription) {
  subscription.active = false;
  RemoveSubscriber(*subscription.entry, &subscription);
  napi_status status = subscription.wake.Release();
  assert(status == napi_ok);
  (void)status;
}

// Environment cleanup hook of one subscription (see the teardown note in the
// header for why it runs before the thread-safe function is closed).
void CleanupSubscription(void* arg) {
  auto* subscription = static_cast<Subscription*>(arg);
  RingEnvData& data = *subscription->env_data;
  auto it = data.subscriptions.find(subscription->id);
  assert(it != data.subscriptions.end());
  assert(it->second.get() == subscription);
  std::shared_ptr<Subscription> owned = std::move(it->second);
  data.subscriptions.erase(it);
  EndSubscription(*owned);
}

// Environment cleanup hook registered at load time. It runs after the hooks
// of all subscriptions, which were registered later.
void CleanupEnvironment(void* arg) {
  auto& data = *static_cast<RingEnvData*>(arg);
  assert(data.subscriptions.empty());
  for (const std::weak_ptr<RingEntry>& weak : data.object_rings) {
    if (std::shared_ptr<RingEntry> entry = weak.lock()) DestroyEntry(*entry);
  }
  data.object_rings.clear();
}

void CallWakeCallback(Napi::Env env, Napi::Function callback,
                      std::shared_ptr<Subscription>* context,
                      WakeReason* reason) {
  // A null env means the function is being deleted with calls still queued.
  if (static_cast<napi_env>(env) == nullptr) return;

  Subscription& subscription = **context;
  if (*reason == WakeReason::kPublished) {
    // Cleared before JavaScript runs: an add from now on queues a new call.
    // Acquire pairs with the writers' release in WakeSubscribers.
    subscription.pending.exchange(false, std::memory_order_acq_rel);
  }
  if (!subscription.active) return;

  // The C API, not Napi::Function::Call: a worker being terminated still
  // delivers queued calls, and there the call fails without an exception.
  // node-addon-api would throw a C++ exception for that failure, and with
  // no JavaScript left to receive it, the process would abort.
  napi_value argument = nullptr;
  napi_value receiver = nullptr;
  if (napi_create_int32(env, static_cast<int32_t>(*reason), &argument) !=
          napi_ok ||
      napi_get_undefined(env, &receiver) != napi_ok) {
    return;
  }
  if (napi_call_function(env, receiver, callback, 1, &argument, nullptr) ==
      napi_ok) {
    return;
  }
  // The callback threw. Report it as an uncaught exception: with Node-API 8
  // Node 20 would otherwise print a deprecation warning and drop it.
  bool pending = false;
  napi_value error = nullptr;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
      napi_get_and_clear_last_exception(env, &error) == napi_ok) {
    napi_fatal_exception(env, error);
  }
}

void FinalizeWakeFunction(Napi::Env, void*,
                          std::shared_ptr<Subscription>* context) {
  delete context;
}

std::shared_ptr<RingEntry> CreateEntry(Napi::Env env, const std::string& name,
                                       const RingConfig& config) {
  auto entry = std::make_shared<RingEntry>(name, config);
  if (config.format == RingFormat::kObject) return entry;

  // Validated in TypeScript (capacity 1 .. 2^31-1, timeToLiveSeconds
  // 0 .. 2^31-1), so the casts keep the values.
  assert(config.capacity >= 1);
  assert(config.capacity <= RingBuffer::kMaxCapacity);
  assert(config.ttl_seconds >= 0);
  assert(config.ttl_seconds <= std::numeric_limits<uint32_t>::max());
  entry->ring = RunOrThrowOutOfMemory(env, name, "creating the ring", [&] {
    return std::make_shared<RingBuffer>(
        static_cast<uint32_t>(config.capacity),
        static_cast<uint32_t>(config.ttl_seconds));
  });
  return entry;
}

Napi::Object OpenResult(Napi::Env env, const std::shared_ptr<RingEntry>& entry,
                        bool created) {
  auto handle = std::make_unique<RingHandle>(RingHandle{entry});
  auto external = Napi::External<RingHandle>::New(
      env, handle.get(), [](Napi::Env, RingHandle* data) { delete data; });
  handle.release();  // Owned by the External's finalizer from here on.
  external.TypeTag(&kRingHandleTag);

  const RingConfig& config = entry->config;
  Napi::Object result = Napi::Object::New(env);
  result.Set("handle", external);
  result.Set("created", Napi::Boolean::New(env, created));
  result.Set("capacity",
             Napi::Number::New(env, static_cast<double>(config.capacity)));
  result.Set("timeToLiveSeconds",
             Napi::Number::New(env, static_cast<double>(config.ttl_seconds)));
  result.Set("format",
             Napi::Number::New(env, static_cast<int32_t>(config.format)));
  result.Set(
      "ownerThreadId",
      Napi::Number::New(env, static_cast<double>(config.owner_thread_id)));
  result.Set("backupCount", Napi::Number::New(env, config.backup_count));
  result.Set("asyncBackupCount",
             Napi::Number::New(env, config.async_backup_count));
  return result;
}

// ringOpen(name, capacity, timeToLiveSeconds, format, threadId, backupCount,
//          asyncBackupCount)
Napi::Value RingOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RingEnvData& data = EnvDataOf(info);
  std::string name = info[0].As<Napi::String>().Utf8Value();

  RingConfig requested;
  requested.capacity = info[1].As<Napi::Number>().Int64Value();
  requested.ttl_seconds = info[2].As<Napi::Number>().Int64Value();
  int32_t format = info[3].As<Napi::Number>().Int32Value();
  assert(format == static_cast<int32_t>(RingFormat::kBinary) ||
         format == static_cast<int32_t>(RingFormat::kObject));
  requested.format = static_cast<RingFormat>(format);
  if (requested.format == RingFormat::kObject) {
    requested.owner_thread_id = info[4].As<Napi::Number>().Int64Value();
  }
  if (info[5].IsNumber()) {
    requested.backup_count = info[5].As<Napi::Number>().Int32Value();
  }
  if (info[6].IsNumber()) {
    requested.async_backup_count = info[6].As<Napi::Number>().Int32Value();
  }

  std::shared_ptr<RingEntry> entry;
  bool created = false;
  {
    Registry& registry = GetRegistry();
    std::lock_guard<std::mutex> lock(registry.mutex);
    auto it = registry.entries.find(name);
    if (it != registry.entries.end()) {
      entry = it->second;
    } else {
      // Created under the lock so concurrent opens of a name share one ring.
      entry = CreateEntry(env, name, requested);
      registry.entries.emplace(name, entry);
      created = true;
    }
  }

  if (created && requested.format == RingFormat::kObject) {
    auto& rings = data.object_rings;
    rings.erase(std::remove_if(rings.begin(), rings.end(),
                               [](const auto& weak) { return weak.expired(); }),
                rings.end());
    rings.push_back(entry);
  }
  return OpenResult(env, entry, created);
}

// ringDestroy(handle)
Napi::Value RingDestroy(const Napi::CallbackInfo& info) {
  std::shared_ptr<RingEntry> entry = HandleEntryOf(info);
  DestroyEntry(*entry);
  return info.Env().Undefined();
}

// ringState(handle, out): out = [headSequence, tailSequence, destroyed].
// An OBJECT ring reports the counters of an empty ring.
Napi::Value ReadRingState(const Napi::CallbackInfo& info) {
  const RingEntry& entry = *HandleEntryOf(info);
  double* out = TypedArrayData<double>(info, 1, napi_float64_array, 3,
                                       "out to be a Float64Array");
  int64_t head = 0;
  int64_t tail = -1;
  if (entry.ring) {
    RingState state = entry.ring->state(NowMs());
    head = state.head_sequence;
    tail = state.tail_sequence;
  }
  out[0] = static_cast<double>(head);
  out[1] = static_cast<double>(tail);
  out[2] = entry.destroyed.load(std::memory_order_acquire) ? 1 : 0;
  return info.Env().Undefined();
}

OverflowPolicy PolicyOf(const Napi::Value& fail_on_overflow) {
  return fail_on_overflow.As<Napi::Boolean>().Value()
             ? OverflowPolicy::kFail
             : OverflowPolicy::kOverwrite;
}

// Result of the add functions for a destroyed ring, which they leave as it
// is. Checking here spares JavaScript a ringState call before every add.
constexpr int64_t kDestroyedSequence = -2;

// Appends the items and wakes the subscribers when something was stored.
// Returns kDestroyedSequence, storing nothing, once the ring is destroyed.
int64_t AppendItems(Napi::Env env, RingEntry& entry, RingBuffer& ring,
                    const ItemView* items, size_t count,
                    OverflowPolicy policy) {
  if (entry.destroyed.load(std::memory_order_acquire)) {
    return kDestroyedSequence;
  }
  int64_t sequence = RunOrThrowOutOfMemory(
      env, entry.name, "adding items",
      [&] { return ring.append(items, count, policy, NowMs()); });
  if (sequence >= 0) WakeSubscribers(entry);
  return sequence;
}

Napi::Value SequenceValue(Napi::Env env, int64_t sequence) {
  return Napi::Number::New(env, static_cast<double>(sequence));
}

// ringAdd(handle, item, failOnOverflow) -> sequence, -1 (FAIL found no
// room) or -2 (destroyed).
Napi::Value RingAdd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RingEnvData& data = EnvDataOf(info);
  RingEntry& entry = *HandleEntryOf(info);
  RingBuffer& ring = BinaryRingOf(env, entry);
  OverflowPolicy policy = PolicyOf(info[2]);

  ScratchLease lease(data);
  std::vector<uint8_t>& bytes = lease.get().bytes;
  EncodeValue(env, *data.codec, info[1], "item", bytes);

  ItemView view{bytes.data(), static_cast<uint32_t>(bytes.size())};
  return SequenceValue(env, AppendItems(env, entry, ring, &view, 1, policy));
}

// Writes "items[<index>]" into `buffer` and returns it.
std::string_view ItemPath(char (&buffer)[32], uint32_t index) {
  constexpr std::string_view kPrefix = "items[";
  char* end = std::copy(kPrefix.begin(), kPrefix.end(), buffer);
  end = std::to_chars(end, buffer + sizeof(buffer) - 1, index).ptr;
  *end++ = ']';
  return std::string_view(buffer, static_cast<size_t>(end - buffer));
}

// ringAddAll(handle, items, failOnOverflow) -> last sequence, -1 or -2, as
// ringAdd.
Napi::Value RingAddAll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RingEnvData& data = EnvDataOf(info);
  RingEntry& entry = *HandleEntryOf(info);
  RingBuffer& ring = BinaryRingOf(env, entry);
  if (!info[1].IsArray()) {
    throw CodedTypeError(env, "items must be an array", kInvalidArgument);
  }
  auto items = info[1].As<Napi::Array>();
  uint32_t count = items.Length();
  if (count == 0) {
    throw CodedRangeError(env, "items.length=0: addAll needs at least one item",
                          kInvalidArgument);
  }
  OverflowPolicy policy = PolicyOf(info[2]);

  // Encode every item before appending, so a bad item stores nothing.
  ScratchLease lease(data);
  RingScratch& scratch = lease.get();
  char path_buffer[32];
  for (uint32_t i = 0; i < count; ++i) {
    // The codec creates a few handles per property: release them per item.
    Napi::HandleScope scope(env);
    EncodeValue(env, *data.codec, items.Get(i), ItemPath(path_buffer, i),
                scratch.bytes);
    scratch.item_ends.push_back(scratch.bytes.size());
  }

  // Views are built after encoding because `bytes` may move while it grows.
  size_t start = 0;
  for (size_t end : scratch.item_ends) {
    scratch.item_views.push_back(ItemView{scratch.bytes.data() + start,
                                          static_cast<uint32_t>(end - start)});
    start = end;
  }
  return SequenceValue(
      env,
      AppendItems(env, entry, ring, scratch.item_views.data(), count, policy));
}

// Returns the bytes of the Uint8Array info[index]. Anything else is a
// TypeError that names the argument.
std::pair<const uint8_t*, size_t> BytesArgument(const Napi::CallbackInfo& info,
                                                size_t index,
                                                const char* name) {
  Napi::Value value = info[index];
  if (value.IsTypedArray() &&
      value.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    auto array = value.As<Napi::Uint8Array>();
    return {array.Data(), array.ByteLength()};
  }
  throw CodedTypeError(info.Env(),
                       std::string(name) + " must be a Buffer or Uint8Array",
                       kInvalidArgument);
}

// Reads info[index] as an integer from 0 to `max` or throws a RangeError
// that names the argument and its value.
uint64_t IndexArgument(const Napi::CallbackInfo& info, size_t index,
                       const char* name, uint64_t max) {
  Napi::Value value = info[index];
  double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue()
                                   : std::numeric_limits<double>::quiet_NaN();
  if (!(number >= 0 && number <= static_cast<double>(max)) ||
      number != static_cast<double>(static_cast<uint64_t>(number))) {
    char text[32] = "a value that is not a number";
    if (value.IsNumber()) std::snprintf(text, sizeof text, "%.17g", number);
    throw CodedRangeError(info.Env(),
                          std::string(name) + "=" + text +
                              " is not valid. Use an integer from 0 to " +
                              std::to_string(max),
                          kInvalidArgument);
  }
  return static_cast<uint64_t>(number);
}

// ringAddEncoded(handle, bytes, offset, length, failOnOverflow) -> sequence,
// -1 or -2, as ringAdd. Stores bytes[offset, offset + length), the encoding
// of one item made in JavaScript, after checking that it is valid.
Napi::Value RingAddEncoded(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RingEntry& entry = *HandleEntryOf(info);
  RingBuffer& ring = BinaryRingOf(env, entry);
  auto [data, byte_length] = BytesArgument(info, 1, "bytes");
  uint64_t offset = IndexArgument(info, 2, "offset", byte_length);
  uint64_t length = IndexArgument(info, 3, "length", byte_length - offset);
  OverflowPolicy policy = PolicyOf(info[4]);

  // NOTE: bytes over a SharedArrayBuffer may change between this check and the
  // copy into the ring. The library passes its encoder's private buffer only.
  CheckEncoding(env, data + offset, length, "item");
  ItemView view{data + offset, static_cast<uint32_t>(length)};
  return SequenceValue(env, AppendItems(env, entry, ring, &view, 1, policy));
}

// ringAddAllEncoded(handle, bytes, ends, count, failOnOverflow) -> last
// sequence, -1 or -2. Item i is bytes[ends[i - 1], ends[i]) (item 0 starts at
// 0). Every item is checked before any is stored, as in ringAddAll.
Napi::Value RingAddAllEncoded(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RingEnvData& data = EnvDataOf(info);
  RingEntry& entry = *HandleEntryOf(info);
  RingBuffer& ring = BinaryRingOf(env, entry);
  auto [bytes, byte_length] = BytesArgument(info, 1, "bytes");
  if (!info[2].IsTypedArray() ||
      info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    throw CodedTypeError(env, "ends must be a Uint32Array", kInvalidArgument);
  }
  auto ends = info[2].As<Napi::Uint32Array>();
  uint64_t count = IndexArgument(info, 3, "count", ends.ElementLength());
  if (count == 0) {
    throw CodedRangeError(env, "count=0: addAll needs at least one item",
                          kInvalidArgument);
  }
  OverflowPolicy policy = PolicyOf(info[4]);

  ScratchLease lease(data);
  std::vector<ItemView>& views = lease.get().item_views;
  char path_buffer[32];
  size_t start = 0;
  for (uint32_t i = 0; i < count; ++i) {
    size_t end = ends[i];
    if (end < start || end > byte_length) {
      throw CodedRangeError(
          env,
          "ends[" + std::to_string(i) + "]=" + std::to_string(end) +
              " is not valid. Use offsets that do not decrease and stay "
              "within byteLength=" +
              std::to_string(byte_length),
          kInvalidArgument);
    }
    CheckEncoding(env, bytes + start, end - start, ItemPath(path_buffer, i));
    views.push_back(
        ItemView{bytes + start, static_cast<uint32_t>(end - start)});
    start = end;
  }
  return SequenceValue(
      env, AppendItems(env, entry, ring, views.data(), views.size(), policy));
}

// ringReadOne(handle, sequence, status) -> decoded item or undefined
Napi::Value RingReadOne(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RingEnvData& data = EnvDataOf(info);
  const RingEntry& entry = *HandleEntryOf(info);
  RingBuffer& ring = BinaryRingOf(env, entry);
  int64_t sequence = info[1].As<Napi::Number>().Int64Value();
  int32_t* status = TypedArrayData<int32_t>(info, 2, napi_int32_array, 1,
                                            "status to be an Int32Array");

  ScratchLease lease(data);
  std::vector<uint8_t>& bytes = lease.get().bytes;
  ReadStatus read_status = RunOrThrowOutOfMemory(
      env, entry.name, "reading an item",
      [&] { return ring.read_one(sequence, NowMs(), bytes); });
  switch (read_status) {
    case ReadStatus::kOk:
      status[0] = static_cast<int32_t>(JsReadStatus::kOk);
      return DecodeValue(env, bytes.data(), bytes.size());
    case ReadStatus::kStale:
      status[0] = static_cast<int32_t>(JsReadStatus::kStale);
      return env.Undefined();
    case ReadStatus::kNotYet:
      status[0] = static_cast<int32_t>(JsReadStatus::kNotYet);
      return env.Undefined();
  }
  assert(false && "ReadStatus has only the three values handled above");
  return env.Undefined();
}

// ringReadMany(handle, start, maxCount, maxBytes) -> frame
Napi::Value RingReadMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RingEnvData& data = EnvDataOf(info);
  const RingEntry& entry = *HandleEntryOf(info);
  RingBuffer& ring = BinaryRingOf(env, entry);
  int64_t start = info[1].As<Napi::Number>().Int64Value();
  uint32_t max_count = info[2].As<Napi::Number>().Uint32Value();
  int64_t max_bytes = info[3].As<Napi::Number>().Int64Value();
  assert(max_bytes >= 0 && "maxBytes is validated in TypeScript");

  ScratchLease lease(data);
  std::vector<uint8_t>& bytes = lease.get().bytes;
  RunOrThrowOutOfMemory(env, entry.name, "reading items", [&] {
    return ring.read_many(start, max_count, static_cast<size_t>(max_bytes),
                          NowMs(), bytes);
  });
  // Copied out of the reused scratch vector. Moving a fresh vector into an
  // external Buffer instead measured 2x (128 B) to 8x (64 KiB) slower in a
  // micro-benchmark (Node 20.20, 2-core AMD EPYC): the external path pays a
  // fresh allocation and a finalizer per frame.
  return Napi::Buffer<uint8_t>::Copy(env, bytes.data(), bytes.size());
}

// ringPublishCount(handle) -> the ring's publish counter (RingBuffer::
// publish_count()). Exact while below 2^53, which at one add per nanosecond
// takes over 100 days.
Napi::Value RingPublishCount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const RingEntry& entry = *HandleEntryOf(info);
  const RingBuffer& ring = BinaryRingOf(env, entry);
  return Napi::Number::New(env, static_cast<double>(ring.publish_count()));
}

// ringWaitForPublish(handle, seen, timeoutMs) -> publish counter
//
// Blocks the calling thread, and so its event loop, until the publish
// counter differs from `seen` or timeoutMs (0 .. 2^31-1) elapses. Nothing
// of this environment runs meanwhile; other threads are not affected. An
// add that stores items or a destroy, from any thread, ends the wait.
//
// NOTE: worker.terminate() cannot interrupt the futex wait. Callers pass
// short timeouts and loop in JavaScript, where V8 handles the termination
// request between two calls.
Napi::Value RingWaitForPublish(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RingEntry& entry = *HandleEntryOf(info);
  const RingBuffer& ring = BinaryRingOf(env, entry);
  const double seen = info[1].As<Napi::Number>().DoubleValue();
  const int64_t timeout_ms = info[2].As<Napi::Number>().Int64Value();
  if (!(seen >= 0 && seen <= 9007199254740992.0) || timeout_ms < 0 ||
      timeout_ms > std::numeric_limits<int32_t>::max()) {
    throw CodedRangeError(env,
                          "seen must be a value from ringPublishCount and "
                          "timeoutMs an integer from 0 to 2147483647",
                          kInvalidArgument);
  }

  entry.blocked_threads.fetch_add(1, std::memory_order_relaxed);
  const uint64_t count =
      ring.wait_for_publish(static_cast<uint64_t>(seen), timeout_ms);
  entry.blocked_threads.fetch_sub(1, std::memory_order_relaxed);
  return Napi::Number::New(env, static_cast<double>(count));
}

// ringBlockedCount(handle) -> threads blocked in ringWaitForPublish now.
// A snapshot for tests and diagnostics.
Napi::Value RingBlockedCount(const Napi::CallbackInfo& info) {
  const RingEntry& entry = *HandleEntryOf(info);
  return Napi::Number::New(
      info.Env(), entry.blocked_threads.load(std::memory_order_relaxed));
}

// ringSubscribe(handle, callback) -> subscription id
Napi::Value RingSubscribe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RingEnvData& data = EnvDataOf(info);
  const std::shared_ptr<RingEntry>& entry = HandleEntryOf(info);
  if (!info[1].IsFunction()) {
    throw CodedTypeError(env, "callback must be a function", kInvalidArgument);
  }

  // Skips ids still in use after the counter wraps around. The loop runs at
  // most once per live subscription.
  while (data.next_subscription_id == 0 ||
         data.subscriptions.count(data.next_subscription_id) != 0) {
    ++data.next_subscription_id;
  }
  auto subscription = std::make_shared<Subscription>();
  subscription->id = data.next_subscription_id++;
  subscription->env_data = &data;
  subscription->entry = entry;

  auto context = std::make_unique<std::shared_ptr<Subscription>>(subscription);
  // Unbounded queue (0), so NonBlockingCall never fails with a full queue.
  // The function refs the loop until ringUnsubscribe releases it.
  subscription->wake = WakeFunction::New(
      env, info[1].As<Napi::Function>(), "ringcast.ringSubscribe", 0, 1,
      context.get(), FinalizeWakeFunction, static_cast<void*>(nullptr));
  context.release();  // Deleted by FinalizeWakeFunction.

  // Registered after the function exists, so it runs before Node's own
  // cleanup hook for that function.
  napi_status status =
      napi_add_env_cleanup_hook(env, CleanupSubscription, subscription.get());
  if (status != napi_ok) {
    subscription->wake.Release();
    NAPI_THROW(Napi::Error::New(env), env.Undefined());
  }
  data.subscriptions.emplace(subscription->id, subscription);

  {
    std::lock_guard<std::mutex> lock(entry->mutex);
    if (entry->destroyed.load(std::memory_order_relaxed)) {
      // Destroyed before this call: deliver DESTROYED once, as if it had
      // been subscribed at that time.
      napi_status call_status =
          subscription->wake.NonBlockingCall(&kDestroyedReason);
      assert(call_status == napi_ok);
      (void)call_status;
    } else {
      entry->subscribers.push_back(subscription);
      entry->subscriber_count.fetch_add(1, std::memory_order_relaxed);
    }
  }
  // StoreLoad fence: orders the count increment before the caller's next
  // read of the ring. Pairs with the fence in WakeSubscribers.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return Napi::Number::New(env, subscription->id);
}

// ringUnsubscribe(handle, subscriptionId)
Napi::Value RingUnsubscribe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RingEnvData& data = EnvDataOf(info);
  const RingEntry* entry = HandleEntryOf(info).get();
  uint32_t id = info[1].As<Napi::Number>().Uint32Value();

  auto it = data.subscriptions.find(id);
  if (it == data.subscriptions.end() || it->second->entry.get() != entry) {
    return env.Undefined();
  }
  std::shared_ptr<Subscription> subscription = std::move(it->second);
  data.subscriptions.erase(it);
  napi_remove_env_cleanup_hook(env, CleanupSubscription, subscription.get());
  EndSubscription(*subscription);
  return env.Undefined();
}

}  // namespace

void InitRing(Napi::Env env, Napi::Object exports, RingEnvData& data) {
  auto* addon_data = env.GetInstanceData<AddonData>();
  assert(addon_data != nullptr && "set the instance data before InitRing");
  data.codec = &addon_data->codec;
  NAPI_THROW_IF_FAILED_VOID(
      env, napi_add_env_cleanup_hook(env, CleanupEnvironment, &data));

  struct Export {
    const char* name;
    Napi::Value (*function)(const Napi::CallbackInfo&);
  };
  const Export kExports[] = {
      {"ringOpen", RingOpen},
      {"ringDestroy", RingDestroy},
      {"ringState", ReadRingState},
      {"ringAdd", RingAdd},
      {"ringAddAll", RingAddAll},
      {"ringAddEncoded", RingAddEncoded},
      {"ringAddAllEncoded", RingAddAllEncoded},
      {"ringReadOne", RingReadOne},
      {"ringReadMany", RingReadMany},
      {"ringSubscribe", RingSubscribe},
      {"ringUnsubscribe", RingUnsubscribe},
      {"ringPublishCount", RingPublishCount},
      {"ringWaitForPublish", RingWaitForPublish},
      {"ringBlockedCount", RingBlockedCount},
  };
  for (const Export& entry : kExports) {
    exports.Set(entry.name,
                Napi::Function::New(env, entry.function, entry.name, &data));
  }
}

}  // namespace ringcast
