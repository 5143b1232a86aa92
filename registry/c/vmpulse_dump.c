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
 * PATH defaults to /dev/shm/vmpulse.
 */
#include "vmpulse_shm.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#define MAX_ATTEMPTS 1000

static const char *state_name(uint32_t state)
{
    switch (state) {
    case VMPULSE_STATE_FREE: return "free";
    case VMPULSE_STATE_LIVE: return "live";
    case VMPULSE_STATE_FINAL: return "final";
    default: return "unknown";
    }
}

/* JSON string from NUL-padded UTF-8 of at most max bytes. */
static void put_json_string(const char *s, size_t max)
{
    putchar('"');
    for (size_t i = 0; i < max && s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            printf("\\%c", c);
        } else if (c < 0x20) {
            printf("\\u%04x", c);
        } else {
            putchar(c);
        }
    }
    putchar('"');
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
        if (json) {
            put_json_string((const char *)p, e->size);
        } else {
            printf("%.*s", (int)strnlen((const char *)p, e->size), (const char *)p);
        }
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
    for (uint32_t i = 0; i < r->header->dir_count; i++) {
        const struct vmpulse_dir_entry *e =
            (const struct vmpulse_dir_entry *)((const unsigned char *)r->dir + (size_t)i * r->header->dir_entry_size);
        int name_len = (int)strnlen(e->name, sizeof e->name);
        if (json) {
            printf("%s\"%.*s\": ", i ? ", " : "", name_len, e->name);
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
        if (vmpulse_read_slot(r, slot, copy, MAX_ATTEMPTS) == 0) {
            fprintf(stderr, "slot %u: no consistent copy after %d attempts\n", slot, MAX_ATTEMPTS);
            continue;
        }
        if (sh->state == VMPULSE_STATE_FREE) {
            continue;
        }
        int ok = vmpulse_checksum(sample, r->header->sample_size) == s->checksum;
        if (json) {
            printf("%s\n{\"slot\": %u, \"vm_id\": ", first ? "" : ",", slot);
            put_json_string(sh->vm_id, sizeof sh->vm_id);
            printf(", \"generation\": %" PRIu64 ", \"state\": \"%s\", \"seq\": %" PRIu64
                   ", \"checksum_ok\": %s, \"fields\": {",
                   sh->generation, state_name(sh->state), sh->seq, ok ? "true" : "false");
            put_fields(r, sample, 1);
            printf("}}");
        } else {
            printf("slot %u vm %.*s generation %" PRIu64 " %s%s: cpus %u, memory %" PRIu64 " bytes, %u filesystems\n",
                   slot, (int)strnlen(sh->vm_id, sizeof sh->vm_id), sh->vm_id, sh->generation,
                   state_name(sh->state), ok ? "" : " (CHECKSUM MISMATCH)", s->cpu_online, s->mem_total_bytes,
                   s->fs_count);
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
        for (uint32_t slot = 0; slot < r->header->slot_count; slot++) {
            unsigned attempts = vmpulse_read_slot(r, slot, copy, MAX_ATTEMPTS);
            if (attempts == 0) {
                failed++;
                continue;
            }
            retries += attempts - 1;
            if (sh->state == VMPULSE_STATE_FREE) {
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
    int json = 0;
    double check_seconds = -1;
    const char *path = "/dev/shm/vmpulse";
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
    int rc = check_seconds >= 0 ? check(&reg, copy, check_seconds) : dump(&reg, copy, json);
    free(copy);
    vmpulse_close(&reg);
    return rc;
}
