/*
 * vmpulse_shm.h: read the vmpulse shared-memory registry from C (header only; C11 with POSIX
 * 2008: gcc -std=gnu11, or -std=c11 -D_POSIX_C_SOURCE=200809L; uses GCC/Clang __atomic builtins).
 *
 * The layout is an ABI, documented byte by byte in docs/shm-abi.md; the Java writer's
 * constants (io.vmpulse.registry.layout.RegistryLayout, io.vmpulse.registry.layout.RecordFields)
 * are compared with the offsetof/sizeof of these structs by a test. Everything is little-endian
 * and every 8-byte field is 8-aligned, so on a little-endian host the structs below can be laid
 * directly over the mapping.
 *
 * Version rules: a reader built for ABI major 1 reads any 1.x file. Minor versions only append
 * fields to the sample (and entries to the field directory) and grow sample_size; they never
 * move a field. Use header.sample_offset, header.sample_size, header.slot_size and
 * header.slots_offset from the file, never the sizeof of these structs, to step through it.
 * Fields newer than this header are found by name with vmpulse_find_field().
 *
 * Usage:
 *     struct vmpulse_registry reg;
 *     char err[256];
 *     if (vmpulse_open(&reg, VMPULSE_DEFAULT_PATH, err, sizeof err) != 0) { puts(err); ... }
 *     unsigned char *copy = malloc(vmpulse_slot_copy_size(&reg));
 *     int n = vmpulse_read_slot(&reg, 3, copy, VMPULSE_READ_ATTEMPTS);
 *     if (n > 0) {
 *         const struct vmpulse_slot_header *h = (const void *)copy;
 *         const struct vmpulse_sample *s = (const void *)(copy + reg.header->sample_offset);
 *         ... skip h->state other than VMPULSE_STATE_LIVE and VMPULSE_STATE_FINAL
 *     } else if (n < 0) {
 *         ... the file was truncated under us: vmpulse_close() and open it again later
 *     }
 *
 * A file truncated under a reader: touching a page past its new end raises SIGBUS.
 * vmpulse_read_slot() checks the file's size (fstat on the descriptor kept open) before every
 * copy and returns -1 instead; a truncation racing that check can still raise SIGBUS, so a
 * program that must never die installs a SIGBUS handler around its reads (vmpulse_dump.c does).
 * A deleted or replaced file stays mapped and readable; vmpulse_is_replaced() tells.
 *
 * Text fields hold whatever the writer stored, and some come from the untrusted guest: before
 * printing one, escape control characters and invalid UTF-8 (see vmpulse_dump.c, put_text).
 */
#ifndef VMPULSE_SHM_H
#define VMPULSE_SHM_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vmpulse_shm.h lays structs over a little-endian file: this host is big-endian"
#endif

/* Where the collector publishes the registry by default (RegistryLayout.DEFAULT_PATH). */
#define VMPULSE_DEFAULT_PATH "/run/vmpulse/registry"

#define VMPULSE_HEARTBEAT_PERIOD_MS 250     /* the writer's heartbeat advances at least this often */
#define VMPULSE_WRITER_DEAD_AFTER_MS 2000   /* no heartbeat for this long: call the writer dead */
#define VMPULSE_READ_ATTEMPTS 1000          /* seqlock attempts per slot before giving up on it */
#define VMPULSE_READ_SPINS 64               /* attempts retried at once; later ones sched_yield first */

#define VMPULSE_MAGIC 0x0045534C55504D56ULL /* "VMPULSE\0" as a little-endian u64 */
#define VMPULSE_VERSION_MAJOR 1
#define VMPULSE_VERSION_MINOR 4
#define VMPULSE_READY 1ULL
#define VMPULSE_WRITER_CLOSED 1ULL /* header.writer_flags */

#define VMPULSE_STATE_FREE 0u
#define VMPULSE_STATE_LIVE 1u
#define VMPULSE_STATE_FINAL 2u

#define VMPULSE_TYPE_U64 1u
#define VMPULSE_TYPE_I64 2u
#define VMPULSE_TYPE_F64 3u
#define VMPULSE_TYPE_U32 4u
#define VMPULSE_TYPE_UTF8 5u

