package io.vmpulse.collector.catalog;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The VMs this collector serves, each with the {@link VmSource} that registered it.
 *
 * <p>Invariants: ids are unique, and no two VMs share a {@link GuestEndpoint#claim()} (a listen
 * path, a CID, a TCP address), because the endpoint is what identifies a guest on ingest. Only the
 * source that registered a VM may update or unregister it, so deleting a descriptor file removes
 * only what that file added, and the API cannot override a file.
 *
 * <p>Thread-safe. {@link Listener}s are called while the registry's lock is held, in the order of
 * the changes, so a listener never sees {@code vmRemoved} before the matching {@code vmAdded}; they
 * must return quickly and must not wait for another thread that uses this registry.
 */
public final class VmCatalog {

    /** Told about every change. The ingest side opens and closes per-VM listeners from here. */
    public interface Listener {
        void vmAdded(Vm vm);

        void vmUpdated(Vm before, Vm after);

        void vmRemoved(Vm vm);
    }

    public record Entry(Vm vm, VmSource source) {}

    private static final System.Logger LOG = System.getLogger(VmCatalog.class.getName());

    private final Map<String, Entry> byId = new HashMap<>();
    private final Map<String, String> idByClaim = new HashMap<>();
    private final List<Listener> listeners = new ArrayList<>();

    /**
     * Adds a listener and, before returning, tells it {@code vmAdded} for every VM already
     * registered, so that it misses nothing.
     */
    public synchronized void addListener(final Listener listener) {
        listeners.add(Objects.requireNonNull(listener));
        byId.values().forEach(e -> notify(listener, l -> l.vmAdded(e.vm())));
    }

    public synchronized void removeListener(final Listener listener) {
        listeners.remove(listener);
    }

    public synchronized void register(final Vm vm, final VmSource source) throws CatalogException {
        final Entry existing = byId.get(vm.id());
        if (existing != null) {
            throw new CatalogException(
                    CatalogException.Reason.ID_TAKEN,
                    "id",
                    "vm \""
                            + vm.id()
                            + "\" is already registered by "
                            + existing.source().describe());
        }
        checkEndpointFree(vm, null);
        byId.put(vm.id(), new Entry(vm, source));
        idByClaim.put(vm.guest().claim(), vm.id());
        listeners.forEach(l -> notify(l, x -> x.vmAdded(vm)));
    }

    /**
     * Replaces the VM with the same id. Listeners are not called when nothing changed.
     *
     * @return the VM as it was before
     */
    public synchronized Vm update(final Vm vm, final VmSource source) throws CatalogException {
        final Vm before = owned(vm.id(), source).vm();
        if (before.equals(vm)) {
            return before;
        }
        checkEndpointFree(vm, vm.id());
        idByClaim.remove(before.guest().claim());
        idByClaim.put(vm.guest().claim(), vm.id());
        byId.put(vm.id(), new Entry(vm, source));
        listeners.forEach(l -> notify(l, x -> x.vmUpdated(before, vm)));
        return before;
    }

    /**
     * @return the VM that was removed
     */
    public synchronized Vm unregister(final String id, final VmSource source)
            throws CatalogException {
        final Vm vm = owned(id, source).vm();
        byId.remove(id);
        idByClaim.remove(vm.guest().claim());
        listeners.forEach(l -> notify(l, x -> x.vmRemoved(vm)));
        return vm;
    }

    public synchronized Optional<Entry> get(final String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** Every registered VM, ordered by id. */
    public synchronized List<Entry> list() {
        final List<Entry> entries = new ArrayList<>(byId.values());
        entries.sort(Comparator.comparing(e -> e.vm().id()));
        return entries;
    }

    private Entry owned(final String id, final VmSource source) throws CatalogException {
        final Entry entry = byId.get(id);
        if (entry == null) {
            throw new CatalogException(
                    CatalogException.Reason.NOT_FOUND, "id", "no vm \"" + id + "\" is registered");
        }
        if (!entry.source().equals(source)) {
            throw new CatalogException(
                    CatalogException.Reason.OWNED_ELSEWHERE,
                    "id",
                    "vm \""
                            + id
                            + "\" was registered by "
                            + entry.source().describe()
                            + "; only that source may change or remove it");
        }
        return entry;
    }

    private void checkEndpointFree(final Vm vm, final String exceptId) throws CatalogException {
        final String holder = idByClaim.get(vm.guest().claim());
        if (holder != null && !holder.equals(exceptId)) {
            throw new CatalogException(
                    CatalogException.Reason.ENDPOINT_TAKEN,
                    "guest",
                    "guest endpoint "
                            + vm.guest().claim()
                            + " is already used by vm \""
                            + holder
                            + "\" (registered by "
                            + byId.get(holder).source().describe()
                            + ")");
        }
    }

    /** One failing listener must not keep the others, or the registry, from going on. */
    private static void notify(
            final Listener listener, final java.util.function.Consumer<Listener> call) {
        try {
            call.accept(listener);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "VM registry listener " + listener + " failed", e);
        }
    }
}
