package io.vmpulse.collector.session;

import io.grpc.Server;
import io.vmpulse.collector.catalog.GuestEndpoint;
import io.vmpulse.collector.catalog.Vm;
import io.vmpulse.collector.catalog.VmCatalog;
import io.vmpulse.collector.host.HostSampler;
import io.vmpulse.collector.host.HostTargets;
import io.vmpulse.collector.ingest.GuestLink;
import io.vmpulse.collector.ingest.IngestBounds;
import io.vmpulse.collector.ingest.IngestServer;
import io.vmpulse.collector.ingest.PeerRule;
import io.vmpulse.collector.merge.GuestHalf;
import io.vmpulse.collector.merge.IngestCounts;
import io.vmpulse.collector.merge.VmInfo;
import io.vmpulse.collector.publish.RegistryWriter;
import io.vmpulse.collector.threads.DaemonThreads;
import io.vmpulse.registry.layout.RegistryLayout;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The host collector: for every VM in a {@link VmCatalog}, a listener for its guest, a host-side
 * sampler, a merger and a slot in the shared-memory registry; and one timer that keeps host metrics
 * flowing for VMs whose guest is silent, and advances the registry heartbeat.
 *
 * <p>The heartbeat never outlives the data path: the timer advances it only while every merge
 * thread is alive and the registry file is intact (not deleted, replaced or truncated). When either
 * fails, the heartbeat stops for good and {@link #failure()} completes with the reason; {@code
 * serve} then exits with it, and a restart builds everything anew.
 *
 * <p>VM lifecycle changes are applied in order on one thread of their own, so a registry callback
 * returns at once and a slow teardown (the final host read) never holds up ingest.
 */
