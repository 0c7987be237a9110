// Per-environment (main thread or worker) state of the addon.
#pragma once

#include "codec_napi.h"
#include "ring_buffer_wrap.h"

namespace ringcast {

struct AddonData {
  CodecEnvData codec;
  RingEnvData ring;
};

}  // namespace ringcast
