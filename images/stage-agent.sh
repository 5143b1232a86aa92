# Sourced by build.sh and bake.sh: stage_agent DIR puts everything the agent needs under DIR, laid
# out as in the guest's root:
#
#   /opt/vmpulse/runtime/     jlink-made Java runtime (only the modules the agent uses)
#   /opt/vmpulse/lib/         glibc and the other shared libraries that runtime needs
#   /opt/vmpulse/bin/         vmpulse-agent (launcher), vmpulse-agent-service (what init runs)
#   /opt/vmpulse/guest-agent.jar, libvmpulse-agent.so (its JNI library, found by the launcher next
#                             to the jar), README (build date and commit)
#   /etc/default/vmpulse-agent
#   /etc/systemd/system/vmpulse-agent.service (+ multi-user.target.wants/ link: enabled)
#   /etc/init.d/vmpulse-agent (OpenRC) (+ /etc/runlevels/default/ link: enabled)
#
# The java binary's ELF interpreter is /opt/vmpulse/lib/ld-linux-x86-64.so.2 and the service
# sets LD_LIBRARY_PATH=/opt/vmpulse/lib, so the agent uses its own glibc and never the image's
# (an image's older glibc, or musl, may not run the runtime).
#
# Needs: the built agent (guest-agent/target), JDK 17 (jlink, jdeps), patchelf, zip.

images_dir=$(CDPATH= cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname -- "$images_dir")
agent_target=$repo_dir/guest-agent/target

# The runtime's modules: java.base only (`jdeps --print-module-deps` on the jar says so). The
# agent logs to stderr itself, makes its system calls through its own JNI library and writes and
# reads protobuf itself; java.logging and jdk.unsupported were for java.util.logging, JNA and
# protobuf-java. GuestImageVmTest runs the agent on this runtime in a real VM.
AGENT_MODULES=${AGENT_MODULES:-java.base}

need_tools() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "installing ${missing[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# Copies FILE's shared libraries (as ldd resolves them on this host) into DEST_LIB.
copy_libs() {
    local file=$1 dest=$2 lib
    for lib in $(ldd "$file" | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}'); do
        [ -e "$dest/$(basename "$lib")" ] || cp -L "$lib" "$dest/"
    done
}

stage_agent() {
    local root=$1 work=$2
    local opt=$root/opt/vmpulse
    local jar=$agent_target/guest-agent.jar launcher=$agent_target/vmpulse-agent
    if [ ! -f "$jar" ] || [ ! -f "$launcher" ] || [ ! -f "$agent_target/libvmpulse-agent.so" ]; then
        echo "building the agent (mvn package)" >&2
        (cd "$repo_dir" && mvn -B -q -pl guest-agent -am -DskipTests package)
    fi
    mkdir -p "$opt/bin" "$opt/lib" "$root/etc/default" "$root/etc/init.d" \
        "$root/etc/systemd/system/multi-user.target.wants" "$root/etc/runlevels/default"

    # The jar, and its JNI library beside it (where the launcher looks) rather than copied out of
    # the jar to /tmp at every start; the jar's own copy is dropped.
    cp "$jar" "$opt/guest-agent.jar"
    install -m 0644 "$agent_target/libvmpulse-agent.so" "$opt/libvmpulse-agent.so"
    zip -q -d "$opt/guest-agent.jar" 'io/vmpulse/agent/sys/libvmpulse-agent.so' >/dev/null || true

    rm -rf "$opt/runtime"
    jlink --add-modules "$AGENT_MODULES" --strip-debug --no-man-pages --no-header-files \
        --compress=2 --output "$opt/runtime"

    local f
    copy_libs "$opt/runtime/bin/java" "$opt/lib"
    for f in "$opt"/runtime/lib/*.so "$opt"/runtime/lib/server/libjvm.so "$opt"/lib/lib*.so; do
        copy_libs "$f" "$opt/lib"
    done
    # Libraries glibc loads by name at run time (not in any ldd output).
    for f in libnss_files.so.2; do
        [ -e "/lib/x86_64-linux-gnu/$f" ] && cp -L "/lib/x86_64-linux-gnu/$f" "$opt/lib/"
    done
    # The runtime's own libraries are found through $ORIGIN; keep only the system ones here.
    for f in "$opt"/runtime/lib/*.so; do rm -f "$opt/lib/$(basename "$f")"; done
    rm -f "$opt/lib/libjvm.so"
    strip --strip-unneeded "$opt/runtime/bin/java" "$opt"/runtime/lib/*.so "$opt/runtime/lib/server/libjvm.so"
    patchelf --set-interpreter /opt/vmpulse/lib/ld-linux-x86-64.so.2 "$opt/runtime/bin/java"
    strip --strip-unneeded "$opt"/lib/*.so* 2>/dev/null || true

    install -m 0755 "$launcher" "$opt/bin/vmpulse-agent"
    printf 'vmpulse guest agent, built %s from commit %s. Settings: /etc/default/vmpulse-agent.\n' \
        "$(date -u +%F)" "$(cd "$repo_dir" && git describe --always --dirty 2>/dev/null || echo unknown)" > "$opt/README"
    install -m 0755 "$images_dir/agent/vmpulse-agent-service" "$opt/bin/vmpulse-agent-service"
    install -m 0644 "$images_dir/agent/default" "$root/etc/default/vmpulse-agent"
    install -m 0644 "$images_dir/agent/vmpulse-agent.service" "$root/etc/systemd/system/vmpulse-agent.service"
    ln -sfn ../vmpulse-agent.service "$root/etc/systemd/system/multi-user.target.wants/vmpulse-agent.service"
    install -m 0755 "$images_dir/agent/vmpulse-agent.openrc" "$root/etc/init.d/vmpulse-agent"
    ln -sfn /etc/init.d/vmpulse-agent "$root/etc/runlevels/default/vmpulse-agent"
}
