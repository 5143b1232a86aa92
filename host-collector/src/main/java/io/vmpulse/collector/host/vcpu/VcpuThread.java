package io.vmpulse.collector.host.vcpu;

/** A vCPU thread of a VMM: its thread id and the vCPU number it runs. */
public record VcpuThread(int tid, int index) {}
