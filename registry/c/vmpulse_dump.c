/*
 * vmpulse_dump: print the live slots of a vmpulse registry, or check it for torn reads.
 *
 *   cc -O2 -o vmpulse_dump registry/c/vmpulse_dump.c
 *   vmpulse_dump [--json] [PATH]         every live or final slot, every field (found by name
 *                                        in the file's field directory)
 *   vmpulse_dump --check SECONDS [PATH]  read every live slot over and over for SECONDS and
 *                                        verify each accepted copy's checksum; prints counts,
 *                                        exits 2 if a torn copy was ever accepted
 *
 * PATH defaults to VMPULSE_DEFAULT_PATH (/run/vmpulse/registry).
 *
 * Text from the registry (some of it the untrusted guest's) never reaches the terminal raw:
 * control characters print as \xNN, a backslash as \\, and invalid UTF-8 as U+FFFD; --json
 * output stays valid JSON whatever the bytes. A file truncated under the tool makes it exit 1
 * with a message, never die of SIGBUS; a file deleted under --check is reported the same way.
 */
#include "vmpulse_shm.h"

#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#define MAX_ATTEMPTS VMPULSE_READ_ATTEMPTS

static const char *registry_path;
static sigjmp_buf on_sigbus;

/* A page of the mapping vanished: the file was truncated between the size check and the copy. */
static void sigbus(int sig)
{
    (void)sig;
    siglongjmp(on_sigbus, 1);
}

static int truncated(const struct vmpulse_registry *r)
{
    struct stat st;
    long long size = fstat(r->fd, &st) == 0 ? (long long)st.st_size : -1;
    fprintf(stderr, "registry %s was truncated to %lld bytes while being read (it needs %llu); it is damaged\n",
            registry_path, size, (unsigned long long)vmpulse_needed_size(r));
    return 1;
}

/*
 * Decodes one UTF-8 character at s (n > 0 bytes left) into *cp and returns its length. Invalid
 * input yields U+FFFD for its maximal subpart (Unicode 3.9, as Java and Python decode), so every
 * reader shows the same text.
 */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char b = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    uint32_t v;
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
        need = 2;
        v = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 3;
        v = b & 0x0F;
        if (b == 0xE0) {
            lo = 0xA0;
        } else if (b == 0xED) {
            hi = 0x9F;
        }
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 4;
        v = b & 0x07;
        if (b == 0xF0) {
            lo = 0x90;
        } else if (b == 0xF4) {
            hi = 0x8F;
        }
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    size_t i = 1;
    for (; i < need; i++) {
        if (i >= n || s[i] < lo || s[i] > hi) {
            *cp = 0xFFFD;
            return i;
        }
        v = (v << 6) | (s[i] & 0x3F);
        lo = 0x80;
        hi = 0xBF;
    }
    *cp = v;
    return need;
}

static int is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

static void put_utf8(uint32_t cp)
{
    if (cp < 0x80) {
        putchar((int)cp);
    } else if (cp < 0x800) {
        putchar((int)(0xC0 | (cp >> 6)));
        putchar((int)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        putchar((int)(0xE0 | (cp >> 12)));
        putchar((int)(0x80 | ((cp >> 6) & 0x3F)));
        putchar((int)(0x80 | (cp & 0x3F)));
    } else {
        putchar((int)(0xF0 | (cp >> 18)));
        putchar((int)(0x80 | ((cp >> 12) & 0x3F)));
        putchar((int)(0x80 | ((cp >> 6) & 0x3F)));
        putchar((int)(0x80 | (cp & 0x3F)));
    }
}

/* NUL-padded UTF-8 of at most max bytes, escaped for a terminal (json = 0) or as a JSON string. */
static void put_text(const char *text, size_t max, int json)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strnlen(text, max);
    if (json) {
        putchar('"');
    }
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += utf8_next(s + i, n - i, &cp);
        if (json && (cp == '"' || cp == '\\')) {
            printf("\\%c", (int)cp);
        } else if (!json && cp == '\\') {
            printf("\\\\");
        } else if (is_control(cp)) {
            printf(json ? "\\u%04x" : "\\x%02x", (unsigned)cp);
        } else {
            put_utf8(cp);
        }
    }
    if (json) {
        putchar('"');
    }
}

