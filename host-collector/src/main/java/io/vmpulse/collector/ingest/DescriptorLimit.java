package io.vmpulse.collector.ingest;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;

/**
 * The process's open-file limit (RLIMIT_NOFILE), which the guests' connection budget is cut from.
 */
final class DescriptorLimit {

    private DescriptorLimit() {}

    static long max() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean u
                ? u.getMaxFileDescriptorCount()
                : 1024;
    }
}
