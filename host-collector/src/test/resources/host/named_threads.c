/*
 * A stand-in for a VMM's thread layout: one thread per name given on the command line, named
 * with pthread_setname_np (what /proc/PID/task/TID/comm shows), each burning some CPU. The name
 * "-" leaves a thread with the name it was born with (the process's), as a VMM's thread has
 * before the VMM names it.
 * Commands on stdin: "stop I" ends the I-th thread (0-based, in start order) and prints
 * "stopped I"; "start NAME" starts another and prints "started"; "name I NAME" names the I-th
 * thread and prints "named I". EOF ends the process. With NAMED_THREADS_IDLE=1 in the
 * environment the threads only sleep (for tests that need many threads, not their CPU time).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_THREADS 64

static atomic_int stop[MAX_THREADS];
static pthread_t threads[MAX_THREADS];
static int count;

static int idle;

static void *burn(void *arg) {
    int me = (int) (long) arg;
    struct timespec pause = {0, 8 * 1000 * 1000};
    while (idle && !atomic_load(&stop[me])) {
        nanosleep(&pause, NULL);
    }
    while (!atomic_load(&stop[me])) {
        struct timespec t0, t;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
        do {
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
        } while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 2000000L);
        nanosleep(&pause, NULL);
    }
    return NULL;
}

static int start(const char *name) {
    if (count == MAX_THREADS || pthread_create(&threads[count], NULL, burn, (void *) (long) count) != 0) {
        return -1;
    }
    if (strcmp(name, "-") != 0) {
        pthread_setname_np(threads[count], name);
    }
    return count++;
}

int main(int argc, char **argv) {
    idle = getenv("NAMED_THREADS_IDLE") != NULL;
    for (int i = 1; i < argc; i++) {
        if (start(argv[i]) < 0) {
            perror("pthread_create");
            return 1;
        }
    }
    printf("ready\n");
    fflush(stdout);
    char line[64];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        if (strncmp(line, "stop ", 5) == 0) {
            int i = atoi(line + 5);
            if (i >= 0 && i < count) {
                atomic_store(&stop[i], 1);
                pthread_join(threads[i], NULL);
                printf("stopped %d\n", i);
            }
        } else if (strncmp(line, "name ", 5) == 0) {
            char *end;
            long i = strtol(line + 5, &end, 10);
            if (i >= 0 && i < count && *end == ' ' && pthread_setname_np(threads[i], end + 1) == 0) {
                printf("named %ld\n", i);
            } else {
                printf("failed\n");
            }
        } else if (strncmp(line, "start ", 6) == 0) {
            printf(start(line + 6) < 0 ? "failed\n" : "started\n");
        }
        fflush(stdout);
    }
    return 0;
}