/* sample.flags */
#define VMPULSE_FLAG_GUEST_CONNECTED (1ULL << 0)
#define VMPULSE_FLAG_GUEST_STALE (1ULL << 1)
#define VMPULSE_FLAG_FINAL (1ULL << 2)
#define VMPULSE_FLAG_VCPU_FAILING (1ULL << 8)
#define VMPULSE_FLAG_PROCESS_FAILING (1ULL << 9)
#define VMPULSE_FLAG_CGROUP_FAILING (1ULL << 10)
#define VMPULSE_FLAG_BLOCK_FAILING (1ULL << 11)
#define VMPULSE_FLAG_NET_FAILING (1ULL << 12)
#define VMPULSE_FLAG_BALLOON_FAILING (1ULL << 13)

/* sample.presence */
#define VMPULSE_PRESENT_GUEST_CPU (1ULL << 0)
#define VMPULSE_PRESENT_GUEST_MEMORY (1ULL << 1)
#define VMPULSE_PRESENT_GUEST_FS (1ULL << 2)
#define VMPULSE_PRESENT_GUEST_RATES (1ULL << 3)
#define VMPULSE_PRESENT_HOST_VCPU (1ULL << 8)
#define VMPULSE_PRESENT_HOST_PROCESS (1ULL << 9)
#define VMPULSE_PRESENT_HOST_CGROUP (1ULL << 10)
#define VMPULSE_PRESENT_HOST_BLOCK (1ULL << 11)
#define VMPULSE_PRESENT_HOST_NET (1ULL << 12)
#define VMPULSE_PRESENT_HOST_BALLOON (1ULL << 13)
#define VMPULSE_PRESENT_HOST_RATES (1ULL << 14)
/* added in 1.2; a file of minor version < 2 never sets them: there, trust the group bit alone */
#define VMPULSE_PRESENT_HOST_DISK_OPS (1ULL << 15)    /* disk_*_ops, disk_*_ops_per_s */
#define VMPULSE_PRESENT_HOST_NET_DROPS (1ULL << 16)   /* net_*_drops */
#define VMPULSE_PRESENT_HOST_NET_ERRORS (1ULL << 17)  /* net_*_errors */

/* fs[i].flags */
#define VMPULSE_FS_ERROR (1u << 0)
#define VMPULSE_FS_READ_ONLY (1u << 1)

#define VMPULSE_BOOT_ID_BYTES 40
#define VMPULSE_MAX_FILESYSTEMS 8
#define VMPULSE_FS_MOUNT_POINT_BYTES 64
#define VMPULSE_FS_TYPE_BYTES 16
#define VMPULSE_MAX_VCPUS 32
#define VMPULSE_VM_ID_BYTES 64
#define VMPULSE_MAX_GUEST_CPUS 32       /* 1.3 */
#define VMPULSE_MAX_DISKS 8             /* 1.3 */
#define VMPULSE_MAX_NICS 8              /* 1.3 */

/* 1.4: slot_header.used_blocks; block b is sample bytes [8 + 128 b, 8 + 128 (b + 1)) */
#define VMPULSE_BLOCK_FIRST 8
#define VMPULSE_BLOCK_BYTES 128
#define VMPULSE_USED_BLOCKS_WORDS 4
#define VMPULSE_MAP_BLOCKS (VMPULSE_USED_BLOCKS_WORDS * 64) /* blocks past these are always copied */

#define VMPULSE_CHECKSUM_SEED 0x243F6A8885A308D3ULL
#define VMPULSE_CHECKSUM_PRIME 0x9E3779B97F4A7C15ULL

struct vmpulse_header {                 /* at file offset 0, 128 bytes */
    uint64_t magic;                     /*   0 VMPULSE_MAGIC */
    uint16_t version_major;             /*   8 */
    uint16_t version_minor;             /*  10 */
    uint32_t header_size;               /*  12 */
    uint32_t slot_size;                 /*  16 */
    uint32_t slot_count;                /*  20 */
    uint64_t slots_offset;              /*  24 file offset of slot 0 */
    uint32_t dir_offset;                /*  32 file offset of the field directory */
    uint32_t dir_count;                 /*  36 */
    uint32_t dir_entry_size;            /*  40 */
    uint32_t sample_offset;             /*  44 offset of the sample within a slot */
    uint32_t sample_size;               /*  48 */
    uint32_t writer_pid;                /*  52 */
    int64_t writer_start_unix_ns;       /*  56 CLOCK_REALTIME */
    uint64_t heartbeat_count;           /*  64 */
    int64_t heartbeat_unix_ns;          /*  72 CLOCK_REALTIME */
    int64_t heartbeat_mono_ns;          /*  80 CLOCK_MONOTONIC */
    uint64_t writer_flags;              /*  88 VMPULSE_WRITER_CLOSED */
    uint64_t reserved[3];               /*  96 */
    uint64_t ready;                     /* 120 VMPULSE_READY, written last */
};

