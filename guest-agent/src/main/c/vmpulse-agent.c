/*
 * vmpulse-agent's system calls, for io.vmpulse.agent.sys.NativeLibrary, sys.Wakeup, sample.Libc and
 * transport.SocketLibc: each function is one system call with primitive arguments and raw buffer
 * addresses (of direct ByteBuffers), and returns what the call returns or, when it fails, minus
 * errno. No Java objects are created here except the string of strerror, so a call allocates
 * nothing on the Java heap.
 *
 * Why not JNA: its start-up (java.util.logging, reflection, annotation proxies, lambdas,
 * streams, a cleaner thread) loaded ~400 classes and two threads in every VM for the nine calls
 * below (docs/benchmarks.md, "Guest agent: footprint").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jni.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* What a call returned, or minus errno when it failed; r is evaluated once. */
static inline jlong result(long r) {
    return r < 0 ? (jlong) -errno : (jlong) r;
}

/* --- io.vmpulse.agent.sys.NativeLibrary ------------------------------------------------------ */

JNIEXPORT jlong JNICALL Java_io_vmpulse_agent_sys_NativeLibrary_address(JNIEnv *env, jclass c, jobject buffer) {
    (void) c;
    return (jlong) (uintptr_t) (*env)->GetDirectBufferAddress(env, buffer);
}

JNIEXPORT jstring JNICALL Java_io_vmpulse_agent_sys_NativeLibrary_strerror(JNIEnv *env, jclass c, jint errnum) {
    (void) c;
    char text[256];
    /* GNU strerror_r returns a pointer that may or may not be text. */
    const char *s = strerror_r(errnum, text, sizeof text);
    return (*env)->NewStringUTF(env, s);
}

JNIEXPORT jint JNICALL Java_io_vmpulse_agent_sys_NativeLibrary_close(JNIEnv *env, jclass c, jint fd) {
    (void) env; (void) c;
    return (jint) result(close(fd));
}

/* --- io.vmpulse.agent.sample.Libc ------------------------------------------------------------ */

/* path: the address of a NUL-terminated path. */
JNIEXPORT jint JNICALL Java_io_vmpulse_agent_sample_Libc_open(JNIEnv *env, jclass c, jlong path, jint flags) {
    (void) env; (void) c;
    return (jint) result(open((const char *) (uintptr_t) path, flags));
}

JNIEXPORT jlong JNICALL Java_io_vmpulse_agent_sample_Libc_pread(JNIEnv *env, jclass c, jint fd, jlong buf,
                                                              jlong count, jlong offset) {
    (void) env; (void) c;
    return result(pread(fd, (void *) (uintptr_t) buf, (size_t) count, (off_t) offset));
}

/* One pollfd for fd with events, no waiting; returns revents (0: nothing) or minus errno. */
JNIEXPORT jint JNICALL Java_io_vmpulse_agent_sample_Libc_poll(JNIEnv *env, jclass c, jint fd, jint events) {
    (void) env; (void) c;
    struct pollfd p = {.fd = fd, .events = (short) events, .revents = 0};
    int n = poll(&p, 1, 0);
    return n < 0 ? -errno : p.revents;
}

/* path: address of a NUL-terminated path; buf: address of a struct statvfs. */
JNIEXPORT jint JNICALL Java_io_vmpulse_agent_sample_Libc_statvfs(JNIEnv *env, jclass c, jlong path, jlong buf) {
    (void) env; (void) c;
    return (jint) result(statvfs((const char *) (uintptr_t) path, (struct statvfs *) (uintptr_t) buf));
}

JNIEXPORT jlong JNICALL Java_io_vmpulse_agent_sample_Libc_getauxval(JNIEnv *env, jclass c, jlong type) {
    (void) env; (void) c;
    return (jlong) getauxval((unsigned long) type);
}

/* CLOCK_REALTIME in ns since the epoch. */
JNIEXPORT jlong JNICALL Java_io_vmpulse_agent_sample_Libc_realtimeNanos(JNIEnv *env, jclass c) {
    (void) env; (void) c;
    struct timespec t;
    if (clock_gettime(CLOCK_REALTIME, &t) < 0) {
        return -errno;
    }
    return (jlong) t.tv_sec * 1000000000L + t.tv_nsec;
}

/* --- io.vmpulse.agent.transport.SocketLibc ---------------------------------------------------- */

JNIEXPORT jint JNICALL Java_io_vmpulse_agent_transport_SocketLibc_socket(JNIEnv *env, jclass c, jint domain,
                                                                      jint type, jint protocol) {
    (void) env; (void) c;
    return (jint) result(socket(domain, type, protocol));
}

JNIEXPORT jint JNICALL Java_io_vmpulse_agent_transport_SocketLibc_connect(JNIEnv *env, jclass c, jint fd,
                                                                       jlong addr, jint len) {
    (void) env; (void) c;
    /* Not retried on EINTR: a blocking connect that was interrupted goes on in the background
       and a second call would fail with EALREADY. */
    return (jint) result(connect(fd, (const struct sockaddr *) (uintptr_t) addr, (socklen_t) len));
}

JNIEXPORT jint JNICALL Java_io_vmpulse_agent_transport_SocketLibc_setsockopt(JNIEnv *env, jclass c, jint fd,
                                                                          jint level, jint name, jlong value,
                                                                          jint len) {
    (void) env; (void) c;
    return (jint) result(setsockopt(fd, level, name, (const void *) (uintptr_t) value, (socklen_t) len));
}

