package io.vmpulse.collector.session;

import io.vmpulse.collector.catalog.DescriptorDirectory;
import io.vmpulse.collector.catalog.VmCatalog;
import io.vmpulse.collector.control.ControlServer;
import io.vmpulse.collector.control.VmControlService;
import io.vmpulse.collector.host.HostSampler;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Everything `host-collector serve` runs: the VM registry fed by the descriptor directory and the
 * control API, and the {@link Collector} that serves the VMs it holds. Started in that order so
 * that no VM is registered before the collector listens to the registry.
 */
public final class CollectorDaemon implements AutoCloseable {

    private static final Duration RESCAN = Duration.ofSeconds(30);

    private final VmCatalog vms = new VmCatalog();
    private final Collector collector;
    private DescriptorDirectory directory;
    private ControlServer control;

    private CollectorDaemon(Collector collector) {
        this.collector = collector;
    }

    public static CollectorDaemon start(CollectorSettings settings) throws IOException {
        CollectorDaemon d =
                new CollectorDaemon(Collector.start(settings, HostSampler.Options.defaults()));
        try {
            d.vms.addListener(d.collector);
            if (settings.descriptorDir().isPresent()) {
                d.directory =
                        new DescriptorDirectory(settings.descriptorDir().get(), d.vms, RESCAN);
                d.directory.start();
            }
            if (settings.controlSocket().isPresent()) {
                d.control =
                        ControlServer.start(
                                settings.controlSocket().get(),
                                Optional.ofNullable(settings.controlGroup()),
                                new VmControlService(d.vms, d::rejectedDescriptors));
            }
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    public VmCatalog vms() {
        return vms;
    }

    public Collector collector() {
        return collector;
    }

    private Map<java.nio.file.Path, String> rejectedDescriptors() {
        return directory == null ? Map.of() : directory.rejected();
    }

    @Override
    public void close() {
        if (control != null) {
            control.close();
        }
        if (directory != null) {
            directory.close();
        }
        collector.close();
    }
}