struct vmpulse_dir_entry {              /* 64 bytes each, dir_count of them at dir_offset */
    char name[32];                      /*   0 NUL-padded */
    char unit[8];                       /*  32 NUL-padded */
    uint32_t type;                      /*  40 VMPULSE_TYPE_* */
    uint32_t size;                      /*  44 bytes of one element */
    uint32_t offset;                    /*  48 of element 0 within the sample */
    uint32_t count;                     /*  52 elements */
    uint32_t stride;                    /*  56 bytes between elements */
    uint32_t presence;                  /*  60 VMPULSE_PRESENT_* bits this field needs (1.3; 0: always) */
};

struct vmpulse_slot_header {            /* at slots_offset + i * slot_size, 128 bytes */
    uint64_t seq;                       /*   0 seqlock: odd while the writer writes */
    uint64_t generation;                /*   8 changes whenever the slot is claimed */
    uint32_t state;                     /*  16 VMPULSE_STATE_* */
    uint32_t reserved0;                 /*  20 */
    int64_t claimed_unix_ns;            /*  24 */
    uint64_t used_blocks[4];            /*  32 1.4: bit b set = sample block b was published; clear = all zero */
    char vm_id[64];                     /*  64 UTF-8, NUL-padded */
};

struct vmpulse_fs {                     /* 136 bytes */
    char mount_point[64];
    char fs_type[16];
    uint64_t size_bytes;
    uint64_t free_bytes;
    uint64_t available_bytes;
    uint64_t inodes_total;
    uint64_t inodes_free;
    double used_pct;
    uint32_t flags;                     /* VMPULSE_FS_* */
    uint32_t pad;
};

struct vmpulse_vcpu {                   /* 16 bytes */
    uint64_t run_ns;
    uint64_t wait_ns;
};

struct vmpulse_cpu {                    /* 88 bytes (1.3) */
    uint32_t number;                    /* N of the guest's "cpuN" line */
    uint32_t pad;
    uint64_t user_ns;
    uint64_t nice_ns;
    uint64_t system_ns;
    uint64_t idle_ns;
    uint64_t iowait_ns;
    uint64_t irq_ns;
    uint64_t softirq_ns;
    uint64_t steal_ns;
    uint64_t guest_ns;
    uint64_t guest_nice_ns;
};

struct vmpulse_disk {                   /* 64 bytes (1.3) */
    char name[32];
    uint64_t read_bytes;
    uint64_t write_bytes;
    uint64_t read_ops;
    uint64_t write_ops;
};

struct vmpulse_nic {                    /* 80 bytes (1.3); guest's point of view */
    char name[16];
    uint64_t rx_bytes;
    uint64_t tx_bytes;
    uint64_t rx_packets;
    uint64_t tx_packets;
    uint64_t rx_drops;
    uint64_t tx_drops;
    uint64_t rx_errors;
    uint64_t tx_errors;
};

