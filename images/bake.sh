#!/usr/bin/env bash
# bake.sh IMAGE: adds the vmpulse agent to an existing ext2/3/4 root filesystem image, without
# mounting it (debugfs writes into the file). What is added is what build.sh puts in its own
# image (see stage-agent.sh): /opt/vmpulse (runtime, its C library, jar, launcher), and, for the
# init systems the image has, the agent enabled at boot:
#   systemd  (/usr/lib/systemd/systemd): vmpulse-agent.service, linked into multi-user.target.wants
#   OpenRC   (/sbin/openrc-run):     /etc/init.d/vmpulse-agent, linked into runlevel default
#   busybox  (/etc/inittab with "::" lines): a ::respawn: line for the agent
# /etc/default/vmpulse-agent is written only if the image has none (it is the user's to edit).
#
# Running it again replaces the agent's files with the current build and changes nothing else.
# Before anything is written the image is checked: not an ext2/3/4 file system, a file system
# that is mounted or needs fsck, or too few free blocks or inodes, and it exits with an error
# and the image untouched. Exit codes: 0 baked, 1 refused or failed, 2 usage.
set -euo pipefail
source "$(dirname -- "${BASH_SOURCE[0]}")/stage-agent.sh"

if [ $# -ne 1 ]; then
    echo "usage: bake.sh IMAGE" >&2
    exit 2
fi
image=$1
fail() { echo "bake.sh: $image: $*" >&2; exit 1; }

[ -f "$image" ] || fail "not a regular file"
[ -w "$image" ] || fail "not writable"
need_tools e2fsprogs zip unzip patchelf binutils openjdk-17-jdk-headless

header=$(dumpe2fs -h "$image" 2>/dev/null) || fail "not an ext2/ext3/ext4 file system (dumpe2fs cannot read a superblock)"
field() { sed -n "s/^$1: *//p" <<<"$header"; }
[ "$(field 'Filesystem magic number')" = 0xEF53 ] || fail "not an ext2/ext3/ext4 file system"
state=$(field 'Filesystem state')
[ "$state" = clean ] || fail "file system state is '$state': it is mounted or needs e2fsck; unmount or check it first"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/root
stage_agent "$stage" "$work"

# debugfs runs commands from a file and prints its own errors; this runs one and returns the output.
dbg() { debugfs "$@" 2>&1; }
exists() { dbg -R "stat $1" "$image" | grep -q '^Inode:'; }

systemd=; openrc=; inittab=
if exists /usr/lib/systemd/systemd || exists /lib/systemd/systemd; then systemd=1; fi
exists /sbin/openrc-run && openrc=1
if exists /etc/inittab && dbg -R "cat /etc/inittab" "$image" | grep -q '^[^#:]*::'; then inittab=1; fi

# What goes in: everything under /opt/vmpulse, plus the integration files of the init systems found.
paths=()
while IFS= read -r p; do paths+=("/${p#./}"); done < <(cd "$stage" && find opt | sort)
[ -n "$systemd" ] && paths+=(/etc/systemd/system/vmpulse-agent.service
    /etc/systemd/system/multi-user.target.wants/vmpulse-agent.service)
[ -n "$openrc" ] && paths+=(/etc/init.d/vmpulse-agent /etc/runlevels/default/vmpulse-agent)
exists /etc/default/vmpulse-agent || paths+=(/etc/default/vmpulse-agent)

# Room: blocks for every file (rounded up to the block size, plus an index block per 1 MiB for
# large files) and an inode per path, less what the files being replaced hold now.
bs=$(field 'Block size')
need_blocks=0; need_inodes=0; freed_blocks=0
for p in "${paths[@]}"; do
    need_inodes=$((need_inodes + 1))
    if [ -f "$stage$p" ] && [ ! -L "$stage$p" ]; then
        size=$(stat -c %s "$stage$p")
        need_blocks=$((need_blocks + (size + bs - 1) / bs + size / 1048576 + 1))
    else
        need_blocks=$((need_blocks + 1))
    fi
done
while read -r blocks; do
    freed_blocks=$((freed_blocks + blocks * 512 / bs))
done < <(for p in "${paths[@]}"; do [ -d "$stage$p" ] || echo "stat $p"; done | dbg -f - "$image" |
    sed -n 's/.*Blockcount: \([0-9]*\).*/\1/p')
free_blocks=$(( $(field 'Free blocks') - $(field 'Reserved block count') ))
free_inodes=$(field 'Free inodes')
if [ $((need_blocks - freed_blocks)) -gt "$free_blocks" ]; then
    fail "too small: the agent needs $(( (need_blocks - freed_blocks) * bs / 1048576 + 1 )) MiB free, the file system has $(( free_blocks * bs / 1048576 )) MiB (grow it first: truncate -s +64M IMAGE && e2fsck -f IMAGE && resize2fs IMAGE)"
fi
[ "$need_inodes" -le "$free_inodes" ] || fail "too few free inodes: the agent needs $need_inodes, the file system has $free_inodes"

# The commands. debugfs's mkdir of a directory that exists leaks an inode (e2fsprogs 1.47), so
# what exists is looked up first: existing directories are kept, existing files and links are
# removed and written again. Running twice leaves the same tree.
dirs=(/etc /etc/default)
[ -n "$systemd" ] && dirs+=(/etc/systemd /etc/systemd/system /etc/systemd/system/multi-user.target.wants)
[ -n "$openrc" ] && dirs+=(/etc/init.d /etc/runlevels /etc/runlevels/default)
declare -A found=()
while read -r p; do found[$p]=1; done < <(for p in "${dirs[@]}" "${paths[@]}"; do echo "stat $p"; done |
    dbg -f - "$image" | awk '/^debugfs: stat /{p=$3} /^Inode:/{print p}')
cmds=$work/debugfs.cmd
{
    for d in "${dirs[@]}"; do [ -n "${found[$d]:-}" ] || echo "mkdir $d"; done
    for p in "${paths[@]}"; do
        s=$stage$p
        if [ -d "$s" ] && [ ! -L "$s" ]; then
            [ -n "${found[$p]:-}" ] || echo "mkdir $p"
            printf 'sif %s mode 040755\nsif %s uid 0\nsif %s gid 0\n' "$p" "$p" "$p"
            continue
        fi
        [ -n "${found[$p]:-}" ] && echo "rm $p"
        if [ -L "$s" ]; then
            echo "symlink $p $(readlink "$s")"
        else
            echo "write $s $p"
            printf 'sif %s mode 0%o\nsif %s uid 0\nsif %s gid 0\n' "$p" "$(( 0100000 | 0$(stat -c %a "$s") ))" "$p" "$p"
        fi
    done
    if [ -n "$inittab" ]; then
        dbg -R "cat /etc/inittab" "$image" | grep -v '^debugfs ' > "$work/inittab"
        if ! grep -q vmpulse-agent-service "$work/inittab"; then
            printf '# vmpulse guest agent, respawned when it exits\n::respawn:/opt/vmpulse/bin/vmpulse-agent-service\n' \
                >> "$work/inittab"
            printf 'rm /etc/inittab\nwrite %s /etc/inittab\nsif /etc/inittab mode 0100644\n' "$work/inittab"
        fi
    fi
} > "$cmds"

out=$(debugfs -w -f "$cmds" "$image" 2>&1)
errors=$(grep -v '^debugfs' <<<"$out" | grep -vE '^Allocated inode|^$' || true)
[ -z "$errors" ] || fail "debugfs reported: $errors"
e2fsck -fn "$image" >/dev/null 2>&1 || fail "e2fsck finds errors after baking; restore the image from a copy"

echo "baked $(du -sb "$stage/opt/vmpulse" | cut -f1) bytes of agent into $image;" \
    "started by:${systemd:+ systemd}${openrc:+ OpenRC}${inittab:+ busybox-init}$([ -z "$systemd$openrc$inittab" ] && echo ' nothing (no init system found: run /opt/vmpulse/bin/vmpulse-agent-service)')"
