package io.vmpulse.agent.sample;

/**
 * What identifies the guest boot an agent runs in: the guest's part of a {@code Hello}.
 *
 * @param bootId {@code /proc/sys/kernel/random/boot_id}
 * @param kernelRelease {@code uname -r}
 * @param userHz {@code AT_CLKTCK}, the unit of {@code /proc/stat} ticks
 */
public record GuestIdentity(String bootId, String kernelRelease, int userHz) {}
