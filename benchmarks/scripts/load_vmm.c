/*
 * Stand-in Firecracker VMMs for benchmarks/scripts/collector-load.sh: what the host collector reads of a
 * Firecracker VM, without the VMs.
 *
 *   load_vmm DIR N VCPUS
 *
 * forks N children, one per VM. Child I
 *   - has VCPUS idle threads named "fc_vcpu 0" .. (what ThreadNames looks for);
 *   - serves DIR/vm-I.api like Firecracker's API socket (persistent HTTP/1.1 connections, at
 *     most 10), answering the one call the collector makes, PUT /actions
 *     {"action_type":"FlushMetrics"}, with 204 and one metrics line appended to DIR/vm-I.metrics
 *     (per-device deltas block_rootfs and net_eth0, as Firecracker writes them); anything else
 *     gets 400;
 *   - dies with its parent (PR_SET_PDEATHSIG).
 * The parent prints "I PID" per child once all are listening, then waits until killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void *idle(void *arg) {
    (void) arg;
    for (;;) {
        pause();
    }
    return NULL;
}

static const char *block(char *out, size_t n, unsigned long long rb, unsigned long long wb,
                         unsigned long long rc, unsigned long long wc) {
    snprintf(out, n,
             "{\"activate_fails\":0,\"cfg_fails\":0,\"no_avail_buffer\":0,\"event_fails\":0,\"execute_fails\":0,"
             "\"invalid_reqs_count\":0,\"flush_count\":0,\"queue_event_count\":%llu,"
             "\"rate_limiter_event_count\":0,\"update_count\":0,\"update_fails\":0,"
             "\"read_bytes\":%llu,\"write_bytes\":%llu,\"read_count\":%llu,\"write_count\":%llu,"
             "\"read_agg\":{\"min_us\":3,\"max_us\":90,\"sum_us\":400},"
             "\"write_agg\":{\"min_us\":5,\"max_us\":70,\"sum_us\":300},"
             "\"rate_limiter_throttled_events\":0,\"io_engine_throttled_events\":0,\"remaining_reqs_count\":0}",
             rc + wc, rb, wb, rc, wc);
    return out;
}

static const char *net(char *out, size_t n, unsigned long long rxb, unsigned long long txb,
                       unsigned long long rxp, unsigned long long txp) {
    snprintf(out, n,
             "{\"activate_fails\":0,\"cfg_fails\":0,\"mac_address_updates\":0,\"no_rx_avail_buffer\":0,"
             "\"no_tx_avail_buffer\":0,\"event_fails\":0,\"rx_queue_event_count\":%llu,"
             "\"rx_event_rate_limiter_count\":0,\"rx_rate_limiter_throttled\":0,\"rx_tap_event_count\":%llu,"
             "\"rx_bytes_count\":%llu,\"rx_packets_count\":%llu,\"rx_fails\":0,\"rx_count\":%llu,"
             "\"tap_read_fails\":0,\"tap_write_fails\":0,\"tap_write_agg\":{\"min_us\":1,\"max_us\":9,\"sum_us\":30},"
             "\"tx_bytes_count\":%llu,\"tx_malformed_frames\":0,\"tx_fails\":0,\"tx_count\":%llu,"
             "\"tx_packets_count\":%llu,\"tx_partial_reads\":0,\"tx_queue_event_count\":%llu,"
             "\"tx_rate_limiter_event_count\":0,\"tx_rate_limiter_throttled\":0,\"tx_spoofed_mac_count\":0,"
             "\"tx_remaining_reqs_count\":0}",
             rxp, rxp, rxb, rxp, rxp, txb, txp, txp, txp);
    return out;
}

/* One metrics line of deltas since the previous flush, as Firecracker writes it on FlushMetrics. */
static void flush_metrics(int fd, unsigned long long flush) {
    char b[1024], agg[1024], n1[1536], n2[1536], line[8192];
    unsigned long long rb = 4096 * (flush % 7), wb = 512 * (flush % 3);
    int len = snprintf(line, sizeof line,
                       "{\"utc_timestamp_ms\":%llu,"
                       "\"api_server\":{\"process_startup_time_us\":0,\"process_startup_time_cpu_us\":0},"
                       "\"block_rootfs\":%s,\"block\":%s,\"net_eth0\":%s,\"net\":%s,"
                       "\"vcpu\":{\"exit_io_in\":10,\"exit_io_out\":20,\"failures\":0}}\n",
                       1763800000000ULL + flush * 1000,
                       block(b, sizeof b, rb, wb, flush % 7, flush % 3),
                       block(agg, sizeof agg, rb, wb, flush % 7, flush % 3),
                       net(n1, sizeof n1, 1500, 600, 3, 2), net(n2, sizeof n2, 1500, 600, 3, 2));
    if (write(fd, line, (size_t) len) != len) {
        perror("write metrics");
        exit(1);
    }
}

/* One client connection of the API server: the bytes of requests not yet answered. */
struct conn {
    int fd;
    size_t have;
    char buf[4096];
};

/* Length of the first whole request in c->buf, 0 if it has not all come yet, -1 if it never can. */
static long whole_request(struct conn *c) {
    c->buf[c->have] = 0;
    char *end = strstr(c->buf, "\r\n\r\n");
    if (!end) {
        return c->have == sizeof c->buf - 1 ? -1 : 0;
    }
    size_t head = (size_t) (end + 4 - c->buf), body = 0;
    char *cl = strcasestr(c->buf, "Content-Length:");
    if (cl && cl < end) {
        body = strtoul(cl + 15, NULL, 10);
    }
    if (head + body > sizeof c->buf - 1) {
        return -1;
    }
    return c->have >= head + body ? (long) (head + body) : 0;
}