struct vmpulse_sample {                 /* at slot + sample_offset; sizeof = sample_size of 1.3 */
    /* meta */
    uint64_t checksum;                  /* vmpulse_checksum() of the bytes after it */
    uint64_t flags;                     /* VMPULSE_FLAG_* */
    uint64_t presence;                  /* VMPULSE_PRESENT_* */
    int64_t last_guest_unix_ns;
    int64_t last_guest_mono_ns;
    int64_t last_host_unix_ns;
    int64_t last_host_mono_ns;
    uint64_t rate_interval_ns;
    uint64_t rejected_messages;
    uint64_t guest_restarts;
    uint64_t counter_resets;
    uint64_t dropped_samples;
    /* guest half (guest-reported) */
    uint64_t guest_seq;
    int64_t guest_wall_unix_ns;
    int64_t guest_mono_ns;
    char boot_id[40];
    uint64_t cpu_user_ns;
    uint64_t cpu_nice_ns;
    uint64_t cpu_system_ns;
    uint64_t cpu_idle_ns;
    uint64_t cpu_iowait_ns;
    uint64_t cpu_irq_ns;
    uint64_t cpu_softirq_ns;
    uint64_t cpu_steal_ns;
    uint64_t cpu_guest_ns;
    uint64_t cpu_guest_nice_ns;
    uint32_t cpu_online;
    uint32_t cpu_columns;
    uint64_t cpu_ctxt;
    uint64_t cpu_forks;
    uint32_t procs_running;
    uint32_t procs_blocked;
    int64_t boot_time_unix_s;
    uint32_t guest_interval_ms;
    uint32_t mem_available_derived;
    uint64_t mem_total_bytes;
    uint64_t mem_free_bytes;
    uint64_t mem_available_bytes;
    uint64_t mem_buffers_bytes;
    uint64_t mem_cached_bytes;
    uint64_t mem_sreclaimable_bytes;
    uint64_t mem_shmem_bytes;
    uint64_t swap_total_bytes;
    uint64_t swap_free_bytes;
    uint64_t mem_dirty_bytes;
    uint64_t mem_writeback_bytes;
    uint64_t hugepages_total;
    uint64_t hugepages_free;
    uint64_t hugepage_size_bytes;
    uint32_t fs_count;
    uint32_t fs_omitted;
    struct vmpulse_fs fs[VMPULSE_MAX_FILESYSTEMS];
    /* host half */
    uint32_t vcpu_count;
    uint32_t pad0;
    uint64_t vcpu_run_ns;
    uint64_t vcpu_wait_ns;
    struct vmpulse_vcpu vcpu[VMPULSE_MAX_VCPUS];
    uint64_t vmm_cpu_ns;
    uint64_t vmm_rss_bytes;
    uint64_t vmm_pss_bytes;
    uint64_t vmm_threads;
    uint64_t cgroup_cpu_ns;
    uint64_t cgroup_memory_bytes;
    uint64_t cgroup_io_read_bytes;
    uint64_t cgroup_io_write_bytes;
    uint64_t disk_read_bytes;
    uint64_t disk_write_bytes;
    uint64_t disk_read_ops;
    uint64_t disk_write_ops;
    uint64_t net_rx_bytes;              /* guest's point of view: what the guest received */
    uint64_t net_tx_bytes;
    uint64_t net_rx_packets;
    uint64_t net_tx_packets;
    uint64_t net_rx_drops;
    uint64_t net_tx_drops;
    uint64_t net_rx_errors;
    uint64_t net_tx_errors;
    uint64_t balloon_target_bytes;
    uint64_t balloon_actual_bytes;
    uint64_t balloon_free_bytes;
    uint64_t balloon_total_bytes;
    uint64_t balloon_available_bytes;
    /* rates over the last interval */
    double guest_cpu_busy_pct;
    double guest_cpu_steal_pct;
    double guest_cpu_idle_pct;
    double guest_cpu_iowait_pct;
    double mem_used_pct;
    double fs_used_max_pct;
    double host_vcpu_pct;
    double host_vcpu_pct_norm;
    double disk_read_bytes_per_s;
    double disk_write_bytes_per_s;
    double disk_read_ops_per_s;
    double disk_write_ops_per_s;
    double net_rx_bytes_per_s;
    double net_tx_bytes_per_s;
    double net_rx_packets_per_s;
    double net_tx_packets_per_s;
    uint64_t steal_guest_delta_ns;
    uint64_t steal_host_delta_ns;
    double steal_ratio;
    /* added in 1.1: check sample_size (or the directory) before reading it from an older file */
    uint64_t metrics_lines_skipped;
    /* added in 1.3: check sample_size (or the directory) before reading these from an older file */
    char hypervisor[16];
    char labels[512];                   /* "key=value" entries joined by '\n', sorted by key */
    uint32_t labels_omitted;
    uint32_t pad1;
    char agent_version[32];
    char kernel_release[64];
    uint64_t mem_committed_as_bytes;
    uint32_t cpu_count;
    uint32_t cpu_omitted;
    struct vmpulse_cpu cpu[VMPULSE_MAX_GUEST_CPUS];
    char fs_device[VMPULSE_MAX_FILESYSTEMS][64];
    uint32_t disk_count;
    uint32_t disk_omitted;
    struct vmpulse_disk disk[VMPULSE_MAX_DISKS];
    uint32_t nic_count;
    uint32_t nic_omitted;
    struct vmpulse_nic nic[VMPULSE_MAX_NICS];
    uint32_t vcpu_omitted;              /* vCPU threads numbered 32 and above: in the totals, not in vcpu[] */
    uint32_t pad2;
    /* added in 1.4: check sample_size (or the directory) before reading these from an older file */
    uint64_t vmm_cpu_user_ns;           /* the VMM's utime; vmm_cpu_ns = user + system */
    uint64_t vmm_cpu_system_ns;         /* the VMM's stime */
    uint64_t rejected_oversized;        /* rejects by reason: they add up to rejected_messages */
    uint64_t rejected_malformed;
    uint64_t rejected_hello;
    uint64_t rejected_sample;
    uint64_t rejected_connection;
    uint64_t throttled_messages;        /* delayed by the rate limit; not rejects */
    uint64_t duplicate_samples;         /* already held, acknowledged and dropped; not rejects */
};

