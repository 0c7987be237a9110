// Module initialisation only: each component registers its own exports.
#include <napi.h>

#include "addon_data.h"

namespace ringcast {
namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData(data);  // Deleted by node-addon-api at env teardown.
  InitCodec(env, exports, data->codec);
  InitRing(env, exports, data->ring);
  return exports;
}

}  // namespace
}  // namespace ringcast

// NODE_API_MODULE pastes its second argument into an identifier, so it must be
// an unqualified name.
static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return ringcast::Init(env, exports);
}

NODE_API_MODULE(ringcast, InitModule)
