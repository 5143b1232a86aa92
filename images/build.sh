#!/usr/bin/env bash
# Builds images/out/rootfs.ext4 (a busybox root filesystem with the vmpulse agent, started and
# respawned by busybox init) and, next to it, the kernel and initramfs that boot it:
#
#   out/rootfs.ext4   root=/dev/vda, ext4, made with mkfs.ext4 -d (no mounts, no root needed)
#   out/vmlinuz       Debian's linux-image-amd64 kernel
#   out/initrd.img    busybox + the virtio and ext4 modules (Debian builds them as modules)
#
# Boot: qemu-system-x86_64 -kernel out/vmlinuz -initrd out/initrd.img \
#         -append 'console=ttyS0 root=/dev/vda rw vmpulse.ip=10.0.2.15/24 vmpulse.collector=tcp://10.0.2.2:7070' \
#         -drive file=rootfs.ext4,if=virtio,format=raw -netdev ... -device virtio-net-pci,...
#
# Inputs are the Debian packages busybox-static and linux-image-amd64 (apt-get download) and the
# agent built by Maven. Environment: IMAGE_SIZE_MB (default 128).
set -euo pipefail
source "$(dirname -- "${BASH_SOURCE[0]}")/stage-agent.sh"

out=$images_dir/out
work=$out/work
size_mb=${IMAGE_SIZE_MB:-128}
need_tools e2fsprogs cpio zip unzip patchelf binutils openjdk-17-jdk-headless

rm -rf "$work" && mkdir -p "$work/debs" "$out"
# download PACKAGE...: into $work/debs; the package lists are fetched once if they are missing.
download() {
    (cd "$work/debs" && apt-get download -q "$@" >/dev/null 2>"$work/apt.err") && return
    apt-get update -qq
    (cd "$work/debs" && apt-get download -q "$@" >/dev/null 2>"$work/apt.err") ||
        { echo "build.sh: apt-get download $* failed:" >&2; cat "$work/apt.err" >&2; exit 1; }
}
download busybox-static linux-image-amd64
# linux-image-amd64 is a metapackage; the kernel is the package it depends on.
kpkg=$(dpkg-deb -f "$work"/debs/linux-image-amd64_*.deb Depends | sed 's/[ ,(].*//')
download "$kpkg"
dpkg-deb -x "$work"/debs/busybox-static_*.deb "$work/busybox"
dpkg-deb -x "$work"/debs/"$kpkg"_*.deb "$work/kernel"
busybox=$work/busybox/bin/busybox
kver=$(ls "$work/kernel/lib/modules")

# install_busybox DIR: the static busybox and a link for every applet.
install_busybox() {
    local dir=$1 applet
    mkdir -p "$dir/bin" "$dir/sbin" "$dir/usr/bin" "$dir/usr/sbin"
    install -m 0755 "$busybox" "$dir/bin/busybox"
    for applet in $("$busybox" --list-full); do
        [ "$applet" = bin/busybox ] || ln -sf /bin/busybox "$dir/$applet"
    done
}

# --- initramfs: modules in dependency order (depends= from each module's .modinfo) ---
moddir=$work/kernel/lib/modules/$kver
declare -A seen=()
order=()
add_module() {
    local name=$1 file dep
    [ -n "${seen[$name]:-}" ] && return
    seen[$name]=1
    file=$(cd "$moddir" && find kernel -name "$name.ko" -o -name "${name//_/-}.ko" | head -1)
    [ -n "$file" ] || { echo "module $name not found in $kpkg" >&2; exit 1; }
    for dep in $(tr '\0' '\n' < "$moddir/$file" | sed -n 's/^depends=//p' | tr ',' ' '); do
        add_module "$dep"
    done
    order+=("$file")
}
# crc32c_generic before ext4: ext4 asks the crypto API for crc32c, and nothing can modprobe it.
for m in virtio_pci virtio_blk virtio_net crc32c_generic ext4; do add_module "$m"; done

initramfs=$work/initramfs
mkdir -p "$initramfs"/{proc,sys,dev,newroot,modules}
install_busybox "$initramfs"
install -m 0755 "$images_dir/initramfs/init" "$initramfs/init"
: > "$initramfs/modules.order"
for f in "${order[@]}"; do
    cp "$moddir/$f" "$initramfs/modules/"
    basename "$f" >> "$initramfs/modules.order"
done
(cd "$initramfs" && find . | cpio -o -H newc --quiet | gzip -9) > "$out/initrd.img"
cp "$work/kernel/boot/vmlinuz-$kver" "$out/vmlinuz"

# --- root filesystem ---
root=$work/rootfs
mkdir -p "$root"/{proc,sys,dev,tmp,run,root,etc,var/log}
install_busybox "$root"
cp -a "$images_dir/rootfs/." "$root/"
stage_agent "$root" "$work"

rm -f "$out/rootfs.ext4"
mkfs.ext4 -q -F -L vmpulse-root -E root_owner=0:0 -d "$root" "$out/rootfs.ext4" "${size_mb}M"
printf 'agent bytes in the image: %s (runtime %s, libs %s, jar %s)\n' \
    "$(du -sb "$root/opt/vmpulse" | cut -f1)" "$(du -sb "$root/opt/vmpulse/runtime" | cut -f1)" \
    "$(du -sb "$root/opt/vmpulse/lib" | cut -f1)" "$(stat -c %s "$root/opt/vmpulse/guest-agent.jar")"
echo "built $out/rootfs.ext4 ($size_mb MiB), $out/vmlinuz, $out/initrd.img"