_Static_assert(sizeof(struct vmpulse_header) == 128, "header is 128 bytes");
_Static_assert(sizeof(struct vmpulse_dir_entry) == 64, "directory entries are 64 bytes");
_Static_assert(sizeof(struct vmpulse_slot_header) == 128, "slot header is 128 bytes");
_Static_assert(sizeof(struct vmpulse_sample) == 7616, "sample of ABI 1.4 is 7616 bytes");

struct vmpulse_registry {
    const unsigned char *base;          /* the read-only mapping */
    size_t size;
    const struct vmpulse_header *header;
    const struct vmpulse_dir_entry *dir;
    dev_t dev;                          /* identity of the mapped file, for vmpulse_is_replaced */
    ino_t ino;
    int fd;                             /* kept open for the size check before each read */
};

/*
 * The checksum stored in sample.checksum: over sample bytes [8, len), len a multiple of 8, as
 * little-endian u64 words w[i]. Word i belongs to lane i % 8; each lane absorbs its words two at
 * a time: h = (h ^ u[k] ^ rotl(u[k+1], 32)) * PRIME, or (h ^ u[last]) * PRIME for an odd one out.
 */
static inline uint64_t vmpulse_checksum(const unsigned char *sample, size_t len)
{
    uint64_t h[8];
    for (int l = 0; l < 8; l++) {
        h[l] = VMPULSE_CHECKSUM_SEED + (uint64_t)l;
    }
    for (size_t block = 8; block < len; block += 128) {
        for (int l = 0; l < 8; l++) {
            size_t a = block + (size_t)l * 8;
            if (a >= len) {
                break;
            }
            uint64_t x, y;
            memcpy(&x, sample + a, 8);
            if (a + 64 < len) {
                memcpy(&y, sample + a + 64, 8);
                x ^= (y << 32) | (y >> 32);
            }
            h[l] = (h[l] ^ x) * VMPULSE_CHECKSUM_PRIME;
        }
    }
    uint64_t r = h[0];
    for (int l = 1; l < 8; l++) {
        r = (r ^ h[l]) * VMPULSE_CHECKSUM_PRIME;
    }
    return r ^ (r >> 32);
}

static inline void vmpulse_close(struct vmpulse_registry *r)
{
    if (r->base != NULL) {
        munmap((void *)r->base, r->size);
        r->base = NULL;
    }
    if (r->fd >= 0) {
        close(r->fd);
        r->fd = -1;
    }
}

