package io.vmpulse.agent.sample;

/**
 * One line of {@code /proc/self/mountinfo} (proc(5)), with the kernel's octal escapes ({@code \040}
 * for a space, ...) decoded. {@code mountPointBytes} is the decoded path as raw bytes, which is
 * what {@code statvfs} needs: a mount point need not be valid UTF-8.
 */
record Mount(
        int mountId,
        int parentId,
        int major,
        int minor,
        String root,
        String mountPoint,
        byte[] mountPointBytes,
        String fsType,
        String source,
        boolean readOnly) {

    /** The superblock: every mount of the same device number reports the same statvfs. */
    long device() {
        return (long) major << 32 | minor & 0xffffffffL;
    }
}
