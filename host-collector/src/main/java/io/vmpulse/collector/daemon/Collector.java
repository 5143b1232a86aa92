package io.vmpulse.collector.daemon;

import io.grpc.Server;
import io.vmpulse.collector.host.HostSampler;
import io.vmpulse.collector.host.HostTargets;
import io.vmpulse.collector.host.Hypervisor;
import io.vmpulse.collector.ingest.GuestLink;
import io.vmpulse.collector.ingest.IngestServer;
import io.vmpulse.collector.shm.RegistryOptions;
import io.vmpulse.collector.shm.RegistryWriter;
import io.vmpulse.collector.vm.GuestEndpoint;
import io.vmpulse.collector.vm.Vm;
import io.vmpulse.collector.vm.VmRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * The host collector: for every VM in a {@link VmRegistry}, a listener for its guest, a host-side
 * sampler, a merger and a slot in the shared-memory registry; and one timer that keeps host
 * metrics flowing for VMs whose guest is silent, and advances the registry heartbeat.
 *
 * <p>VM lifecycle changes are applied in order on one thread of their own, so a registry callback
 * returns at once and a slow teardown (the final host read) never holds up ingest.
 */
public final class Collector implements VmRegistry.Listener, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Collector.class.getName());
    private static final Duration MERGE_PICKUP = Duration.ofMillis(10);

    private final CollectorSettings settings;
    private final RegistryWriter registry;
    private final IngestServer ingest;
    private final HostSampler.Options hostOptions;
    private final ExecutorService lifecycle = Executors.newSingleThreadExecutor(daemon("vmpulse-lifecycle"));
    /** Merges and publishes; picks up guest arrivals every few ms rather than being woken for each. */
    private final BatchingExecutor pool = new BatchingExecutor(2, MERGE_PICKUP, daemon("vmpulse-merge"));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("vmpulse-timer"));
    private final Map<String, VmPipeline> pipelines = new ConcurrentHashMap<>();
    private final long intervalNanos;

    private Collector(CollectorSettings settings, RegistryWriter registry, HostSampler.Options hostOptions) {
        this.settings = settings;
        this.registry = registry;
        this.ingest = new IngestServer(settings.guestLimits());
        this.hostOptions = hostOptions;
        this.intervalNanos = settings.interval().toNanos();
    }

    /** Creates the registry (refusing one a live collector holds) and starts the timer. */
    public static Collector start(CollectorSettings settings, HostSampler.Options hostOptions) throws IOException {
        RegistryWriter registry = RegistryWriter.create(
                new RegistryOptions(settings.registryPath(), settings.slots(), settings.registryGroup()));
        if (registry.replacedStaleFile()) {
            LOG.warning("registry " + settings.registryPath() + " was left by a collector that is gone; reinitialised it");
        }
        Collector c = new Collector(settings, registry, hostOptions);
        long period = Math.max(1, settings.interval().toMillis() / 4);
        c.timer.scheduleAtFixedRate(c::tick, period, period, TimeUnit.MILLISECONDS);
        return c;
    }

    public RegistryWriter registry() {
        return registry;
    }

    private void tick() {
        try {
            registry.heartbeat();
            long now = System.nanoTime();
            for (VmPipeline p : pipelines.values()) {
                p.tick(now);
            }
        } catch (RuntimeException e) {
            LOG.warning("timer: " + e);
        }
    }

    @Override
    public void vmAdded(Vm vm) {
        lifecycle.execute(() -> add(vm));
    }

    @Override
    public void vmUpdated(Vm before, Vm after) {
        lifecycle.execute(() -> {
            remove(before);
            add(after);
        });
    }

    @Override
    public void vmRemoved(Vm vm) {
        lifecycle.execute(() -> remove(vm));
    }

    private void add(Vm vm) {
        int slot;
        try {
            slot = registry.claim(vm.id());
        } catch (RuntimeException e) {
            LOG.severe("vm " + vm.id() + ": no registry slot: " + e.getMessage());
            return;
        }
        HostSampler host = new HostSampler(targets(vm), hostOptions);
        VmPipeline p = new VmPipeline(vm, slot, registry, host, pool, intervalNanos);
        GuestLink link = ingest.link(vm.id(), p);
        link.requestInterval(settings.interval());
        p.link = link;
        try {
            p.listener = listen(vm, link);
        } catch (IOException | RuntimeException e) {
            LOG.severe("vm " + vm.id() + ": cannot listen for its guest: " + e.getMessage()
                    + "; publishing its host half only");
        }
        pipelines.put(vm.id(), p);
        p.tick(System.nanoTime());
        LOG.info(() -> "vm " + vm.id() + ": registered in slot " + slot);
    }

    private Server listen(Vm vm, GuestLink link) throws IOException {
        GuestEndpoint g = vm.guest();
        if (g instanceof GuestEndpoint.HybridVsock h) {
            return ingest.listenUnix(h.listenPath(), link);
        }
        if (g instanceof GuestEndpoint.LibkrunSocket l) {
            return ingest.listenUnix(l.path(), link);
        }
        if (g instanceof GuestEndpoint.Tcp t) {
            if (!settings.tcpEnabled()) {
                throw new IOException("its descriptor asks for TCP, which this collector has turned off (tcp_enabled)");
            }
            return ingest.listenTcp(t.host(), t.port(), link);
        }
        throw new IOException("AF_VSOCK guests need vsock_port in the collector's configuration");
    }

    private void remove(Vm vm) {
        VmPipeline p = pipelines.remove(vm.id());
        if (p == null) {
            return;
        }
        p.finish();
        LOG.info(() -> "vm " + vm.id() + ": unregistered; final sample published, slot " + p.slot
                + " freed in " + settings.grace().toMillis() + " ms");
        timer.schedule(() -> registry.release(p.slot), settings.grace().toMillis(), TimeUnit.MILLISECONDS);
    }

    static HostTargets targets(Vm vm) {
        return new HostTargets(
                Hypervisor.valueOf(vm.hypervisor().name()),
                vm.vmmPid().orElse(0),
                vm.taps(),
                vm.blockDevices(),
                vm.host().apiSocket().orElse(null),
                vm.host().qmpSocket().orElse(null),
                vm.host().metricsPath().orElse(null),
                vm.balloon(),
                vm.cgroup().orElse(null));
    }

    /** Publishes a final sample for every VM and closes the registry with its writer-closed mark. */
    @Override
    public void close() {
        lifecycle.shutdown();
        try {
            lifecycle.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timer.shutdownNow();
        for (VmPipeline p : pipelines.values()) {
            p.finish();
        }
        pipelines.clear();
        pool.close();
        ingest.close();
        registry.close();
    }

    static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
