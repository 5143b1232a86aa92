package io.vmpulse.collector.host;

import io.vmpulse.collector.merge.HostReading;
import io.vmpulse.collector.merge.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Block and network counters as a VMM's own devices count them, cumulative: summed over the VM's
 * devices, and per device in the order the VMM first listed them. The virtio-net device's rx is
 * what it handed to the guest, so here, unlike on a TAP, rx already is the guest's rx.
 *
 * <p>The totals are kept apart from the devices because a source may give totals without devices
 * (Firecracker's aggregate {@code block} object, from a Firecracker without per-device metrics).
 * Device entries are reused across {@link #clear()}, so a reader that clears one instance per line
 * allocates nothing once it has seen every device.
 */
public final class DeviceCounters {

    /** A device's name; its counters are the subclass's. */
    public abstract static class Device {
        String name;

        public String name() {
            return name;
        }

        abstract void zero();
    }

    /** One drive's counters. */
    public static final class Drive extends Device {
        public long readBytes;
        public long writeBytes;
        public long readOps;
        public long writeOps;

        @Override
        void zero() {
            readBytes = writeBytes = readOps = writeOps = 0;
        }
    }

    /** One network device's counters, rx being what the guest received. */
    public static final class Nic extends Device {
        public long rxBytes;
        public long txBytes;
        public long rxPackets;
        public long txPackets;
        public long rxErrors;
        public long txErrors;

        @Override
        void zero() {
            rxBytes = txBytes = rxPackets = txPackets = rxErrors = txErrors = 0;
        }
    }

    /** Devices in the order first named, reused across {@link #clear()}. */
    private static final class Devices<T extends Device> {
        private final List<T> entries = new ArrayList<>();
        private final Supplier<T> make;
        private int count;

        Devices(Supplier<T> make) {
            this.make = make;
        }

        /** The entry named {@code name}, added with zero counters if this is its first mention. */
        T named(String name) {
            for (int i = 0; i < count; i++) {
                if (entries.get(i).name.equals(name)) {
                    return entries.get(i);
                }
            }
            if (count == entries.size()) {
                entries.add(make.get());
            }
            T d = entries.get(count++);
            d.name = name;
            d.zero();
            return d;
        }
    }

    public boolean hasBlock;
    public long readBytes;
    public long writeBytes;
    public long readOps;
    public long writeOps;

    public boolean hasNet;

    /**
     * Whether the VMM counts network errors at all (Firecracker does, Cloud Hypervisor does not).
     */
    public boolean hasNetErrors;

    public long rxBytes;
    public long txBytes;
    public long rxPackets;
    public long txPackets;
    public long rxErrors;
    public long txErrors;

    private final Devices<Drive> drives = new Devices<>(Drive::new);
    private final Devices<Nic> nics = new Devices<>(Nic::new);

    public void clear() {
        hasBlock = hasNet = hasNetErrors = false;
        readBytes = writeBytes = readOps = writeOps = 0;
        rxBytes = txBytes = rxPackets = txPackets = rxErrors = txErrors = 0;
        drives.count = nics.count = 0;
    }

    /** The entry of drive {@code name}, added with zero counters if this is its first mention. */
    public Drive drive(String name) {
        return drives.named(name);
    }

    /**
     * The entry of network device {@code name}, added with zero counters if this is its first
     * mention.
     */
    public Nic nic(String name) {
        return nics.named(name);
    }

    public int driveCount() {
        return drives.count;
    }

    public Drive driveAt(int i) {
        return drives.entries.get(i);
    }

    public int nicCount() {
        return nics.count;
    }

    public Nic nicAt(int i) {
        return nics.entries.get(i);
    }

    /** Adds {@code from}'s block totals and drives to these. */
    public void addBlock(DeviceCounters from) {
        hasBlock = true;
        readBytes += from.readBytes;
        writeBytes += from.writeBytes;
        readOps += from.readOps;
        writeOps += from.writeOps;
        for (int i = 0; i < from.driveCount(); i++) {
            Drive f = from.driveAt(i);
            Drive d = drive(f.name);
            d.readBytes += f.readBytes;
            d.writeBytes += f.writeBytes;
            d.readOps += f.readOps;
            d.writeOps += f.writeOps;
        }
    }

    /** Adds {@code from}'s network totals and devices to these. */
    public void addNet(DeviceCounters from) {
        hasNet = true;
        hasNetErrors |= from.hasNetErrors;
        rxBytes += from.rxBytes;
        txBytes += from.txBytes;
        rxPackets += from.rxPackets;
        txPackets += from.txPackets;
        rxErrors += from.rxErrors;
        txErrors += from.txErrors;
        for (int i = 0; i < from.nicCount(); i++) {
            Nic f = from.nicAt(i);
            Nic n = nic(f.name);
            n.rxBytes += f.rxBytes;
            n.txBytes += f.txBytes;
            n.rxPackets += f.rxPackets;
            n.txPackets += f.txPackets;
            n.rxErrors += f.rxErrors;
            n.txErrors += f.txErrors;
        }
    }

    /**
     * Copies the block totals and drives into {@code into} and marks {@link Source#BLOCK}: failed
     * if no drive was seen.
     */
    public void copyBlockInto(HostReading into) {
        if (!hasBlock) {
            into.markFailed(Source.BLOCK, "no counters for the VM's drives");
            return;
        }
        into.diskReadBytes = readBytes;
        into.diskWriteBytes = writeBytes;
        into.diskReadOps = readOps;
        into.diskWriteOps = writeOps;
        for (int i = 0; i < driveCount(); i++) {
            Drive d = driveAt(i);
            into.addDisk(d.name, d.readBytes, d.writeBytes, d.readOps, d.writeOps);
        }
        into.markPresent(Source.BLOCK);
    }

    /**
     * Copies the network totals and devices into {@code into}; false (nothing touched) if no
     * interface was seen. No VMM counts drops, and errors only where {@link #hasNetErrors}: the
     * rest stay ABSENT.
     */
    public boolean copyNetInto(HostReading into) {
        if (!hasNet) {
            return false;
        }
        into.netRxBytes = rxBytes;
        into.netTxBytes = txBytes;
        into.netRxPackets = rxPackets;
        into.netTxPackets = txPackets;
        into.netRxErrors = hasNetErrors ? rxErrors : HostReading.ABSENT;
        into.netTxErrors = hasNetErrors ? txErrors : HostReading.ABSENT;
        into.netRxDropped = into.netTxDropped = HostReading.ABSENT;
        for (int i = 0; i < nicCount(); i++) {
            Nic n = nicAt(i);
            into.addNic(
                    n.name,
                    n.rxBytes,
                    n.txBytes,
                    n.rxPackets,
                    n.txPackets,
                    HostReading.ABSENT,
                    HostReading.ABSENT,
                    hasNetErrors ? n.rxErrors : HostReading.ABSENT,
                    hasNetErrors ? n.txErrors : HostReading.ABSENT);
        }
        into.netFromTap = false;
        into.markPresent(Source.NET);
        return true;
    }
}
