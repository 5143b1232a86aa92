/*
 * The system calls of one vmpulse guest sample, in plain C, as the baseline for the JMH
 * benchmark io.vmpulse.bench.agent.GuestSampleBenchmark.readAndParse:
 *   pread /proc/stat and /proc/meminfo at offset 0 on fds kept open, continuing until pread
 *   returns 0, into buffers of the sampler's initial sizes;
 *   a non-blocking poll of /proc/self/mountinfo for POLLPRI (re-read only when the mount table
 *   changed, as FilesystemReader does);
 *   then statvfs of every mount point given on the command line.
 * No parsing: this is the floor that the Java read + parse is compared with.
 *
 * With REREAD_MOUNTINFO=1 in the environment, mountinfo is read every time instead of polled:
 * what the poll saves.
 *
 * With PACE_MS=N in the environment, the loop sleeps N ms before each sample, as the agent does
 * between samples, and reports this thread's CPU time per sample (CLOCK_THREAD_CPUTIME_ID)
 * instead of wall time: the baseline for the running agent's CPU per sample
 * (benchmarks/scripts/agent-footprint.sh), where caches are cold after each sleep.
 *
 * usage: sample_loop ROUNDS SECONDS_PER_ROUND MOUNT_POINT...
 * prints one line per round (ns/op), then "mean_ns_per_op <mean> min <min> max <max>".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* ProcfsSampler.INITIAL_STAT_BYTES, INITIAL_MEMINFO_BYTES, FilesystemReader.INITIAL_MOUNTINFO_BYTES */
#define STAT_BYTES (64 << 10)
#define MEMINFO_BYTES (8 << 10)
#define MOUNTINFO_BYTES (64 << 10)

struct proc_file {
    const char *path;
    int fd;
    size_t capacity;
    char *buf;
};

static void open_file(struct proc_file *f, const char *path, size_t capacity) {
    f->path = path;
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    f->capacity = capacity;
    f->buf = malloc(capacity);
    if (f->fd < 0 || f->buf == NULL) {
        perror(path);
        exit(1);
    }
}

/* Same loop as ProcFile.read(): a seq_file may return one page of records per call. */
static size_t read_file(struct proc_file *f) {
    size_t total = 0;
    ssize_t n;
    do {
        n = pread(f->fd, f->buf + total, f->capacity - total, (off_t) total);
        if (n < 0) {
            perror(f->path);
            exit(1);
        }
        total += (size_t) n;
    } while (n > 0 && total < f->capacity);
    if (total == f->capacity) {
        fprintf(stderr, "%s does not fit in %zu bytes\n", f->path, f->capacity);
        exit(1);
    }
    return total;
}

/* Same as FilesystemReader: read mountinfo again only when the kernel flags a change. */
static void poll_mounts(struct proc_file *f) {
    struct pollfd p = {.fd = f->fd, .events = POLLPRI};
    if (poll(&p, 1, 0) < 0) {
        perror("poll");
        exit(1);
    }
    if (p.revents & POLLPRI) {
        read_file(f);
    }
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* CPU time of this thread: with PACE_MS the loop sleeps, so wall time says nothing. */
static long long cpu_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (long long) t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s ROUNDS SECONDS_PER_ROUND MOUNT_POINT...\n", argv[0]);
        return 2;
    }
    int rounds = atoi(argv[1]);
    double seconds = atof(argv[2]);
    char **mounts = argv + 3;
    int nmounts = argc - 3;
    struct proc_file stat, meminfo, mountinfo;
    open_file(&stat, "/proc/stat", STAT_BYTES);
    open_file(&meminfo, "/proc/meminfo", MEMINFO_BYTES);
    open_file(&mountinfo, "/proc/self/mountinfo", MOUNTINFO_BYTES);
    read_file(&mountinfo);
    const char *pace_env = getenv("PACE_MS");
    long pace_ms = pace_env != NULL ? atol(pace_env) : 0;
    const char *reread = getenv("REREAD_MOUNTINFO");
    int reread_mountinfo = reread != NULL && reread[0] == '1';
    struct statvfs sv;
    volatile unsigned long long sink = 0;

    double sum = 0, min = 1e18, max = 0;
    for (int r = -1; r < rounds; r++) { /* round -1 warms up */
        long long ops = 0;
        long long cpu_start = cpu_ns();
        long long start = now_ns(), deadline = start + (long long) (seconds * 1e9), end;
        do {
            for (int k = 0; k < (pace_ms > 0 ? 1 : 100); k++) {
                if (pace_ms > 0) {
                    struct timespec pause = {.tv_sec = pace_ms / 1000, .tv_nsec = (pace_ms % 1000) * 1000000L};
                    nanosleep(&pause, NULL);
                }
                sink += read_file(&stat) + read_file(&meminfo);
                if (reread_mountinfo) {
                    sink += read_file(&mountinfo);
                } else {
                    poll_mounts(&mountinfo);
                }
                for (int i = 0; i < nmounts; i++) {
                    if (statvfs(mounts[i], &sv) != 0) {
                        perror(mounts[i]);
                        return 1;
                    }
                    sink += sv.f_bavail;
                }
            }
            ops += pace_ms > 0 ? 1 : 100;
            end = now_ns();
        } while (end < deadline);
        double ns = (double) (pace_ms > 0 ? cpu_ns() - cpu_start : end - start) / ops;
        if (r >= 0) {
            printf("round %d: %.1f ns/op\n", r + 1, ns);
            sum += ns;
            min = ns < min ? ns : min;
            max = ns > max ? ns : max;
        }
    }
    printf("mean_ns_per_op %.1f min %.1f max %.1f\n", sum / rounds, min, max);
    return sink == 42 ? 3 : 0;
}
