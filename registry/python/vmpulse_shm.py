#!/usr/bin/env python3
"""Read the vmpulse shared-memory registry (stdlib only).

    python3 registry/python/vmpulse_shm.py [--json] [PATH]          print every live slot
    python3 registry/python/vmpulse_shm.py --check SECONDS [PATH]   torn-read check (exit 2 if torn)

PATH defaults to /dev/shm/vmpulse. Every sample field is found by name in the file's field
directory, so this reader needs no change when a minor version adds fields. The layout is
documented in docs/shm-abi.md.

Consistency. Python cannot issue memory fences. A slot is read as: seq1 = load of seq; one
bytes copy of the whole slot (mmap slicing is a single memcpy); seq2 = load of seq; the copy is
accepted only if seq1 == seq2, seq1 is even, the seq inside the copy equals seq1, and the
sample's checksum matches its bytes. On x86 (loads are not reordered with loads) the seq check
alone is sound. On weakly ordered CPUs (arm64) the CPU may reorder the loads of the copy around
the seq loads, so the seq check alone could accept a torn copy there; the checksum is what
rejects it. The checksum is a 64-bit hash, so a torn copy slipping through needs a collision
(about 2**-64 per torn copy).
"""

import argparse
import json
import math
import mmap
import os
import struct
import sys
import time

MAGIC = 0x0045534C55504D56
VERSION_MAJOR = 1
READY = 1
STATE_NAMES = {0: "free", 1: "live", 2: "final"}
TYPE_U64, TYPE_I64, TYPE_F64, TYPE_U32, TYPE_UTF8 = 1, 2, 3, 4, 5
CHECKSUM_SEED = 0x243F6A8885A308D3
CHECKSUM_PRIME = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1
MAX_ATTEMPTS = 1000

# header: magic, major, minor, header_size, slot_size, slot_count, slots_offset, dir_offset,
# dir_count, dir_entry_size, sample_offset, sample_size, writer_pid, writer_start_unix_ns,
# heartbeat_count, heartbeat_unix_ns, heartbeat_mono_ns, writer_flags, reserved x3, ready
HEADER = struct.Struct("<QHHIIIQIIIIIIqQqqQ3QQ")
DIR_ENTRY = struct.Struct("<32s8sIIIII4x")
SLOT_HEADER = struct.Struct("<QQIIq32x64s")
SEQ = struct.Struct("<Q")


class RegistryError(Exception):
    pass


def checksum(sample):
    """The sample checksum: over sample bytes [8, len) as little-endian u64 words w[i]. Word i
    belongs to lane i % 8; each lane absorbs its words two at a time (see docs/shm-abi.md)."""
    words = [w for (w,) in struct.iter_unpack("<Q", sample[8:])]
    h = [CHECKSUM_SEED + lane for lane in range(8)]
    for block in range(0, len(words), 16):
        for lane in range(8):
            a = block + lane
            if a >= len(words):
                break
            x = words[a]
            if a + 8 < len(words):
                y = words[a + 8]
                x ^= ((y << 32) | (y >> 32)) & MASK
            h[lane] = ((h[lane] ^ x) * CHECKSUM_PRIME) & MASK
    r = h[0]
    for lane in range(1, 8):
        r = ((r ^ h[lane]) * CHECKSUM_PRIME) & MASK
    return r ^ (r >> 32)


def _text(raw):
    return raw.split(b"\0", 1)[0].decode("utf-8", errors="replace")


class Field:
    def __init__(self, name, unit, type_, size, offset, count, stride):
        self.name, self.unit, self.type = name, unit, type_
        self.size, self.offset, self.count, self.stride = size, offset, count, stride

    def value(self, sample, index=0):
        at = self.offset + index * self.stride
        if self.type == TYPE_U64:
            return struct.unpack_from("<Q", sample, at)[0]
        if self.type == TYPE_I64:
            return struct.unpack_from("<q", sample, at)[0]
        if self.type == TYPE_F64:
            v = struct.unpack_from("<d", sample, at)[0]
            return v if math.isfinite(v) else None  # JSON has no NaN or infinity
        if self.type == TYPE_U32:
            return struct.unpack_from("<I", sample, at)[0]
        if self.type == TYPE_UTF8:
            return _text(sample[at:at + self.size])
        return None

    def values(self, sample):
        if self.count == 1:
            return self.value(sample)
        return [self.value(sample, i) for i in range(self.count)]


class Slot:
    def __init__(self, index, seq, generation, state, vm_id, sample):
        self.index, self.seq, self.generation = index, seq, generation
        self.state, self.vm_id, self.sample = state, vm_id, sample


