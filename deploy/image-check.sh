#!/usr/bin/env bash
# ./tolk image --check: proves the Jib image build without a registry or a Docker daemon (docs/deploy.md).
# No base image can be pulled here, so this builds the image on a local base tarball that stands in for
# eclipse-temurin: a jlink'ed runtime of the build's JDK at the same path (/opt/java/openjdk) with the C libraries
# it links, in `docker save` format (what Jib's tar:// base reads). Then it builds the gateway's image onto it with
# the pom's Jib configuration (jib:buildTar) and runs ContainerImageTest on the tarball: the image's manifest and
# config (entrypoint, JVM flags, user, port, env, labels, layers) and, where it may (root: a chroot in a private
# mount namespace), the image's own filesystem and entrypoint started as its user, answering /health and /ready.
# Expects JAVA_HOME (a JDK >= 21 with jlink) and tolk-server/target/tolk.jar built; run by ./tolk image --check.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/tolk-server/target/image-check"
JAR="$ROOT/tolk-server/target/tolk.jar"
MVN=(mvn -B -q -e -Dstyle.color=never)

rm -rf "$OUT"
mkdir -p "$OUT/rootfs/opt/java" "$OUT/base"
started=$SECONDS

# the runtime: the modules the gateway's jar uses, as jdeps finds them
modules="$("$JAVA_HOME/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 21 "$JAR")"
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --output "$OUT/rootfs/opt/java/openjdk"

# the C libraries the runtime links (glibc and its loader), at their host paths
while read -r lib; do
  mkdir -p "$OUT/rootfs$(dirname "$lib")"
  cp -L "$lib" "$OUT/rootfs$lib"
done < <(find "$OUT/rootfs/opt/java/openjdk" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 \
  | xargs -0 ldd 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*' | grep -v '^/.*/opt/java/' | sort -u)
mkdir -p "$OUT/rootfs/tmp" "$OUT/rootfs/proc" "$OUT/rootfs/dev"
chmod 1777 "$OUT/rootfs/tmp"

# `docker save` layout: manifest.json, the config, one uncompressed layer
tar --numeric-owner --owner=0 --group=0 -C "$OUT/rootfs" -cf "$OUT/base/layer.tar" .
diff_id="sha256:$(sha256sum "$OUT/base/layer.tar" | cut -d' ' -f1)"
cat >"$OUT/base/config.json" <<JSON
{"architecture":"amd64","os":"linux",
 "config":{"Env":["PATH=/opt/java/openjdk/bin:/usr/local/bin:/usr/bin:/bin","JAVA_HOME=/opt/java/openjdk"]},
 "rootfs":{"type":"layers","diff_ids":["$diff_id"]}}
JSON
echo '[{"Config":"config.json","RepoTags":["tolk-check-base:local"],"Layers":["layer.tar"]}]' \
  >"$OUT/base/manifest.json"
tar -C "$OUT/base" -cf "$OUT/base.tar" manifest.json config.json layer.tar
rm -rf "$OUT/base"
echo "image-check: base $(du -m "$OUT/base.tar" | cut -f1) MB (modules $modules) in $((SECONDS - started)) s" >&2

# the gateway's image, with the pom's configuration on the local base
jib_started=$SECONDS
(cd "$ROOT" && "${MVN[@]}" -pl tolk-server -am -DskipTests package jib:buildTar \
  -Dimage.base="tar://$OUT/base.tar" -Djib.outputPaths.tar="$OUT/tolk-image.tar" \
  -Dimage.revision="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)")
echo "image-check: jib:buildTar $(du -m "$OUT/tolk-image.tar" | cut -f1) MB in $((SECONDS - jib_started)) s" >&2

# what the image holds and whether it runs
(cd "$ROOT" && TOLK_IMAGE_TAR="$OUT/tolk-image.tar" "${MVN[@]}" -pl tolk-server -am test \
  -Dtest=ContainerImageTest -Dsurefire.failIfNoSpecifiedTests=false)
report="$ROOT/tolk-server/target/surefire-reports/dev.tolk.server.ContainerImageTest.txt"
grep -h 'Tests run' "$report" | sed 's/^/image-check: ContainerImageTest: /' >&2
if ! grep -q 'Skipped: 0' "$report"; then
  echo "image-check: the image was inspected but not started (starting it needs root, unshare and chroot)" >&2
  [[ "${TOLK_REQUIRE_IMAGE_RUN:-}" == 1 ]] && { echo "image-check: TOLK_REQUIRE_IMAGE_RUN=1: failing" >&2; exit 1; }
fi
echo "image-check: passed in $((SECONDS - started)) s ($OUT/tolk-image.tar)" >&2
