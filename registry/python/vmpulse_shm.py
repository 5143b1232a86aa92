#!/usr/bin/env python3
r"""Read the vmpulse shared-memory registry (stdlib only).

    python3 registry/python/vmpulse_shm.py [--json] [PATH]          print every live slot
    python3 registry/python/vmpulse_shm.py --check SECONDS [PATH]   torn-read check (exit 2 if torn)

PATH defaults to DEFAULT_PATH (/run/vmpulse/registry). Every sample field is found by name in
the file's field directory, so this reader needs no change when a minor version adds fields. The
layout is documented in docs/shm-abi.md.

No SIGBUS. Python cannot survive SIGBUS, which touching a mapping past the end of a file that was
truncated under it raises. So this reader does not map the file: it copies each slot with one
os.pread on a descriptor it keeps open (a system call per slot, never per value). A truncated file
then gives a short read, reported as a RegistryError; a deleted or replaced file stays readable
through the descriptor, and is_replaced() tells.

Text. Guest text is printed escaped: control characters as \xNN, a backslash as \\, invalid
UTF-8 as U+FFFD; --json output is ASCII-only valid JSON.

Used blocks (1.4). The writer publishes only the 128-byte blocks of the sample that its slot
header's used_blocks marks; the others are zero. This reader still copies the whole slot and, for
a file of minor version 4 or later, zeroes the blocks not marked before using or hashing it.

Consistency. Python cannot issue memory fences. A slot is read as: seq1 = load of seq; one
bytes copy of the whole slot (one pread, a single copy in the kernel); seq2 = load of seq; the copy is
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
import os
import struct
import sys
import time

DEFAULT_PATH = "/run/vmpulse/registry"
MAGIC = 0x0045534C55504D56
VERSION_MAJOR = 1
READY = 1
STATE_FREE, STATE_LIVE, STATE_FINAL = 0, 1, 2
STATE_NAMES = {STATE_FREE: "free", STATE_LIVE: "live", STATE_FINAL: "final"}
TYPE_U64, TYPE_I64, TYPE_F64, TYPE_U32, TYPE_UTF8 = 1, 2, 3, 4, 5
KNOWN_TYPES = (TYPE_U64, TYPE_I64, TYPE_F64, TYPE_U32, TYPE_UTF8)
CHECKSUM_SEED = 0x243F6A8885A308D3
CHECKSUM_PRIME = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1
MAX_ATTEMPTS = 1000  # seqlock attempts per slot (VMPULSE_READ_ATTEMPTS); the CPU is yielded between them

# header: magic, major, minor, header_size, slot_size, slot_count, slots_offset, dir_offset,
# dir_count, dir_entry_size, sample_offset, sample_size, writer_pid, writer_start_unix_ns,
# heartbeat_count, heartbeat_unix_ns, heartbeat_mono_ns, writer_flags, reserved x3, ready
HEADER = struct.Struct("<QHHIIIQIIIIIIqQqqQ3QQ")
DIR_ENTRY = struct.Struct("<32s8sIIIIII")
# slot header: seq, generation, state, reserved, claimed_unix_ns, used_blocks x4 (1.4), vm_id
SLOT_HEADER = struct.Struct("<QQIIq4Q64s")
BLOCK_FIRST, BLOCK_BYTES, MAP_BLOCKS = 8, 128, 256  # used_blocks: block b = sample bytes [8 + 128 b, +128)
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


def published(sample, used):
    """Since 1.4 the writer copies only the sample blocks whose bit is set in the slot header's
    used_blocks (four u64 words); the rest are zero in the slot. Returns the sample with them zero,
    which is what the checksum covers (blocks past the map's 256 are always kept)."""
    out = bytearray(sample)
    for b, at in enumerate(range(BLOCK_FIRST, len(sample), BLOCK_BYTES)):
        if b < MAP_BLOCKS and not (used[b // 64] >> (b % 64)) & 1:
            end = min(at + BLOCK_BYTES, len(sample))
            out[at:end] = bytes(end - at)
    return bytes(out)


def _text(raw):
    return raw.split(b"\0", 1)[0].decode("utf-8", errors="replace")


def _is_control(ch):
    c = ord(ch)
    return c < 0x20 or 0x7F <= c <= 0x9F


def escape_text(text):
    """Text safe for a terminal: control characters as \\xNN and a backslash as \\\\ (invalid
    UTF-8 was already decoded to U+FFFD)."""
    return "".join("\\\\" if ch == "\\" else f"\\x{ord(ch):02x}" if _is_control(ch) else ch for ch in text)


class Field:
    def __init__(self, name, unit, type_, size, offset, count, stride, presence=0):
        self.name, self.unit, self.type = name, unit, type_
        self.size, self.offset, self.count, self.stride = size, offset, count, stride
        self.presence = presence  # PRESENT_* bits this field needs (1.3; 0: always, or not stated)

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
        self.fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            self._open()
        except Exception:
            os.close(self.fd)
            raise

    def _pread(self, size, offset):
        data = os.pread(self.fd, size, offset)
        if len(data) < size:
            raise RegistryError(f"registry {self.path} was truncated to {os.fstat(self.fd).st_size} bytes while "
                                f"being read (it needs {self.needed}); it is damaged")
        return data

    def _open(self):
        path = self.path
        st = os.fstat(self.fd)
        if st.st_size < HEADER.size:
            raise RegistryError(f"registry {path}: truncated: {st.st_size} bytes, smaller than the "
                                f"{HEADER.size}-byte header")
        self.ident = (st.st_dev, st.st_ino)
        header = os.pread(self.fd, HEADER.size, 0)
        (magic, major, minor, header_size, self.slot_size, self.slot_count, self.slots_offset,
         dir_offset, dir_count, dir_entry_size, self.sample_offset, self.sample_size,
         self.writer_pid, self.writer_start_unix_ns, _hb, _hbu, _hbm, self.writer_flags,
         _r0, _r1, _r2, ready) = HEADER.unpack_from(header, 0)
        self.version = (major, minor)
        if magic != MAGIC:
            raise RegistryError(f"registry {path}: bad magic 0x{magic:016x}: not a vmpulse registry")
        if major != VERSION_MAJOR:
            raise RegistryError(f"registry {path}: ABI major version {major}.{minor} is not supported by "
                                f"this reader (it reads major {VERSION_MAJOR})")
        if ready != READY:
            raise RegistryError(f"registry {path}: not ready: the writer has not finished initialising it")
        if header_size < HEADER.size:
            raise RegistryError(f"registry {path}: header_size is below 128")
        if self.sample_offset < SLOT_HEADER.size or self.sample_offset % 8:
            raise RegistryError(f"registry {path}: sample_offset is below 128 or not a multiple of 8")
        if self.sample_size < 8 or self.sample_size % 8:
            raise RegistryError(f"registry {path}: sample_size is not a positive multiple of 8")
        if self.slot_size % 8 or self.sample_offset + self.sample_size > self.slot_size:
            raise RegistryError(f"registry {path}: slot_size is not a multiple of 8 or cannot hold the sample")
        if dir_entry_size < DIR_ENTRY.size:
            raise RegistryError(f"registry {path}: dir_entry_size is below 64")
        if (self.slots_offset % 8 or dir_offset < header_size
                or dir_offset + dir_count * dir_entry_size > self.slots_offset):
            raise RegistryError(f"registry {path}: the field directory does not lie between the header and the slots")
        self.needed = self.slots_offset + self.slot_count * self.slot_size
        if st.st_size < self.needed:
            raise RegistryError(f"registry {path}: truncated: {st.st_size} bytes, the header describes {self.needed}")
        directory = self._pread(dir_count * dir_entry_size, dir_offset)
        self.fields = {}
        for i in range(dir_count):
            name, unit, type_, size, offset, count, stride, presence = DIR_ENTRY.unpack_from(
                directory, i * dir_entry_size)
            if type_ not in KNOWN_TYPES:
                continue  # a type newer than this reader: skip the field, not the file
            f = Field(_text(name), _text(unit), type_, size, offset, count, stride, presence)
            if count < 1 or stride < size or offset + (count - 1) * stride + size > self.sample_size:
                raise RegistryError(f"registry {path}: field '{f.name}' lies outside the {self.sample_size}-byte sample")
            self.fields[f.name] = f

    def heartbeat(self):
        """(count, unix_ns, mono_ns) of the writer's last heartbeat."""
        h = HEADER.unpack_from(self._pread(HEADER.size, 0), 0)
        return h[14], h[15], h[16]

    def is_replaced(self):
        """True when the path no longer names the file read (a new collector replaced it, or it was deleted)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return True
        return (st.st_dev, st.st_ino) != self.ident

    def read(self, index):
        """A consistent copy of slot `index` (a Slot), or None after MAX_ATTEMPTS tries (yielding the
        CPU between them). Raises RegistryError when the file was truncated under the reader."""
        base = self.slots_offset + index * self.slot_size
        n = self.sample_offset + self.sample_size
        for _ in range(MAX_ATTEMPTS):
            s1 = SEQ.unpack(self._pread(8, base))[0]
            if s1 & 1 == 0:
                raw = self._pread(n, base)
                s2 = SEQ.unpack(self._pread(8, base))[0]
                seq, generation, state, _, _, u0, u1, u2, u3, vm_id = SLOT_HEADER.unpack_from(raw, 0)
                sample = self._published(raw[self.sample_offset:], (u0, u1, u2, u3))
                if s1 == s2 and seq == s1 and (state == 0 or checksum(sample) == struct.unpack_from("<Q", sample)[0]):
                    return Slot(index, seq, generation, state, _text(vm_id), sample)
            time.sleep(0)
        return None

    def _published(self, sample, used):
        return published(sample, used) if self.version[1] >= 4 else sample

    def live(self):
        """Consistent copies of every live or final slot (free slots and states newer than this
        reader are skipped); slots that cannot be read are reported on stderr."""
        for i in range(self.slot_count):
            slot = self.read(i)
            if slot is None:
                print(f"slot {i}: no consistent copy after {MAX_ATTEMPTS} attempts", file=sys.stderr)
            elif slot.state in (STATE_LIVE, STATE_FINAL):
                yield slot

    def close(self):
        os.close(self.fd)


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


def shown(value):
    return escape_text(value) if isinstance(value, str) else str(value)


def check(reg, seconds):
    """Reads every live slot for `seconds`; counts copies accepted and copies torn (seq agreed, checksum did not)."""
    accepted = torn = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if reg.is_replaced():
            raise RegistryError(f"registry {reg.path} was deleted or replaced while being read; stopping")
        for i in range(reg.slot_count):
            base = reg.slots_offset + i * reg.slot_size
            s1 = SEQ.unpack(reg._pread(8, base))[0]
            raw = reg._pread(reg.sample_offset + reg.sample_size, base)
            s2 = SEQ.unpack(reg._pread(8, base))[0]
            if s1 & 1 or s1 != s2 or SLOT_HEADER.unpack_from(raw, 0)[2] not in (STATE_LIVE, STATE_FINAL):
                continue
            accepted += 1
            sample = reg._published(raw[reg.sample_offset:], SLOT_HEADER.unpack_from(raw, 0)[5:9])
            if checksum(sample) != struct.unpack_from("<Q", sample)[0]:
                torn += 1
    print(f"accepted={accepted} torn={torn}")
    return 2 if torn else 0


def main(argv=None):
    p = argparse.ArgumentParser(description="Print the live slots of a vmpulse registry.")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--check", type=float, metavar="SECONDS",
                   help="torn-read check: read for SECONDS, count copies whose seq agreed but checksum did not")
    p.add_argument("path", nargs="?", default=DEFAULT_PATH)
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
            json.dump(slots, sys.stdout, indent=1, ensure_ascii=True)
            print()
            return 0
        for s in slots:
            fields = s["fields"]
            print(f"slot {s['slot']} vm {escape_text(s['vm_id'])} generation {s['generation']} {s['state']}")
            for f in reg.fields.values():
                v = fields[f.name]
                if isinstance(v, list):
                    # An array of structs X (members X.m) lists only its first X_count elements,
                    # and so does an array of texts X_m beside it (fs_device beside fs).
                    group = f.name.split(".")[0] if "." in f.name else f.name.split("_")[0]
                    v = " ".join(shown(x) for x in v[:fields.get(group + "_count", len(v))])
                else:
                    v = shown(v)
                print(f"  {f.name:<30} {v} {f.unit}")
        return 0
    except RegistryError as e:
        print(e, file=sys.stderr)
        return 1
    finally:
        reg.close()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
