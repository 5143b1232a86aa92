#!/bin/sh
# Lays out what an install puts in /usr/lib/vmpulse/: every program's jar beside its launcher, in
# one directory, so that each program finds the others next to itself (the collector's `demo`
# starts vmpulse-agent and vmpulse-exporter from there). Run by `mvn package`; the result is
# dist/target/vmpulse/.
set -eu
root=$1
out=$2
rm -rf "$out"
mkdir -p "$out"
install -m 0644 "$root/guest-agent/target/guest-agent.jar" "$out/"
install -m 0755 "$root/guest-agent/src/main/dist/vmpulse-agent" "$out/"
install -m 0644 "$root/guest-agent/target/libvmpulse-agent.so" "$out/"
install -m 0644 "$root/host-collector/target/host-collector.jar" "$out/"
install -m 0755 "$root/host-collector/src/main/dist/vmpulse-collector" "$out/"
install -m 0644 "$root/exporter/target/vmpulse-exporter.jar" "$out/"
install -m 0755 "$root/exporter/src/main/dist/vmpulse-exporter" "$out/"