/* Maps and validates the registry. Returns 0, or -1 with a message in err. */
static inline int vmpulse_open(struct vmpulse_registry *r, const char *path, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "registry %s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "registry %s: cannot stat: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if ((size_t)st.st_size < sizeof(struct vmpulse_header)) {
        snprintf(err, errlen, "registry %s: truncated: %lld bytes, smaller than the 128-byte header", path,
                 (long long)st.st_size);
        close(fd);
        return -1;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        snprintf(err, errlen, "registry %s: cannot map: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    r->fd = fd;
    r->base = p;
    r->size = (size_t)st.st_size;
    r->dev = st.st_dev;
    r->ino = st.st_ino;
    r->header = (const struct vmpulse_header *)p;
    const struct vmpulse_header *h = r->header;
    const char *bad = NULL;
    char why[160];
    if (h->magic != VMPULSE_MAGIC) {
        bad = "bad magic: not a vmpulse registry";
    } else if (h->version_major != VMPULSE_VERSION_MAJOR) {
        snprintf(why, sizeof why, "ABI major version %u.%u is not supported by this reader (it reads major %d)",
                 h->version_major, h->version_minor, VMPULSE_VERSION_MAJOR);
        bad = why;
    } else if (__atomic_load_n(&h->ready, __ATOMIC_ACQUIRE) != VMPULSE_READY) {
        bad = "not ready: the writer has not finished initialising it";
    } else if (h->header_size < sizeof(struct vmpulse_header)) {
        bad = "header_size is below 128";
    } else if (h->sample_offset < sizeof(struct vmpulse_slot_header) || h->sample_offset % 8 != 0) {
        bad = "sample_offset is below 128 or not a multiple of 8";
    } else if (h->sample_size < 8 || h->sample_size % 8 != 0) {
        bad = "sample_size is not a positive multiple of 8";
    } else if (h->slot_size % 8 != 0 || (uint64_t)h->sample_offset + h->sample_size > h->slot_size) {
        bad = "slot_size is not a multiple of 8 or cannot hold the sample";
    } else if (h->dir_entry_size < 64) {
        bad = "dir_entry_size is below 64";
    } else if (h->slots_offset % 8 != 0 || h->dir_offset < h->header_size
               || (uint64_t)h->dir_offset + (uint64_t)h->dir_count * h->dir_entry_size > h->slots_offset) {
        bad = "the field directory does not lie between the header and the slots";
    } else if (h->slots_offset + (uint64_t)h->slot_count * h->slot_size > r->size) {
        snprintf(why, sizeof why, "truncated: %zu bytes, the header describes %llu", r->size,
                 (unsigned long long)(h->slots_offset + (uint64_t)h->slot_count * h->slot_size));
        bad = why;
    }
    if (bad != NULL) {
        snprintf(err, errlen, "registry %s: %s", path, bad);
        vmpulse_close(r);
        return -1;
    }
    r->dir = (const struct vmpulse_dir_entry *)(r->base + h->dir_offset);
    /* Every field of a known type must lie inside the sample; unknown types are skipped by readers. */
    for (uint32_t i = 0; i < h->dir_count; i++) {
        const struct vmpulse_dir_entry *e =
            (const struct vmpulse_dir_entry *)((const unsigned char *)r->dir + (size_t)i * h->dir_entry_size);
        if (e->type < VMPULSE_TYPE_U64 || e->type > VMPULSE_TYPE_UTF8) {
            continue;
        }
        if (e->count < 1 || e->stride < e->size
            || (uint64_t)e->offset + (uint64_t)(e->count - 1) * e->stride + e->size > h->sample_size) {
            snprintf(err, errlen, "registry %s: field '%.*s' lies outside the %u-byte sample", path,
                     (int)strnlen(e->name, sizeof e->name), e->name, h->sample_size);
            vmpulse_close(r);
            return -1;
        }
    }
    return 0;
}

/* Bytes the header's slots need: the file must be at least this long. */
static inline uint64_t vmpulse_needed_size(const struct vmpulse_registry *r)
{
    return r->header->slots_offset + (uint64_t)r->header->slot_count * r->header->slot_size;
}

/* 0 while the mapped file still holds every slot; -1 (errno ESTALE) once it was truncated. */
static inline int vmpulse_check_size(const struct vmpulse_registry *r)
{
    struct stat st;
    if (fstat(r->fd, &st) != 0 || (uint64_t)st.st_size < vmpulse_needed_size(r)) {
        errno = ESTALE;
        return -1;
    }
    return 0;
}

/* True when path no longer names the mapped file: a new collector replaced it (or it was deleted). */
static inline int vmpulse_is_replaced(const struct vmpulse_registry *r, const char *path)
{
    struct stat st;
    return stat(path, &st) != 0 || st.st_dev != r->dev || st.st_ino != r->ino;
}

/* The directory entry called name, or NULL when this file's version has no such field (or has
 * it with a type newer than this header: skip such a field). */
static inline const struct vmpulse_dir_entry *vmpulse_find_field(const struct vmpulse_registry *r, const char *name)
{
    for (uint32_t i = 0; i < r->header->dir_count; i++) {
        const struct vmpulse_dir_entry *e =
            (const struct vmpulse_dir_entry *)((const unsigned char *)r->dir + (size_t)i * r->header->dir_entry_size);
        if (e->type >= VMPULSE_TYPE_U64 && e->type <= VMPULSE_TYPE_UTF8 && strncmp(e->name, name, sizeof e->name) == 0) {
            return e;
        }
    }
    return NULL;
}

/* Bytes vmpulse_read_slot copies: the slot header and the sample. */
static inline size_t vmpulse_slot_copy_size(const struct vmpulse_registry *r)
{
    return (size_t)r->header->sample_offset + r->header->sample_size;
}

static inline const unsigned char *vmpulse_slot(const struct vmpulse_registry *r, uint32_t slot)
{
    return r->base + r->header->slots_offset + (size_t)slot * r->header->slot_size;
}

/*
 * 1.4: copies the slot header, then the sample's checksum word and the blocks the copied header's
 * used_blocks marks; the other blocks are zero in the slot, and are zeroed in out. A torn
 * used_blocks is caught by the caller's seq check like any other torn byte.
 */
static inline void vmpulse_copy_used(const struct vmpulse_registry *r, const unsigned char *slot, void *out)
{
    unsigned char *o = out;
    size_t off = r->header->sample_offset, size = r->header->sample_size;
    memcpy(o, slot, off + VMPULSE_BLOCK_FIRST);
    const struct vmpulse_slot_header *h = (const struct vmpulse_slot_header *)o;
    for (size_t b = 0, at = VMPULSE_BLOCK_FIRST; at < size; b++, at += VMPULSE_BLOCK_BYTES) {
        size_t len = size - at < VMPULSE_BLOCK_BYTES ? size - at : VMPULSE_BLOCK_BYTES;
        if (b >= VMPULSE_MAP_BLOCKS || (h->used_blocks[b / 64] >> (b % 64) & 1)) {
            memcpy(o + off + at, slot + off + at, len);
        } else {
            memset(o + off + at, 0, len);
        }
    }
}

/*
 * Copies slot `slot` consistently into out (vmpulse_slot_copy_size bytes).
 * Returns the number of attempts it took (>= 1), or 0 when no consistent copy was obtained
 * within max_attempts (the writer kept writing it, or died in the middle of a write) or when
 * there is no such slot, or -1 (errno ESTALE) when the file was truncated under the reader:
 * the slot is not touched then (see vmpulse_check_size).
 * Between attempts it spins for the first 64, then yields the CPU (sched_yield) for the rest.
 *
 * The seqlock read side. The acquire load keeps the copy after the first seq load; the
 * acquire fence keeps every load of the copy before the second seq load (LoadLoad), which on
 * arm64 is a "dmb ishld" and on x86 only stops the compiler. With the writer's release ordering,
 * equal even values before and after mean no byte of the copy belongs to a concurrent write.
 * (The memcpy races with the writer, which C11 calls a data race; it is the standard seqlock
 * idiom, as in the Linux kernel, and the result is discarded whenever it could be torn.)
 */
static inline int vmpulse_read_slot(const struct vmpulse_registry *r, uint32_t slot, void *out,
                                    unsigned max_attempts)
{
    if (slot >= r->header->slot_count) {
        return 0;
    }
    if (vmpulse_check_size(r) != 0) {
        return -1;
    }
    const unsigned char *s = vmpulse_slot(r, slot);
    const uint64_t *seq = (const uint64_t *)s;
    size_t n = vmpulse_slot_copy_size(r);
    for (unsigned attempt = 1; attempt <= max_attempts; attempt++) {
        uint64_t s1 = __atomic_load_n(seq, __ATOMIC_ACQUIRE);
        if ((s1 & 1) == 0) {
            if (r->header->version_minor >= 4) {
                vmpulse_copy_used(r, s, out);
            } else {
                memcpy(out, s, n);
            }
            __atomic_thread_fence(__ATOMIC_ACQUIRE);
            uint64_t s2 = __atomic_load_n(seq, __ATOMIC_RELAXED);
            if (s1 == s2) {
                return (int)attempt;
            }
        }
        if (attempt >= VMPULSE_READ_SPINS) {
            sched_yield();
        }
    }
    return 0;
}

#endif /* VMPULSE_SHM_H */
