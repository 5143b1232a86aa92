/*
 * Plays the guest behind a TAP, inside the network namespace it is run in:
 *   tap_peer TAP FRAMES FRAME_BYTES DATAGRAMS DEST_IP LISTEN_MS
 * attaches to TAP (TUNSETIFF), waits until the link is up, writes FRAMES broadcast Ethernet
 * frames of FRAME_BYTES with the local experimental EtherType 0x88B5 (no protocol takes them, so
 * the kernel also counts them dropped) - what the guest sends; then sends DATAGRAMS UDP
 * datagrams of 100 bytes to DEST_IP, routed out of the TAP - what the guest receives; reads
 * frames from the TAP for LISTEN_MS and prints "read FRAMES BYTES".
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long elapsed_ms(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The kernel drops what is sent out of a TAP until its carrier is up, a moment after attaching. */
static int wait_until_up(const char *tap) {
    char path[128], state[16];
    snprintf(path, sizeof path, "/sys/class/net/%s/operstate", tap);
    for (int i = 0; i < 500; i++) {
        FILE *f = fopen(path, "r");
        if (f && fgets(state, sizeof state, f) && strncmp(state, "up", 2) == 0) {
            fclose(f);
            return 0;
        }
        if (f) {
            fclose(f);
        }
        usleep(10000);
    }
    return -1;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: tap_peer TAP FRAMES FRAME_BYTES DATAGRAMS DEST_IP LISTEN_MS\n");
        return 2;
    }
    int frames = atoi(argv[2]), size = atoi(argv[3]), datagrams = atoi(argv[4]), listen_ms = atoi(argv[6]);
    unsigned char frame[2048];
    if (size < 14 || size > (int) sizeof frame) {
        fprintf(stderr, "FRAME_BYTES out of range\n");
        return 2;
    }
    int fd = open("/dev/net/tun", O_RDWR);
    if (fd < 0) {
        perror("open /dev/net/tun");
        return 1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(ifr.ifr_name, argv[1], IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        perror("TUNSETIFF");
        return 1;
    }
    if (wait_until_up(argv[1]) < 0) {
        fprintf(stderr, "link never came up\n");
        return 1;
    }
    memset(frame, 0, sizeof frame);
    memset(frame, 0xff, 6);
    frame[6] = 0x02;
    frame[11] = 0x01;
    frame[12] = 0x88;
    frame[13] = 0xb5;
    for (int i = 0; i < frames; i++) {
        if (write(fd, frame, size) != size) {
            perror("write to tap");
            return 1;
        }
    }
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons(9);
    if (udp < 0 || inet_pton(AF_INET, argv[5], &to.sin_addr) != 1) {
        fprintf(stderr, "bad DEST_IP or no socket\n");
        return 1;
    }
    char payload[100];
    memset(payload, 'x', sizeof payload);
    for (int i = 0; i < datagrams; i++) {
        if (sendto(udp, payload, sizeof payload, 0, (struct sockaddr *) &to, sizeof to) != sizeof payload) {
            perror("sendto");
            return 1;
        }
    }
    long got = 0, bytes = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long left; (left = listen_ms - elapsed_ms(&t0)) > 0;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, (int) left) > 0) {
            ssize_t r = read(fd, frame, sizeof frame);
            if (r > 0) {
                got++;
                bytes += r;
            }
        }
    }
    printf("read %ld %ld\n", got, bytes);
    return 0;
}
