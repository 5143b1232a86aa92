package io.vmpulse.collector.cli;

import static io.vmpulse.registry.layout.RecordFields.*;

import io.vmpulse.registry.layout.RecordFlags;
import io.vmpulse.registry.layout.VmRecord;
import io.vmpulse.registry.read.RegistryReader;
import io.vmpulse.registry.read.SlotSnapshot;
import io.vmpulse.registry.read.TerminalText;
import java.util.Locale;

/** One frame of `host-collector top`: a table of every live slot, rendered to text. */
final class TopView {

    static final String HEADER =
            String.format(
                    Locale.ROOT,
                    "%-20s %7s %8s %17s %6s %21s %21s %7s",
                    "VM",
                    "GUEST%",
                    "VCPU%",
                    "MEM USED/TOTAL",
                    "FS%",
                    "DISK R/W",
                    "NET RX/TX",
                    "AGE");

    private TopView() {}

    static String render(RegistryReader r, SlotSnapshot scratch, long nowUnixNanos) {
        StringBuilder b = new StringBuilder(256);
        b.append(HEADER).append('\n');
        int[] live = {0};
        r.forEachLive(
                scratch,
                s -> {
                    live[0]++;
                    b.append(row(TerminalText.escape(s.vmId()), s.sample(), nowUnixNanos))
                            .append('\n');
                });
        if (live[0] == 0) {
            b.append("(no VMs registered)\n");
        }
        return b.toString();
    }

    static String row(String vm, VmRecord u, long nowUnixNanos) {
        boolean guestRates = u.isPresent(RecordFlags.PRESENT_GUEST_RATES);
        boolean mem = u.isPresent(RecordFlags.PRESENT_GUEST_MEMORY);
        boolean hostRates = u.isPresent(RecordFlags.PRESENT_HOST_RATES);
        long lastGuest = u.getLong(LAST_GUEST_UNIX_NS);
        String memText =
                mem
                        ? bytes(u.getLong(MEM_TOTAL_BYTES) - u.getLong(MEM_AVAILABLE_BYTES))
                                + "/"
                                + bytes(u.getLong(MEM_TOTAL_BYTES))
                        : "-";
        String age = lastGuest == 0 ? "never" : seconds(nowUnixNanos - lastGuest);
        if (u.hasFlags(RecordFlags.FLAG_FINAL)) {
            age = "gone";
        } else if (u.hasFlags(RecordFlags.FLAG_GUEST_STALE) && lastGuest != 0) {
            age += "!";
        }
        return String.format(
                Locale.ROOT,
                "%-20s %7s %8s %17s %6s %21s %21s %7s",
                vm.length() > 20 ? vm.substring(0, 19) + "~" : vm,
                guestRates ? pct(u.getDouble(GUEST_CPU_BUSY_PCT)) : "-",
                hostRates && u.isPresent(RecordFlags.PRESENT_HOST_VCPU)
                        ? pct(u.getDouble(HOST_VCPU_PCT))
                        : "-",
                memText,
                u.isPresent(RecordFlags.PRESENT_GUEST_FS) ? pct(u.getDouble(FS_USED_MAX_PCT)) : "-",
                hostRates && u.isPresent(RecordFlags.PRESENT_HOST_BLOCK)
                        ? rate(u.getDouble(DISK_READ_BYTES_PER_S))
                                + "/"
                                + rate(u.getDouble(DISK_WRITE_BYTES_PER_S))
                        : "-",
                hostRates && u.isPresent(RecordFlags.PRESENT_HOST_NET)
                        ? rate(u.getDouble(NET_RX_BYTES_PER_S))
                                + "/"
                                + rate(u.getDouble(NET_TX_BYTES_PER_S))
                        : "-",
                age);
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1fs", Math.max(0, nanos) / 1e9);
    }

    static String bytes(long n) {
        String[] units = {"B", "K", "M", "G", "T"};
        double v = n;
        int i = 0;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, i == 0 ? "%.0f%s" : "%.1f%s", v, units[i]);
    }

    private static String rate(double bytesPerSecond) {
        return bytes((long) bytesPerSecond) + "/s";
    }
}