static const char *state_name(uint32_t state)
{
    switch (state) {
    case VMPULSE_STATE_FREE: return "free";
    case VMPULSE_STATE_LIVE: return "live";
    case VMPULSE_STATE_FINAL: return "final";
    default: return "unknown";
    }
}

static void put_value(const struct vmpulse_dir_entry *e, const unsigned char *p, int json)
{
    switch (e->type) {
    case VMPULSE_TYPE_U64: { uint64_t v; memcpy(&v, p, 8); printf("%" PRIu64, v); break; }
    case VMPULSE_TYPE_I64: { int64_t v; memcpy(&v, p, 8); printf("%" PRId64, v); break; }
    case VMPULSE_TYPE_F64: {
        double v;
        memcpy(&v, p, 8);
        if (json && !isfinite(v)) {
            printf("null"); /* JSON has no NaN or infinity */
        } else {
            printf("%.17g", v);
        }
        break;
    }
    case VMPULSE_TYPE_U32: { uint32_t v; memcpy(&v, p, 4); printf("%" PRIu32, v); break; }
    case VMPULSE_TYPE_UTF8:
        put_text((const char *)p, e->size, json);
        break;
    default: printf(json ? "null" : "?"); break;
    }
}

/*
 * Text output lists only the first X_count elements of an array of structs X (members X.m), and
 * of an array of texts X_m that runs beside it (fs_device beside fs).
 */
static uint32_t shown_elements(const struct vmpulse_registry *r, const struct vmpulse_dir_entry *e,
                               const unsigned char *sample)
{
    const char *dot = memchr(e->name, '.', sizeof e->name);
    if (dot == NULL && e->count > 1) {
        dot = memchr(e->name, '_', sizeof e->name);
    }
    if (dot == NULL) {
        return e->count;
    }
    char name[sizeof e->name + 8];
    snprintf(name, sizeof name, "%.*s_count", (int)(dot - e->name), e->name);
    const struct vmpulse_dir_entry *c = vmpulse_find_field(r, name);
    if (c == NULL || c->type != VMPULSE_TYPE_U32) {
        return e->count;
    }
    uint32_t n;
    memcpy(&n, sample + c->offset, 4);
    return n < e->count ? n : e->count;
}

static void put_fields(const struct vmpulse_registry *r, const unsigned char *sample, int json)
{
    int first = 1;
    for (uint32_t i = 0; i < r->header->dir_count; i++) {
        const struct vmpulse_dir_entry *e =
            (const struct vmpulse_dir_entry *)((const unsigned char *)r->dir + (size_t)i * r->header->dir_entry_size);
        if (e->type < VMPULSE_TYPE_U64 || e->type > VMPULSE_TYPE_UTF8) {
            continue; /* a type newer than this reader: skip the field */
        }
        int name_len = (int)strnlen(e->name, sizeof e->name);
        if (json) {
            printf("%s\"%.*s\": ", first ? "" : ", ", name_len, e->name);
            first = 0;
        } else {
            printf("  %-30.*s ", name_len, e->name);
        }
        uint32_t count = json ? e->count : shown_elements(r, e, sample);
        if (e->count > 1) {
            printf("[");
        }
        for (uint32_t k = 0; k < count; k++) {
            if (k) {
                printf(json ? ", " : " ");
            }
            put_value(e, sample + e->offset + (size_t)k * e->stride, json);
        }
        if (e->count > 1) {
            printf("]");
        }
        if (!json) {
            printf(" %.*s\n", (int)strnlen(e->unit, sizeof e->unit), e->unit);
        }
    }
}

