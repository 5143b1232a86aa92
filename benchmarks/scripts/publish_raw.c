/* Raw work of one full publish in C: vmpulse_checksum of a 7,616-byte (ABI 1.4) sample and a
 * memcpy of it into a slot, timed in thread CPU time. See docs/benchmarks.md (ABI 1.4). */
#include "vmpulse_shm.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* gcc -O2 -Iregistry/c -o /tmp/publish_raw benchmarks/scripts/publish_raw.c && /tmp/publish_raw */
static double cpu_ns(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec * 1e9 + t.tv_nsec; }
int main(void) {
    static unsigned char sample[7616], slot[8192];
    for (size_t i = 0; i < sizeof sample; i++) sample[i] = (unsigned char)rand();
    uint64_t sink = 0;
    for (int round = 0; round < 5; round++) {
        int n = 1000000;
        double t0 = cpu_ns();
        for (int i = 0; i < n; i++) { sample[8] = (unsigned char)i; sink += vmpulse_checksum(sample, sizeof sample); memcpy(slot + 128, sample, sizeof sample); __asm__ volatile("" ::: "memory"); }
        double t1 = cpu_ns();
        printf("checksum+copy %.0f ns CPU\n", (t1 - t0) / n);
    }
    return (int)(sink & 1);
}
