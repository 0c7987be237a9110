// N-API functions for rings: the process-wide registry of named rings, adds
// and reads on BINARY rings, and cross-thread wake-ups through thread-safe
// functions.
//
// Handles. `ringOpen` returns a Napi::External that owns a std::shared_ptr to
// the registry entry and is type-tagged, so any other value passed as a
// handle is a TypeError. The garbage collector's finalizer of the External
// drops that reference. An entry lives while a handle, a subscription or the
// registry refers to it.
//
// Destroy. `ringDestroy` removes the name from the registry only if it still
// maps to this entry, so a later `ringOpen` creates a fresh ring. Handles of
// the destroyed entry keep working on its old ring and report destroyed=1
// in `ringState`, the flag the TypeScript layer checks. An OBJECT ring is
// also destroyed when the environment that created it is torn down, because
// its items lived in that environment's heap.
//
// Blocking waits. `ringWaitForPublish` sleeps in the ring's publish counter
// (publish_counter.h) on the calling thread, for the synchronous view of a
// ring. An add that stores items ends every such wait, and so does destroy,
// which calls wake_all() after marking the entry destroyed, so a woken
// reader that checks `destroyed` sees it. A wait holds no lock of this
// file, so adds, destroys and subscriptions on other threads go on.
//
// Threads. The addon is loaded once per process, so the registry is shared
// by the main thread and every worker: a worker that opens `events` gets the
// ring the main thread opened. Each environment (main thread or worker) has
// its own RingEnvData and calls the functions only on its own thread.
//
// Locks, always taken in this order and never while calling JavaScript:
//   1. the registry mutex: the name -> entry map;
//   2. an entry's mutex: its subscriber list and its change to destroyed.
// A thread-safe function is called only under its entry's mutex and released
// only after it was removed from that list under the same mutex, so no
// thread calls a released one.
//
// Wake-up contract. After an add that stored items, the writer issues a
// seq_cst fence and then loads the entry's subscriber count. ringSubscribe
// increments the count and then issues a seq_cst fence before it returns.
// The two fences order the writer's publish against the subscriber's later
// read of the ring's state: either the writer observes the new subscriber
// and wakes it, or the subscriber's next ringState/ringReadMany observes the
// items.
// Per subscriber, a writer that flips `pending` from false to true queues one
// call. The callback clears `pending` (acq_rel exchange, pairing with the
// writers' exchange) before it runs JavaScript, so an add after that point
// queues a new call and an add before it is visible to the callback's reads.
// Destroy queues one DESTROYED call per subscriber, independent of `pending`.
// A callback that throws raises an uncaught exception in its thread.
//
// Environment teardown. Each subscription registers an environment cleanup
// hook right after creating its thread-safe function. Node runs cleanup hooks
// in reverse order of registration and registers the thread-safe function's
// own hook (which closes it) at creation, so ours runs first. It removes the
// subscription from its entry under the entry's mutex and releases the
// thread-safe function while that function is still valid. The instance-data
// destructor would run too late: the environment is deleted only after its
// thread-safe functions are freed, and other threads could call them between.
//
// Termination. From the moment worker.terminate() is called, most Node-API
// calls on that worker fail, also in the middle of a function of this addon.
// node-addon-api then throws a Napi::Error, and turning it into a JavaScript
// exception fails as well. binding.gyp defines
// NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS, so node-addon-api drops that
// exception instead of rethrowing it, which would abort the process.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "ringcast/ring_buffer.h"

namespace ringcast {

struct CodecEnvData;
struct RingEntry;
struct Subscription;

// Buffers reused by adds and reads so the hot path does not allocate.
struct RingScratch {
  std::vector<uint8_t> bytes;
  // End offset in `bytes` of each encoded item of one ringAddAll.
  std::vector<size_t> item_ends;
  std::vector<ItemView> item_views;
};

// Per-environment state of the ring functions, owned by the addon's instance
// data and touched only on that environment's thread.
struct RingEnvData {
  const CodecEnvData* codec = nullptr;

  RingScratch scratch;
  // True while `scratch` is lent out. Encoding may run user getters that call
  // ringAdd again, and such a nested call gets buffers of its own.
  bool scratch_in_use = false;

  uint32_t next_subscription_id = 1;
  std::unordered_map<uint32_t, std::shared_ptr<Subscription>> subscriptions;

  // OBJECT rings created by this environment. Their items live in this
  // environment's heap, so they are destroyed when it is torn down.
  std::vector<std::weak_ptr<RingEntry>> object_rings;
};

// Fills `data` for this environment and adds ringOpen, ringDestroy,
// ringState, ringAdd, ringAddAll, ringAddEncoded, ringAddAllEncoded,
// ringReadOne, ringReadMany, ringSubscribe,
// ringUnsubscribe, ringPublishCount, ringWaitForPublish and ringBlockedCount
// to `exports`. Call after the addon's instance data is
// set: the ring functions find the codec's data through it.
void InitRing(Napi::Env env, Napi::Object exports, RingEnvData& data);

}  // namespace ringcast