class Registry:
    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if st.st_size < HEADER.size:
                raise RegistryError(f"registry {path}: truncated: {st.st_size} bytes, smaller than the "
                                    f"{HEADER.size}-byte header")
            self.ident = (st.st_dev, st.st_ino)
            self.mm = mmap.mmap(f.fileno(), st.st_size, prot=mmap.PROT_READ)
        (magic, major, minor, header_size, self.slot_size, self.slot_count, self.slots_offset,
         dir_offset, dir_count, dir_entry_size, self.sample_offset, self.sample_size,
         self.writer_pid, self.writer_start_unix_ns, _hb, _hbu, _hbm, self.writer_flags,
         _r0, _r1, _r2, ready) = HEADER.unpack_from(self.mm, 0)
        self.version = (major, minor)
        if magic != MAGIC:
            raise RegistryError(f"registry {path}: bad magic 0x{magic:016x}: not a vmpulse registry")
        if major != VERSION_MAJOR:
            raise RegistryError(f"registry {path}: ABI major version {major}.{minor} is not supported by "
                                f"this reader (it reads major {VERSION_MAJOR})")
        if ready != READY:
            raise RegistryError(f"registry {path}: not ready: the writer has not finished initialising it")
        end = self.slots_offset + self.slot_count * self.slot_size
        if (header_size < HEADER.size or dir_entry_size < DIR_ENTRY.size or self.sample_size % 8
                or self.sample_offset + self.sample_size > self.slot_size
                or dir_offset + dir_count * dir_entry_size > self.slots_offset):
            raise RegistryError(f"registry {path}: inconsistent sizes in the header")
        if len(self.mm) < end:
            raise RegistryError(f"registry {path}: truncated: {len(self.mm)} bytes, the header describes {end}")
        self.fields = {}
        for i in range(dir_count):
            name, unit, type_, size, offset, count, stride = DIR_ENTRY.unpack_from(
                self.mm, dir_offset + i * dir_entry_size)
            f = Field(_text(name), _text(unit), type_, size, offset, count, stride)
            self.fields[f.name] = f

    def heartbeat(self):
        """(count, unix_ns, mono_ns) of the writer's last heartbeat."""
        h = HEADER.unpack_from(self.mm, 0)
        return h[14], h[15], h[16]

    def is_replaced(self):
        """True when the path no longer names the mapped file (a new collector replaced it)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return True
        return (st.st_dev, st.st_ino) != self.ident

    def read(self, index):
        """A consistent copy of slot `index` (a Slot), or None after MAX_ATTEMPTS tries."""
        base = self.slots_offset + index * self.slot_size
        n = self.sample_offset + self.sample_size
        for _ in range(MAX_ATTEMPTS):
            s1 = SEQ.unpack_from(self.mm, base)[0]
            if s1 & 1 == 0:
                raw = self.mm[base:base + n]
                s2 = SEQ.unpack_from(self.mm, base)[0]
                seq, generation, state, _, _, vm_id = SLOT_HEADER.unpack_from(raw, 0)
                sample = raw[self.sample_offset:]
                if s1 == s2 and seq == s1 and (state == 0 or checksum(sample) == struct.unpack_from("<Q", sample)[0]):
                    return Slot(index, seq, generation, state, _text(vm_id), sample)
            time.sleep(0)
        return None

    def live(self):
        """Consistent copies of every live or final slot; slots that cannot be read are reported on stderr."""
        for i in range(self.slot_count):
            slot = self.read(i)
            if slot is None:
                print(f"slot {i}: no consistent copy after {MAX_ATTEMPTS} attempts", file=sys.stderr)
            elif slot.state != 0:
                yield slot

    def close(self):
        self.mm.close()


def slot_dict(reg, slot):
    return {
        "slot": slot.index,
        "vm_id": slot.vm_id,
        "generation": slot.generation,
        "state": STATE_NAMES.get(slot.state, str(slot.state)),
        "seq": slot.seq,
        "checksum_ok": checksum(slot.sample) == struct.unpack_from("<Q", slot.sample)[0],
        "fields": {f.name: f.values(slot.sample) for f in reg.fields.values()},
    }


def check(reg, seconds):
    """Reads every live slot for `seconds`; counts copies accepted and copies torn (seq agreed, checksum did not)."""
    accepted = torn = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for i in range(reg.slot_count):
            base = reg.slots_offset + i * reg.slot_size
            s1 = SEQ.unpack_from(reg.mm, base)[0]
            raw = reg.mm[base:base + reg.sample_offset + reg.sample_size]
            s2 = SEQ.unpack_from(reg.mm, base)[0]
            if s1 & 1 or s1 != s2 or SLOT_HEADER.unpack_from(raw, 0)[2] == 0:
                continue
            accepted += 1
            sample = raw[reg.sample_offset:]
            if checksum(sample) != struct.unpack_from("<Q", sample)[0]:
                torn += 1
    print(f"accepted={accepted} torn={torn}")
    return 2 if torn else 0


def main(argv=None):
    p = argparse.ArgumentParser(description="Print the live slots of a vmpulse registry.")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--check", type=float, metavar="SECONDS",
                   help="torn-read check: read for SECONDS, count copies whose seq agreed but checksum did not")
    p.add_argument("path", nargs="?", default="/dev/shm/vmpulse")
    args = p.parse_args(argv)
    try:
        reg = Registry(args.path)
    except (OSError, RegistryError) as e:
        print(e, file=sys.stderr)
        return 1
    try:
        if args.check is not None:
            return check(reg, args.check)
        slots = [slot_dict(reg, s) for s in reg.live()]
        if args.json:
            json.dump(slots, sys.stdout, indent=1)
            print()
            return 0
        for s in slots:
            fields = s["fields"]
            print(f"slot {s['slot']} vm {s['vm_id']} generation {s['generation']} {s['state']}")
            for f in reg.fields.values():
                v = fields[f.name]
                if isinstance(v, list):
                    # An array of structs X (members X.m) lists only its first X_count elements,
                    # and so does an array of texts X_m beside it (fs_device beside fs).
                    group = f.name.split(".")[0] if "." in f.name else f.name.split("_")[0]
                    v = " ".join(str(x) for x in v[:fields.get(group + "_count", len(v))])
                print(f"  {f.name:<30} {v} {f.unit}")
        return 0
    finally:
        reg.close()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
