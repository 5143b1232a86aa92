package io.vmpulse.exporter.metrics;

import io.vmpulse.exporter.scrape.ScrapedVm;

/** {@link Points} told which VM the points that follow belong to. */
public interface VmPoints extends Points {

    /**
     * The points that follow are {@code vm}'s, the {@code index}th of the scrape; -1 and null for a
     * family of the registry itself, whose points have no {@code vm_id}.
     */
    void vm(int index, ScrapedVm vm);
}
