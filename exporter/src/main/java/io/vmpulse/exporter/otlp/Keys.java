package io.vmpulse.exporter.otlp;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;

/**
 * Attribute keys of the semantic conventions (and vmpulse's own), with the fixed sets made once.
 */
final class Keys {

    static final AttributeKey<String> HOST_ID = AttributeKey.stringKey("host.id");
    static final AttributeKey<String> HYPERVISOR = AttributeKey.stringKey("vmpulse.hypervisor");
    static final AttributeKey<String> AGENT_VERSION =
            AttributeKey.stringKey("vmpulse.guest.agent_version");
    static final AttributeKey<String> KERNEL_RELEASE =
            AttributeKey.stringKey("vmpulse.guest.kernel_release");

    static final AttributeKey<String> CPU_MODE = AttributeKey.stringKey("cpu.mode");
    static final AttributeKey<Long> CPU_LOGICAL_NUMBER = AttributeKey.longKey("cpu.logical_number");
    static final AttributeKey<String> PROCESS_STATE = AttributeKey.stringKey("process.state");
    static final AttributeKey<String> MEMORY_STATE = AttributeKey.stringKey("system.memory.state");
    static final AttributeKey<String> SLAB_STATE =
            AttributeKey.stringKey("system.memory.linux.slab.state");
    static final AttributeKey<String> PAGING_STATE = AttributeKey.stringKey("system.paging.state");
    static final AttributeKey<String> DEVICE = AttributeKey.stringKey("system.device");
    static final AttributeKey<String> FS_MODE = AttributeKey.stringKey("system.filesystem.mode");
    static final AttributeKey<String> FS_MOUNTPOINT =
            AttributeKey.stringKey("system.filesystem.mountpoint");
    static final AttributeKey<String> FS_STATE = AttributeKey.stringKey("system.filesystem.state");
    static final AttributeKey<String> FS_TYPE = AttributeKey.stringKey("system.filesystem.type");
    static final AttributeKey<String> DISK_DIRECTION = AttributeKey.stringKey("disk.io.direction");
    static final AttributeKey<String> NETWORK_DIRECTION =
            AttributeKey.stringKey("network.io.direction");
    static final AttributeKey<String> NETWORK_INTERFACE =
            AttributeKey.stringKey("network.interface.name");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<Long> VCPU_NUMBER = AttributeKey.longKey("vmpulse.vcpu.number");

    static final Attributes USER = Attributes.of(CPU_MODE, "user");
    static final Attributes SYSTEM = Attributes.of(CPU_MODE, "system");
    static final Attributes READ = Attributes.of(DISK_DIRECTION, "read");
    static final Attributes WRITE = Attributes.of(DISK_DIRECTION, "write");
    static final Attributes RECEIVE = Attributes.of(NETWORK_DIRECTION, "receive");
    static final Attributes TRANSMIT = Attributes.of(NETWORK_DIRECTION, "transmit");

    private Keys() {}
}
