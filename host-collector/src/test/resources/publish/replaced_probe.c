/*
 * A long-running C reader: opens the registry, prints the writer pid it mapped, then answers each
 * line on stdin with whether the path now names another file, as a reader polling for a restarted
 * collector would.
 */
#include <stdio.h>

#include "vmpulse_shm.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: replaced_probe REGISTRY\n");
        return 2;
    }
    struct vmpulse_registry r;
    char err[256];
    if (vmpulse_open(&r, argv[1], err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("writer_pid %u\n", r.header->writer_pid);
    fflush(stdout);
    char line[16];
    while (fgets(line, sizeof line, stdin) != NULL) {
        printf("%s\n", vmpulse_is_replaced(&r, argv[1]) ? "replaced" : "not replaced");
        fflush(stdout);
    }
    vmpulse_close(&r);
    return 0;
}
