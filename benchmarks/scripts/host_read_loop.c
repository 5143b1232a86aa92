/*
 * The syscalls of one VM's host-side read, in C, to put next to the Java reader
 * (io.vmpulse.bench.host.HostReadBenchmark). Same files, same kept-open descriptors, same
 * pread at offset 0 and the same parsing work (numbers found and converted):
 *   per vCPU thread   /proc/PID/task/TID/schedstat         run ns, wait ns
 *   process           /proc/PID/stat                        utime, stime, threads, rss
 *                     /proc/PID/smaps_rollup every 10th read Pss
 *   block fallback    /proc/PID/io                          read_bytes, write_bytes
 *   TAP               /sys/class/net/TAP/statistics/{rx,tx}_{bytes,packets,dropped,errors}
 *
 * Modes:
 *   host_read_loop vm VCPUS            a stand-in VMM: VCPUS idle threads named "fc_vcpu N";
 *                                      prints its pid, runs until killed
 *   host_read_loop read PID TAP N      N reads of PID's files; prints ns per read
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_VCPUS 64
#define PSS_EVERY 10

static char buf[8192];
static volatile unsigned long long sink;

static void *idle(void *arg) {
    (void) arg;
    for (;;) {
        pause();
    }
    return NULL;
}

/* comm holds 15 characters: "fc_vcpu 63" fits. */
static int vm(int vcpus) {
    for (int i = 0; i < vcpus; i++) {
        pthread_t t;
        char name[32];
        if (pthread_create(&t, NULL, idle, NULL) != 0) {
            perror("pthread_create");
            return 1;
        }
        snprintf(name, sizeof name, "fc_vcpu %d", i);
        pthread_setname_np(t, name);
    }
    printf("%d\n", getpid());
    fflush(stdout);
    for (;;) {
        pause();
    }
}

static int open_or_die(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        perror(path);
        exit(1);
    }
    return fd;
}

static ssize_t reread(int fd) {
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n < 0) {
        perror("pread");
        exit(1);
    }
    buf[n] = 0;
    return n;
}

/* The number after the first occurrence of key, or 0. */
static unsigned long long after(const char *key) {
    char *p = strstr(buf, key);
    return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

static int read_loop(int pid, const char *tap, long iterations) {
    char path[512];
    int vcpu_fd[MAX_VCPUS], vcpus = 0;
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *dir = opendir(path);
    if (!dir) {
        perror(path);
        return 1;
    }
    for (struct dirent *e; (e = readdir(dir)) && vcpus < MAX_VCPUS;) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char comm[32] = {0};
        snprintf(path, sizeof path, "/proc/%d/task/%s/comm", pid, e->d_name);
        FILE *f = fopen(path, "r");
        if (f && fgets(comm, sizeof comm, f) && strncmp(comm, "fc_vcpu ", 8) == 0) {
            snprintf(path, sizeof path, "/proc/%d/task/%s/schedstat", pid, e->d_name);
            vcpu_fd[vcpus++] = open_or_die(path);
        }
        if (f) {
            fclose(f);
        }
    }
    closedir(dir);
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int stat_fd = open_or_die(path);
    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
    int smaps_fd = open_or_die(path);
    snprintf(path, sizeof path, "/proc/%d/io", pid);
    int io_fd = open_or_die(path);
    static const char *counters[] = {"rx_bytes", "rx_packets", "rx_dropped", "rx_errors",
                                     "tx_bytes", "tx_packets", "tx_dropped", "tx_errors"};
    int tap_fd[8];
    for (int i = 0; i < 8; i++) {
        snprintf(path, sizeof path, "/sys/class/net/%s/statistics/%s", tap, counters[i]);
        tap_fd[i] = open_or_die(path);
    }

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long it = 0; it < iterations; it++) {
        unsigned long long acc = 0;
        for (int v = 0; v < vcpus; v++) {
            reread(vcpu_fd[v]);
            char *end;
            acc += strtoull(buf, &end, 10);
            acc += strtoull(end, NULL, 10);
        }
        reread(stat_fd);
        char *p = strrchr(buf, ')');
        unsigned long long field[24];
        for (int i = 3; i <= 24 && p; i++) {
            p = strchr(p + 1, ' ');
            if (p) {
                field[i - 1] = strtoull(p + 1, NULL, 10);
            }
        }
        acc += field[13] + field[14] + field[19] + field[23];
        if (it % PSS_EVERY == 0) {
            reread(smaps_fd);
            acc += after("\nPss:");
        }
        reread(io_fd);
        acc += after("\nread_bytes:") + after("\nwrite_bytes:");
        for (int i = 0; i < 8; i++) {
            reread(tap_fd[i]);
            acc += strtoull(buf, NULL, 10);
        }
        sink += acc;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
    printf("vcpus=%d reads=%ld ns_per_read=%.0f\n", vcpus, iterations, ns / iterations);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "vm") == 0 && atoi(argv[2]) > 0 && atoi(argv[2]) <= MAX_VCPUS) {
        return vm(atoi(argv[2]));
    }
    if (argc == 5 && strcmp(argv[1], "read") == 0) {
        return read_loop(atoi(argv[2]), argv[3], atol(argv[4]));
    }
    fprintf(stderr, "usage: host_read_loop vm VCPUS | host_read_loop read PID TAP ITERATIONS\n");
    return 2;
}
