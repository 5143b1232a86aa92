/**
 * The host half of a VM: what only the host can see, read per VM by a {@link
 * io.vmpulse.collector.host.HostSampler} into a reused {@link
 * io.vmpulse.collector.merge.HostReading}.
 *
 * <p>One sub-package per source: {@code vcpu} (vCPU threads' schedstat), {@code process} (VMM stat,
 * smaps_rollup, io), {@code cgroup} (cgroup v2 of the VM), {@code net} (TAP counters), {@code
 * firecracker} (metrics file or FIFO, API), {@code cloudhypervisor} (vm.counters), {@code qemu}
 * (QMP); {@code proc} and {@code uds} are the plumbing (kept-open kernel files, Unix sockets with
 * deadlines).
 *
 * <h2>Host vCPU %</h2>
 *
 * Over an interval {@code dt} (ns) between two readings, with {@code d} the run time gained by each
 * vCPU thread present in both readings (same vCPU number, same tid), summed, and {@code n} the
 * number of those threads:
 *
 * <ul>
 *   <li>{@code 100 * d / dt}: 100% is one vCPU busy all the time; a 4-vCPU VM goes up to 400%.
 *   <li>{@code 100 * d / (dt * n)}: normalised, 100% is every vCPU busy.
 * </ul>
 *
 * A thread hot-plugged or unplugged during the interval does not count in it: its run time before
 * it was seen, or after it vanished, is unknown. {@code Δ vcpuWaitNs} over the same interval is the
 * time the vCPU threads were runnable but waiting for a host CPU: what the guest sees as steal. A
 * vCPU thread that vanished takes its counts with it, so that total can go down: the steal
 * cross-check treats that as a reset.
 *
 * <h2>TAPs in other network namespaces</h2>
 *
 * {@code /sys/class/net} shows the network namespace of the process that mounted that sysfs. A TAP
 * in another namespace is read through a sysfs mounted from inside it, for example {@code nsenter
 * --net=/run/netns/NS mount -t sysfs none DIR}, given as {@link
 * io.vmpulse.collector.host.HostSampler.Options#sysfsRoot()}.
 */
package io.vmpulse.collector.host;
