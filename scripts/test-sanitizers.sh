#!/usr/bin/env bash
# Builds the addon under AddressSanitizer (with UndefinedBehaviorSanitizer) and under
# ThreadSanitizer, each in a directory of its own, and runs the native binding suite and
# the thread stress suite against each build. build/Release is left alone, so other test
# runs can use it meanwhile.
#
#   bash scripts/test-sanitizers.sh [address] [thread]    (no argument: both)
#
# node-gyp-build loads the addon from $RINGCAST_PREBUILD/build/Release when that variable
# is set, in the main thread, in workers and in child processes alike, so one variable
# points every test at the instrumented build. Node itself is not instrumented: the
# sanitizer runtime is preloaded with LD_PRELOAD.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${RINGCAST_SANITIZER_DIR:-$root/.cache/sanitizers}
suites=(test/native-binding.test.ts test/threads-stress.test.ts test/js-codec.test.ts)

# build_addon NAME FLAG...: builds the addon with the extra compiler and linker flags into
# $out/NAME/build/Release from a copy of binding.gyp that links back to the sources.
build_addon() {
  local name=$1
  shift
  local dir=$out/$name
  mkdir -p "$dir"
  ln -sfn "$root/native" "$dir/native"
  ln -sfn "$root/node_modules" "$dir/node_modules"
  cp "$root/.npmrc" "$dir/.npmrc"
  printf '{"name":"ringcast-%s","private":true,"scripts":{"build":"node-gyp rebuild"}}\n' \
    "$name" >"$dir/package.json"
  node -e '
    const fs = require("node:fs");
    const [source, target, ...flags] = process.argv.slice(1);
    const gyp = JSON.parse(fs.readFileSync(source, "utf8"));
    for (const t of gyp.targets) {
      t.cflags = [...(t.cflags ?? []), ...flags];
      t.cflags_cc = [...(t.cflags_cc ?? []), ...flags];
      t.ldflags = [...(t.ldflags ?? []), ...flags];
    }
    fs.writeFileSync(target, JSON.stringify(gyp, null, 2));
  ' "$root/binding.gyp" "$dir/binding.gyp" "$@"
  npm --prefix "$dir" run build --silent >"$dir/build.log" 2>&1 || {
    cat "$dir/build.log"
    return 1
  }
}

# run_suites NAME PRELOAD VAR=VALUE...: runs the suites against $out/NAME with the sanitizer
# runtime PRELOAD and the given environment.
run_suites() {
  local name=$1 preload=$2
  shift 2
  echo "== JavaScript tests against the addon built with $name"
  env "$@" RINGCAST_PREBUILD="$out/$name" LD_PRELOAD="$preload" \
    node --import tsx --test "${suites[@]}"
}

flavors=("$@")
[ ${#flavors[@]} -gt 0 ] || flavors=(address thread)
for flavor in "${flavors[@]}"; do
  case $flavor in
    address)
      build_addon asan -fsanitize=address,undefined -fno-sanitize-recover=undefined \
        -fno-omit-frame-pointer -g -O1
      # Leak checking stays on. Node.js 20 leaves some Externals alive at exit, which the
      # suppressions file lists.
      run_suites asan "$(g++ -print-file-name=libasan.so)" \
        ASAN_OPTIONS=detect_leaks=1 \
        LSAN_OPTIONS="suppressions=$root/test/lsan-suppressions.txt:print_suppressions=0" \
        UBSAN_OPTIONS=print_stacktrace=1
      ;;
    thread)
      # -Wno-tsan: ThreadSanitizer does not model atomic_thread_fence, and the core's fences
      # order only atomic accesses, which it never reports (see native/CMakeLists.txt).
      build_addon tsan -fsanitize=thread -Wno-tsan -g -O1
      # Without ignore_noninstrumented_modules, Node.js and V8, which are not instrumented,
      # produce false reports.
      run_suites tsan "$(g++ -print-file-name=libtsan.so)" \
        TSAN_OPTIONS="ignore_noninstrumented_modules=1:halt_on_error=1:exitcode=66"
      ;;
    *)
      echo "unknown sanitizer $flavor; expected address or thread" >&2
      exit 2
      ;;
  esac
done
