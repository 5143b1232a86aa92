/*
 * A stand-in for a VMM doing storage I/O: reads commands on stdin and moves exactly the bytes
 * asked for through a real file with O_DIRECT, so that /proc/self/io's read_bytes and
 * write_bytes (which count storage traffic, not syscalls) move by those bytes and no page cache
 * hides them. "write PATH N" writes N bytes (a multiple of 4096) and fsyncs; "read PATH N"
 * reads them back. Each prints "done" when finished. EOF ends the process.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK 4096

static int transfer(const char *op, const char *path, long n) {
    int write_op = strcmp(op, "write") == 0;
    int fd = open(path, write_op ? O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT : O_RDONLY | O_DIRECT, 0600);
    if (fd < 0) {
        perror(path);
        return -1;
    }
    void *buf;
    if (posix_memalign(&buf, BLOCK, BLOCK) != 0) {
        close(fd);
        return -1;
    }
    memset(buf, 0x5a, BLOCK);
    for (long done = 0; done < n; done += BLOCK) {
        ssize_t r = write_op ? write(fd, buf, BLOCK) : read(fd, buf, BLOCK);
        if (r != BLOCK) {
            perror(op);
            free(buf);
            close(fd);
            return -1;
        }
    }
    int rc = write_op ? fsync(fd) : 0;
    free(buf);
    close(fd);
    return rc;
}

int main(void) {
    char line[4200];
    char op[8];
    char path[4096];
    long n;
    printf("ready\n");
    fflush(stdout);
    while (fgets(line, sizeof line, stdin)) {
        if (sscanf(line, "%7s %4095s %ld", op, path, &n) != 3 || n % BLOCK != 0 || transfer(op, path, n) != 0) {
            printf("failed: %s", line);
            fflush(stdout);
            return 1;
        }
        printf("done\n");
        fflush(stdout);
    }
    return 0;
}
