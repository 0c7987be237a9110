#!/usr/bin/env bash
# Fetches the Hazelcast member jar the cluster tests start (com.hazelcast:hazelcast from
# Maven Central) into .cache/maven/repo, which git ignores. Does nothing when it is there.
set -euo pipefail
cd "$(dirname "$0")/.."

version=5.7.0
repo="$PWD/.cache/maven/repo"
jar="$repo/com/hazelcast/hazelcast/$version/hazelcast-$version.jar"
if [ -f "$jar" ]; then
  exit 0
fi
mvn -q -B -Dmaven.repo.local="$repo" dependency:get \
  -Dartifact="com.hazelcast:hazelcast:$version" -Dtransitive=false
test -f "$jar"