JNIEXPORT jlong JNICALL Java_io_vmpulse_agent_transport_SocketLibc_read(JNIEnv *env, jclass c, jint fd, jlong buf,
                                                                     jlong count) {
    (void) env; (void) c;
    return result(read(fd, (void *) (uintptr_t) buf, (size_t) count));
}

JNIEXPORT jlong JNICALL Java_io_vmpulse_agent_transport_SocketLibc_write(JNIEnv *env, jclass c, jint fd, jlong buf,
                                                                      jlong count) {
    (void) env; (void) c;
    return result(write(fd, (const void *) (uintptr_t) buf, (size_t) count));
}

/* send(2) that never waits: what the socket buffer takes now, 0 when it is full (EAGAIN). */
JNIEXPORT jlong JNICALL Java_io_vmpulse_agent_transport_SocketLibc_sendNow(JNIEnv *env, jclass c, jint fd, jlong buf,
                                                                       jlong count) {
    (void) env; (void) c;
    ssize_t n = send(fd, (const void *) (uintptr_t) buf, (size_t) count, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return 0;
    }
    return result(n);
}

JNIEXPORT jint JNICALL Java_io_vmpulse_agent_transport_SocketLibc_shutdown(JNIEnv *env, jclass c, jint fd, jint how) {
    (void) env; (void) c;
    return (jint) result(shutdown(fd, how));
}

/* --- io.vmpulse.agent.sys.Wakeup -------------------------------------------------------------- */

/* Where a termination signal is announced: the write end of one Wakeup's pipe, or -1. */
static volatile int signal_fd = -1;
static volatile sig_atomic_t signal_caught;

/* Async-signal-safe: records the signal and writes one byte to the watching pipe. SA_RESETHAND
   has already put the default action back, so a second signal ends the process at once. */
static void on_termination(int sig) {
    int saved = errno;
    signal_caught = sig;
    int fd = signal_fd;
    if (fd >= 0) {
        char b = 1;
        ssize_t unused = write(fd, &b, 1);
        (void) unused;
    }
    errno = saved;
}

/* A non-blocking, close-on-exec pipe: (read fd << 32) | write fd, or minus errno. */
JNIEXPORT jlong JNICALL Java_io_vmpulse_agent_sys_Wakeup_pipe(JNIEnv *env, jclass c) {
    (void) env; (void) c;
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
        return -errno;
    }
    return ((jlong) fds[0] << 32) | (jlong) (uint32_t) fds[1];
}

/* Waits until fd is readable or nanos have passed, then empties it: 1 if woken, 0 on timeout
   (or a signal that interrupted the wait), minus errno on failure. */
JNIEXPORT jint JNICALL Java_io_vmpulse_agent_sys_Wakeup_await(JNIEnv *env, jclass c, jint fd, jlong nanos) {
    (void) env; (void) c;
    struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
    struct timespec t = {.tv_sec = nanos / 1000000000L, .tv_nsec = nanos % 1000000000L};
    int n = ppoll(&p, 1, &t, NULL);
    if (n < 0) {
        return errno == EINTR ? 0 : -errno;
    }
    if (n == 0) {
        return 0;
    }
    char drain[64];
    while (read(fd, drain, sizeof drain) > 0) {
    }
    return 1;
}

/* One byte into the pipe; a full pipe already holds a wake-up, so EAGAIN is success. */
JNIEXPORT jint JNICALL Java_io_vmpulse_agent_sys_Wakeup_wake(JNIEnv *env, jclass c, jint fd) {
    (void) env; (void) c;
    char b = 1;
    if (write(fd, &b, 1) < 0 && errno != EAGAIN) {
        return -errno;
    }
    return 0;
}

/* SIGTERM, SIGINT and SIGHUP from now on set signal_caught and wake fd, once each (the JVM, run
   with -Xrs, does not handle them; without -Xrs this replaces its handlers). 0 or minus errno. */
JNIEXPORT jint JNICALL Java_io_vmpulse_agent_sys_Wakeup_catchTermination(JNIEnv *env, jclass c, jint fd) {
    (void) env; (void) c;
    signal_fd = fd;
    struct sigaction a;
    memset(&a, 0, sizeof a);
    a.sa_handler = on_termination;
    a.sa_flags = SA_RESTART | SA_RESETHAND;
    sigemptyset(&a.sa_mask);
    int sigs[] = {SIGTERM, SIGINT, SIGHUP};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        if (sigaction(sigs[i], &a, NULL) < 0) {
            return -errno;
        }
    }
    return 0;
}

/* A pipe that closes stops being the signals' (its number may be reused at once). */
JNIEXPORT void JNICALL Java_io_vmpulse_agent_sys_Wakeup_forget(JNIEnv *env, jclass c, jint fd) {
    (void) env; (void) c;
    if (signal_fd == fd) {
        signal_fd = -1;
    }
}

/* The termination signal caught so far, or 0. */
JNIEXPORT jint JNICALL Java_io_vmpulse_agent_sys_Wakeup_caughtSignalNative(JNIEnv *env, jclass c) {
    (void) env; (void) c;
    return signal_caught;
}