/*
 * Like Firecracker's API server (micro_http): HTTP/1.1 connections stay open, one request after
 * another, until the client closes them; every answer says "Connection: keep-alive", whatever
 * the request asked; at most MAX_CONNS at once, and one more is told 503 and closed.
 */
#define MAX_CONNS 10
static void serve(int listener, int metrics) {
    static const char ok[] = "HTTP/1.1 204 \r\nServer: Firecracker API\r\nConnection: keep-alive\r\n\r\n";
    static const char bad[] = "HTTP/1.1 400 \r\nServer: Firecracker API\r\nConnection: keep-alive\r\n"
                              "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
    static const char full[] = "HTTP/1.1 503\r\nServer: Firecracker API\r\nConnection: close\r\n"
                               "Content-Length: 40\r\n\r\n{ \"error\": \"Too many open connections\" }";
    static struct conn conns[MAX_CONNS];
    struct pollfd fds[MAX_CONNS + 1];
    unsigned long long flushes = 0;
    for (int i = 0; i < MAX_CONNS; i++) {
        conns[i].fd = -1;
    }
    for (;;) {
        fds[0] = (struct pollfd) {.fd = listener, .events = POLLIN};
        for (int i = 0; i < MAX_CONNS; i++) {
            fds[i + 1] = (struct pollfd) {.fd = conns[i].fd, .events = POLLIN};
        }
        if (poll(fds, MAX_CONNS + 1, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("poll");
            exit(1);
        }
        if (fds[0].revents & POLLIN) {
            int c = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
            if (c >= 0) {
                int slot = -1;
                for (int i = 0; i < MAX_CONNS && slot < 0; i++) {
                    if (conns[i].fd < 0) {
                        slot = i;
                    }
                }
                if (slot < 0) {
                    (void) !write(c, full, sizeof full - 1);
                    close(c);
                } else {
                    conns[slot].fd = c;
                    conns[slot].have = 0;
                }
            }
        }
        for (int i = 0; i < MAX_CONNS; i++) {
            struct conn *c = &conns[i];
            if (c->fd < 0 || !(fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR))) {
                continue;
            }
            ssize_t r = read(c->fd, c->buf + c->have, sizeof c->buf - 1 - c->have);
            if (r <= 0) {
                close(c->fd);
                c->fd = -1;
                continue;
            }
            c->have += (size_t) r;
            long len;
            while ((len = whole_request(c)) > 0) {
                const char *answer = bad;
                size_t n = sizeof bad - 1;
                if (strncmp(c->buf, "PUT /actions ", 13) == 0
                    && memmem(c->buf, (size_t) len, "\"FlushMetrics\"", 14)) {
                    flush_metrics(metrics, ++flushes);
                    answer = ok;
                    n = sizeof ok - 1;
                }
                /* A client that gave up and closed gets EPIPE here, never SIGPIPE (ignored in main). */
                (void) !write(c->fd, answer, n);
                memmove(c->buf, c->buf + len, c->have - (size_t) len);
                c->have -= (size_t) len;
            }
            if (len < 0) {
                close(c->fd);
                c->fd = -1;
            }
        }
    }
}

static void child(const char *dir, int i, int vcpus, int ready) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    for (int v = 0; v < vcpus; v++) {
        pthread_t t;
        char name[20];
        if (pthread_create(&t, NULL, idle, NULL) != 0) {
            perror("pthread_create");
            exit(1);
        }
        snprintf(name, sizeof name, "fc_vcpu %d", v);
        /* A name that did not take would leave a VM with no vCPU threads for the collector to find. */
        if (pthread_setname_np(t, name) != 0) {
            fprintf(stderr, "pthread_setname_np %s failed\n", name);
            exit(1);
        }
    }
    char path[200];
    snprintf(path, sizeof path, "%s/vm-%d.metrics", dir, i);
    int metrics = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (metrics < 0) {
        perror(path);
        exit(1);
    }
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s/vm-%d.api", dir, i);
    unlink(a.sun_path);
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (l < 0 || bind(l, (struct sockaddr *) &a, sizeof a) < 0 || listen(l, 16) < 0) {
        perror(a.sun_path);
        exit(1);
    }
    (void) !write(ready, "x", 1);
    close(ready);
    serve(l, metrics);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: load_vmm DIR N VCPUS\n");
        return 2;
    }
    int n = atoi(argv[2]), vcpus = atoi(argv[3]);
    int ready[2];
    if (pipe(ready) < 0) {
        perror("pipe");
        return 1;
    }
    /*
     * Firecracker is a Rust program, and Rust ignores SIGPIPE: an API client that times out and
     * closes costs the VMM an EPIPE, not its life. Inherited by every child.
     */
    signal(SIGPIPE, SIG_IGN);
    pid_t *pids = calloc((size_t) n, sizeof *pids);
    for (int i = 0; i < n; i++) {
        pids[i] = fork();
        if (pids[i] < 0) {
            perror("fork");
            return 1;
        }
        if (pids[i] == 0) {
            close(ready[0]);
            child(argv[1], i, vcpus, ready[1]);
        }
    }
    close(ready[1]);
    char x;
    for (int i = 0; i < n; i++) {
        if (read(ready[0], &x, 1) != 1) {
            fprintf(stderr, "load_vmm: a child failed to start\n");
            return 1;
        }
    }
    for (int i = 0; i < n; i++) {
        printf("%d %d\n", i, pids[i]);
    }
    fflush(stdout);
    while (wait(NULL) > 0 || errno == EINTR) {
    }
    return 0;
}
