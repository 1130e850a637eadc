#!/usr/bin/env bash
# Build the HDFS artifact set once into the cache: Apache Hadoop's jars (hadoop-common,
# hadoop-hdfs, hadoop-hdfs-client and their runtime dependencies, plus the web UI resources)
# resolved from Maven Central with a local repository inside the cache, each checked against
# the lockfile (src/aidc/catalog/data/hadoop.lock.yaml), packed as hadoop-<version>-aidc.tar.gz
# with its sha256 beside it. The hdfs role copies that tarball to the nodes. Prints its path.
#
#   scripts/setup-hadoop.sh          build (a no-op when the tarball matches the lockfile)
#   scripts/setup-hadoop.sh --lock   resolve the lockfile's release and write its jars' sha256
#
# Needs Maven and a Java runtime (Debian: apt-get install maven) and the aidc package (the
# Makefile runs it with the project's virtualenv on PATH).
set -euo pipefail

relock=false
case "${1:-}" in
  "") ;;
  --lock) relock=true ;;
  *) echo "usage: $0 [--lock]" >&2; exit 2 ;;
esac

py="${PYTHON:-python}"
lockmod=(-m aidc.catalog.hadoop)
version="$("$py" "${lockmod[@]}" version)"
plugin="org.apache.maven.plugins:maven-dependency-plugin:$("$py" "${lockmod[@]}" plugin)"
cache="${AIDC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aidc}/hadoop-$version"
tarball="$cache/hadoop-$version-aidc.tar.gz"
stamp="$cache/lockfile.sha256"
log="$cache/build.log"

say() { echo "setup-hadoop: $*" >&2; }

# The lockfile's own digest, kept beside the tarball: a new lockfile means a new build.
lock_digest() { "$py" "${lockmod[@]}" digest; }

if ! $relock && [ -f "$tarball" ] && [ -f "$tarball.sha256" ] && [ -f "$stamp" ] \
   && [ "$(cat "$stamp")" = "$(lock_digest)" ] \
   && (cd "$cache" && sha256sum --check --status "$(basename "$tarball").sha256"); then
  echo "$tarball"
  exit 0
fi

command -v mvn >/dev/null 2>&1 || {
  say "Maven is missing; on Debian: apt-get install --no-install-recommends maven"
  exit 1
}

mkdir -p "$cache"
stage="$cache/stage"
top="$stage/hadoop-$version"
rm -rf "$stage"
mkdir -p "$top/lib" "$top/webapps"
"$py" "${lockmod[@]}" pom >"$cache/pom.xml"

resolve() {
  # $1: extra Maven options (-o once the cache's repository holds everything).
  local mvn=(mvn -B -q $1 -f "$cache/pom.xml" "-Dmaven.repo.local=$cache/m2")
  "${mvn[@]}" "$plugin:copy-dependencies" -DincludeScope=runtime -DexcludeClassifiers=tests \
    "-DoutputDirectory=$top/lib" &&
  "${mvn[@]}" "$plugin:copy-dependencies" -DincludeClassifiers=tests -DexcludeTransitive=true \
    "-DoutputDirectory=$top/webapps"
}

say "resolving Apache Hadoop $version's jars from Maven Central (first time only; log: $log)"
# Offline first: a cache whose repository is complete needs no network.
if ! { [ -d "$cache/m2" ] && resolve -o; } >"$log" 2>&1; then
  rm -rf "$top/lib"/* "$top/webapps"/*
  resolve "" >>"$log" 2>&1 || { say "Maven failed; last lines of $log:"; tail -n 20 "$log" >&2; exit 1; }
fi

if $relock; then
  "$py" "${lockmod[@]}" lock "$top" >&2
fi
"$py" "${lockmod[@]}" verify "$top" >&2 || {
  say "the resolved jars differ from the lockfile; nothing packed (make hadoop-lock writes a new one)"
  exit 1
}

# Reproducible: sorted names, fixed owner, mode and time, no name or time in the gzip header.
tar --sort=name --owner=0 --group=0 --numeric-owner --mode=u=rwX,go=rX --mtime=@0 \
  -C "$stage" -cf - "hadoop-$version" | gzip -n -6 >"$tarball.tmp"
mv "$tarball.tmp" "$tarball"
(cd "$cache" && sha256sum "$(basename "$tarball")" >"$(basename "$tarball").sha256")
lock_digest >"$stamp"
rm -rf "$stage"
echo "$tarball"