static int dump(const struct vmpulse_registry *r, unsigned char *copy, int json)
{
    const struct vmpulse_slot_header *sh = (const void *)copy;
    const unsigned char *sample = copy + r->header->sample_offset;
    const struct vmpulse_sample *s = (const void *)sample;
    int first = 1;
    if (json) {
        printf("[");
    }
    for (uint32_t slot = 0; slot < r->header->slot_count; slot++) {
        int got = vmpulse_read_slot(r, slot, copy, MAX_ATTEMPTS);
        if (got < 0) {
            return truncated(r);
        }
        if (got == 0) {
            fprintf(stderr, "slot %u: no consistent copy after %d attempts\n", slot, MAX_ATTEMPTS);
            continue;
        }
        if (sh->state != VMPULSE_STATE_LIVE && sh->state != VMPULSE_STATE_FINAL) {
            continue; /* free, or a state newer than this reader */
        }
        int ok = vmpulse_checksum(sample, r->header->sample_size) == s->checksum;
        if (json) {
            printf("%s\n{\"slot\": %u, \"vm_id\": ", first ? "" : ",", slot);
            put_text(sh->vm_id, sizeof sh->vm_id, 1);
            printf(", \"generation\": %" PRIu64 ", \"state\": \"%s\", \"seq\": %" PRIu64
                   ", \"checksum_ok\": %s, \"fields\": {",
                   sh->generation, state_name(sh->state), sh->seq, ok ? "true" : "false");
            put_fields(r, sample, 1);
            printf("}}");
        } else {
            printf("slot %u vm ", slot);
            put_text(sh->vm_id, sizeof sh->vm_id, 0);
            printf(" generation %" PRIu64 " %s%s: cpus %u, memory %" PRIu64 " bytes, %u filesystems\n",
                   sh->generation, state_name(sh->state), ok ? "" : " (CHECKSUM MISMATCH)", s->cpu_online,
                   s->mem_total_bytes, s->fs_count);
            put_fields(r, sample, 0);
        }
        first = 0;
    }
    if (json) {
        printf("\n]\n");
    }
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int check(const struct vmpulse_registry *r, unsigned char *copy, double seconds)
{
    const struct vmpulse_slot_header *sh = (const void *)copy;
    const unsigned char *sample = copy + r->header->sample_offset;
    uint64_t accepted = 0, torn = 0, retries = 0, failed = 0;
    double end = now_s() + seconds;
    while (now_s() < end) {
        if (vmpulse_is_replaced(r, registry_path)) {
            fprintf(stderr, "registry %s was deleted or replaced while being read; stopping\n", registry_path);
            return 1;
        }
        for (uint32_t slot = 0; slot < r->header->slot_count; slot++) {
            int attempts = vmpulse_read_slot(r, slot, copy, MAX_ATTEMPTS);
            if (attempts < 0) {
                return truncated(r);
            }
            if (attempts == 0) {
                failed++;
                continue;
            }
            retries += (uint64_t)attempts - 1;
            if (sh->state != VMPULSE_STATE_LIVE && sh->state != VMPULSE_STATE_FINAL) {
                continue;
            }
            accepted++;
            uint64_t stored;
            memcpy(&stored, sample, 8);
            if (vmpulse_checksum(sample, r->header->sample_size) != stored) {
                torn++;
            }
        }
    }
    printf("accepted=%" PRIu64 " torn=%" PRIu64 " retries=%" PRIu64 " failed=%" PRIu64 "\n", accepted, torn, retries,
           failed);
    return torn ? 2 : 0;
}

int main(int argc, char **argv)
{
    volatile int json = 0;
    volatile double check_seconds = -1;
    const char *path = VMPULSE_DEFAULT_PATH;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--check") == 0 && i + 1 < argc) {
            check_seconds = atof(argv[++i]);
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: %s [--json | --check SECONDS] [PATH]\n", argv[0]);
            return 64;
        } else {
            path = argv[i];
        }
    }
    struct vmpulse_registry reg;
    char err[512];
    if (vmpulse_open(&reg, path, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    unsigned char *copy = aligned_alloc(8, (vmpulse_slot_copy_size(&reg) + 7) & ~(size_t)7);
    if (copy == NULL) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    registry_path = path;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sigbus;
    sigaction(SIGBUS, &sa, NULL);
    int rc;
    if (sigsetjmp(on_sigbus, 1) != 0) {
        fflush(stdout);
        rc = truncated(&reg);
    } else {
        rc = check_seconds >= 0 ? check(&reg, copy, check_seconds) : dump(&reg, copy, json);
    }
    free(copy);
    vmpulse_close(&reg);
    return rc;
}