public final class Collector implements VmCatalog.Listener, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Collector.class.getName());
    private static final Duration MERGE_PICKUP = Duration.ofMillis(10);
    private static final int SOCKET_THREADS = 4;

    private final CollectorSettings settings;
    private final RegistryWriter registry;
    private final IngestServer ingest;
    private final HostSampler.Options hostOptions;
    private final ExecutorService lifecycle =
            Executors.newSingleThreadExecutor(DaemonThreads.named("vmpulse-lifecycle"));

    /**
     * Merges and publishes; picks up guest arrivals every few ms rather than being woken for each.
     */
    private final BatchingExecutor pool =
            new BatchingExecutor(2, MERGE_PICKUP, DaemonThreads.named("vmpulse-merge"));

    /**
     * Guest samples that may wait for the merge across all VMs beyond one per VM: a second of lag
     * at 4,096 VMs at 1 Hz (about 5 KiB each once parsed, for a guest with a few CPUs and
     * filesystems: ~20 MiB), so a merge pool behind by seconds cannot fill the heap.
     */
    private final ArrivalBudget waitingSamples = new ArrivalBudget(4096);

    /**
     * Host-side socket exchanges of every VM (see HostSampler): a VMM that hangs holds one of these
     * threads for a socket timeout per backoff period, never a merge thread. Four ride out dozens
     * of hung VMMs at once (each costs 0.1 thread with the default timeout and backoff).
     */
    private final ExecutorService sockets =
            Executors.newFixedThreadPool(SOCKET_THREADS, DaemonThreads.named("vmpulse-socket"));

    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("vmpulse-timer"));
    private final Map<String, VmSession> pipelines = new ConcurrentHashMap<>();
    private final Map<Integer, GuestLink> linksByCid = new ConcurrentHashMap<>();

    /**
     * Finished sessions whose slot still shows the VM's final record, by VM id; compared by
     * identity, so a VM removed twice ends only its latest grace. Only the lifecycle thread touches
     * it.
     */
    private final Map<String, VmSession> inGrace = new HashMap<>();

    private Server vsock;
    private final long intervalNanos;
    private final CompletableFuture<String> failure = new CompletableFuture<>();

    private Collector(
            CollectorSettings settings, RegistryWriter registry, HostSampler.Options hostOptions) {
        this.settings = settings;
        this.registry = registry;
        this.ingest =
                new IngestServer(
                        settings.guestLimits(),
                        IngestBounds.forThisProcess(),
                        settings.ingestSockets());
        // The flush interval is the operator's (configuration); the options given describe the
        // machine.
        HostSampler.Options configured = hostOptions.withFlushInterval(settings.firecrackerFlush());
        this.hostOptions =
                configured.socketExecutor() != null
                        ? configured
                        : configured.withSocketExecutor(sockets);
        this.intervalNanos = settings.interval().toNanos();
    }

    /** Creates the registry (refusing one a live collector holds) and starts the timer. */
    public static Collector start(CollectorSettings settings, HostSampler.Options hostOptions)
            throws IOException {
        GuestHalf.resolveWirePaths();
        RegistryWriter registry = RegistryWriter.create(settings.registryOptions());
        if (registry.replacedStaleFile()) {
            LOG.warning(
                    "registry "
                            + settings.registryPath()
                            + " was left by a collector that is gone; reinitialised it");
        }
        Collector c = new Collector(settings, registry, hostOptions);
        if (settings.vsockPort() != 0) {
            try {
                c.vsock = c.ingest.listenVsock(settings.vsockPort(), c.linksByCid::get);
            } catch (IOException | RuntimeException e) {
                c.close();
                throw new IOException(
                        "cannot listen on AF_VSOCK port "
                                + Integer.toUnsignedString(settings.vsockPort())
                                + ": "
                                + e.getMessage(),
                        e);
            }
        }
        // A quarter interval, and never less often than readers are told to expect a heartbeat.
        long period =
                Math.min(
                        RegistryLayout.HEARTBEAT_PERIOD_MS,
                        Math.max(1, settings.interval().toMillis() / 4));
        c.timer.scheduleAtFixedRate(c::tick, period, period, TimeUnit.MILLISECONDS);
        return c;
    }

    public RegistryWriter registry() {
        return registry;
    }

    /**
     * Completes, once, with why the data path stopped (a merge thread died; the registry file was
     * deleted, replaced or truncated). The heartbeat has stopped by then.
     */
    public CompletableFuture<String> failure() {
        return failure;
    }

    /** What ingest has counted of {@code vmId}'s guest; null when the VM has no session. */
    IngestCounts ingestCounts(String vmId) {
        VmSession p = pipelines.get(vmId);
        return p == null ? null : p.link().stats();
    }

    /** The merge pool, for tests that take a merge thread down. */
    BatchingExecutor mergePool() {
        return pool;
    }

    private void tick() {
        if (failure.isDone()) {
            return;
        }
        // The file first: a truncated file also kills the merge thread that touches it, and
        // "truncated" says more than "died".
        String broken = registry.fileProblem();
        if (broken == null) {
            broken = pool.failure();
        }
        if (broken != null) {
            LOG.severe("data path stopped, heartbeat stopped: " + broken);
            failure.complete(broken);
            return;
        }
        try {
            registry.heartbeat();
            long now = System.nanoTime();
            for (VmSession p : pipelines.values()) {
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

    /**
     * A VM whose guest endpoint stays the same keeps its slot, its link and its guest's stream;
     * only its host-side sampler is replaced. A new endpoint needs a new listener: the VM is then
     * removed (final sample) and added again.
     */
    @Override
    public void vmUpdated(Vm before, Vm after) {
        lifecycle.execute(
                () -> {
                    VmSession p = pipelines.get(before.id());
                    if (p != null && before.guest().equals(after.guest())) {
                        p.describe(info(after));
                        p.replaceHost(new HostSampler(targets(after), hostOptions));
                        LOG.info(() -> "vm " + after.id() + ": host-side targets updated");
                        return;
                    }
                    remove(before);
                    add(after);
                });
    }

    @Override
    public void vmRemoved(Vm vm) {
        lifecycle.execute(() -> remove(vm));
    }

    private void add(Vm vm) {
        // A VM back within its grace period (re-registered, or a new guest endpoint) holds its old
        // final slot still: free it now, so the claim gives readers a new generation at once.
        VmSession old = inGrace.remove(vm.id());
        if (old != null) {
            old.reclaim();
        }
        int slot;
        try {
            slot = registry.claim(vm.id());
        } catch (RuntimeException e) {
            LOG.severe("vm " + vm.id() + ": no registry slot: " + e.getMessage());
            return;
        }
        HostSampler host = new HostSampler(targets(vm), hostOptions);
        VmSession p =
                new VmSession(
                        vm.id(),
                        slot,
                        registry,
                        host,
                        pool,
                        waitingSamples,
                        intervalNanos,
                        ingest,
                        settings.interval());
        p.describe(info(vm));
        try {
            p.listening(listen(vm, p.link()));
        } catch (IOException | RuntimeException e) {
            LOG.severe(
                    "vm "
                            + vm.id()
                            + ": cannot listen for its guest: "
                            + e.getMessage()
                            + "; publishing its host half only");
        }
        pipelines.put(vm.id(), p);
        p.tick(System.nanoTime());
        LOG.info(() -> "vm " + vm.id() + ": registered in slot " + slot);
    }

    /**
     * The VM's own listener, or null for a vsock guest: those share the collector's AF_VSOCK
     * listener.
     */
    private Server listen(Vm vm, GuestLink link) throws IOException {
        GuestEndpoint g = vm.guest();
        // The VMM connects on its guest's behalf: only its user may speak for the VM
        // (docs/operations.md).
        PeerRule peers =
                vm.vmmPid().isPresent()
                        ? PeerRule.sameUserAs(vm.vmmPid().getAsInt())
                        : PeerRule.ANY;
        if (g instanceof GuestEndpoint.HybridVsock h) {
            return ingest.listenUnix(h.listenPath(), link, peers);
        }
        if (g instanceof GuestEndpoint.LibkrunSocket l) {
            return ingest.listenUnix(l.path(), link, peers);
        }
        if (g instanceof GuestEndpoint.Tcp t) {
            if (!settings.tcpEnabled()) {
                throw new IOException(
                        "its descriptor asks for TCP, which this collector has turned off (tcp_enabled)");
            }
            return ingest.listenTcp(t.host(), t.port(), link);
        }
        GuestEndpoint.VsockCid v = (GuestEndpoint.VsockCid) g;
        if (vsock == null) {
            throw new IOException(
                    "its guest uses AF_VSOCK (CID "
                            + Integer.toUnsignedString(v.cid())
                            + "), and this collector has no vsock_port configured");
        }
        linksByCid.put(v.cid(), link);
        return null;
    }

    private void remove(Vm vm) {
        VmSession p = pipelines.remove(vm.id());
        if (p == null) {
            return;
        }
        if (vm.guest() instanceof GuestEndpoint.VsockCid v) {
            linksByCid.remove(v.cid(), p.link());
        }
        p.finish();
        LOG.info(
                () ->
                        "vm "
                                + vm.id()
                                + ": unregistered; final sample published, slot "
                                + p.slot
                                + " freed in "
                                + settings.grace().toMillis()
                                + " ms");
        inGrace.put(vm.id(), p);
        timer.schedule(
                () -> endGrace(vm.id(), p), settings.grace().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Frees the slot on the lifecycle thread, so it never races a VM coming back in {@link #add}.
     */
    private void endGrace(String vmId, VmSession finished) {
        try {
            lifecycle.execute(
                    () -> {
                        if (inGrace.remove(vmId, finished)) {
                            finished.reclaim();
                        }
                    });
        } catch (RejectedExecutionException e) {
            // closing: the registry is marked closed as a whole
        }
    }

    static VmInfo info(Vm vm) {
        return new VmInfo(vm.hypervisor().descriptorName(), vm.labels());
    }

    static HostTargets targets(Vm vm) {
        return new HostTargets(
                vm.hypervisor(),
                vm.vmmPid().orElse(0),
                vm.taps(),
                vm.blockDevices(),
                vm.host().apiSocket().orElse(null),
                vm.host().qmpSocket().orElse(null),
                vm.host().metricsPath().orElse(null),
                vm.balloon(),
                vm.cgroup().orElse(null));
    }

    /**
     * Publishes a final sample for every VM and closes the registry with its writer-closed mark.
     */
    @Override
    public void close() {
        lifecycle.shutdown();
        try {
            lifecycle.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timer.shutdownNow();
        for (VmSession p : pipelines.values()) {
            try {
                p.finish();
            } catch (RuntimeException e) {
                LOG.warning("vm " + p.vmId + ": no final sample: " + e.getMessage());
            }
        }
        pipelines.clear();
        pool.close();
        sockets.shutdownNow();
        if (vsock != null) {
            vsock.shutdownNow();
        }
        ingest.close();
        registry.close();
    }
}
