package io.vmpulse.collector.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the {@link VmCatalog} in step with a directory of descriptor files, one VM per {@code
 * *.json} file: creating a file registers its VM, modifying it updates the VM, deleting it
 * unregisters the VM. Names starting with a dot are ignored, so an orchestrator can write {@code
 * .vm-7.json.tmp} and rename it into place atomically.
 *
 * <p>{@link #start()} loads every file already there (the directory outlives the collector), then a
 * daemon thread follows {@link WatchService} events and, as a safety net for lost events (the
 * kernel queue can overflow), rescans the whole directory every {@code rescanInterval}. A rescan
 * re-reads only files whose modification time, size or inode changed.
 *
 * <p>A rejected file is reported (logged once per distinct error, and listed by {@link
 * #rejected()}) with its path and the field at fault; other files are unaffected. If a file that
 * was loaded becomes invalid, its VM stays registered as last loaded until the file is fixed or
 * deleted: a half-written file must not tear down a running VM's ingest. A file rejected because
 * its id or endpoint was taken is retried whenever another file goes away.
 */
public final class DescriptorDirectory implements AutoCloseable {
    /** Descriptors are a few hundred bytes; anything this large is not one. */
    static final int MAX_FILE_BYTES = 64 * 1024;

    /** Events arriving this close together are handled as one batch (an editor's save, a copy). */
    private static final long SETTLE_MILLIS = 20;

    private static final long MAX_BATCH_MILLIS = 500;
    private static final String SUFFIX = ".json";
    private static final System.Logger LOG = System.getLogger(DescriptorDirectory.class.getName());

    /**
     * @param notRegular why the entry cannot be a descriptor (a symlink, a FIFO, a device), or null
     */
    private record Stamp(FileTime modified, long size, Object fileKey, String notRegular) {}

    /**
     * What the directory last saw of one file.
     *
     * @param vmId the id this file registered, if any (may be older than the file's content)
     * @param error why the current content is rejected, or null
     * @param retry the rejection may clear without the file changing (a taken id or endpoint, an
     *     I/O error)
     */
    private record FileState(Stamp stamp, String vmId, String error, boolean retry) {}

    private final Path directory;
    private final VmCatalog registry;
    private final Duration rescanInterval;

    /** Touched only by the thread that started the directory, then by the watcher thread. */
    private final Map<Path, FileState> files = new HashMap<>();

    private final Map<Path, String> rejected = new ConcurrentHashMap<>();
    private WatchService watchService;
    private Thread thread;

    public DescriptorDirectory(
            final Path directory, final VmCatalog registry, final Duration rescanInterval) {
        this.directory = directory.toAbsolutePath().normalize();
        this.registry = registry;
        this.rescanInterval = rescanInterval;
    }

    /** Creates the directory if needed, registers every descriptor in it, and starts watching. */
    public synchronized void start() throws IOException {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        Files.createDirectories(directory);
        refuseIfWritableByOthers(directory);
        // Watch before the first scan, so that a file written during the scan still raises an
        // event.
        watchService = directory.getFileSystem().newWatchService();
        directory.register(
                watchService,
                StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_DELETE,
                StandardWatchEventKinds.ENTRY_MODIFY);
        rescan();
        thread = new Thread(this::watch, "vm-descriptor-dir " + directory);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * A descriptor names sockets the collector will create and processes it will read, so whoever
     * can write the directory controls the collector: "others" must not be able to.
     */
    private static void refuseIfWritableByOthers(final Path dir) throws IOException {
        if (Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(
                    "descriptor directory "
                            + dir
                            + " is writable by every user, who could then register VMs;"
                            + " remove that permission (chmod o-w "
                            + dir
                            + ")");
        }
    }

    public Path directory() {
        return directory;
    }

    /** Files currently rejected, with the reason (naming the file and field), ordered by path. */
    public Map<Path, String> rejected() {
        return new TreeMap<>(rejected);
    }

    /** Stops watching. The VMs stay registered: the collector is stopping, not the VMs. */
    @Override
    public void close() {
        final Thread t;
        synchronized (this) {
            t = thread;
            if (watchService != null) {
                try {
                    watchService.close();
                } catch (IOException e) {
                    LOG.log(
                            System.Logger.Level.WARNING,
                            "closing the watch on " + directory + " failed",
                            e);
                }
            }
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void watch() {
        try {
            long nextRescan = System.nanoTime() + rescanInterval.toNanos();
            while (true) {
                final long wait = nextRescan - System.nanoTime();
                final WatchKey first =
                        wait > 0 ? watchService.poll(wait, TimeUnit.NANOSECONDS) : null;
                final boolean eventsComplete = first == null || handleEvents(first);
                // A steady stream of events must not postpone the safety-net rescan for ever.
                if (first == null || !eventsComplete || System.nanoTime() - nextRescan >= 0) {
                    rescan();
                    nextRescan = System.nanoTime() + rescanInterval.toNanos();
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // close() was called.
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "watching " + directory + " stopped", e);
        }
    }

    /**
     * Collects the events of {@code first} and of any that follow within {@link #SETTLE_MILLIS}
     * (bounded by {@link #MAX_BATCH_MILLIS}), and reconciles the files they name.
     *
     * @return false if events were lost, so the caller must rescan everything instead
     */
    private boolean handleEvents(final WatchKey first) throws InterruptedException {
        final TreeSet<Path> changed = new TreeSet<>();
        boolean complete = true;
        final long batchEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_BATCH_MILLIS);
        for (WatchKey key = first; key != null; ) {
            for (WatchEvent<?> event : key.pollEvents()) {
                if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                    complete = false;
                } else {
                    changed.add(directory.resolve((Path) event.context()));
                }
            }
            if (!key.reset()) {
                LOG.log(
                        System.Logger.Level.ERROR,
                        "descriptor directory "
                                + directory
                                + " is gone; the VMs it registered are kept until it reappears");
                waitForDirectory();
                return false;
            }
            key =
                    System.nanoTime() - batchEnd < 0
                            ? watchService.poll(SETTLE_MILLIS, TimeUnit.MILLISECONDS)
                            : null;
        }
        if (complete) {
            changed.forEach(this::reconcile);
            retryPending();
        }
        return complete;
    }

    private void waitForDirectory() throws InterruptedException {
        while (true) {
            try {
                directory.register(
                        watchService,
                        StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_DELETE,
                        StandardWatchEventKinds.ENTRY_MODIFY);
                return;
            } catch (IOException e) {
                Thread.sleep(rescanInterval.toMillis());
            }
        }
    }

    /** Brings every file, present or vanished, in step; then retries files waiting on others. */
    private void rescan() {
        final TreeSet<Path> all = new TreeSet<>(files.keySet());
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            entries.forEach(all::add);
        } catch (IOException e) {
            // A vanished directory is not an instruction to unregister every VM it described.
            LOG.log(
                    System.Logger.Level.ERROR,
                    "cannot list descriptor directory " + directory + ": " + e);
            return;
        }
        all.forEach(this::reconcile);
        retryPending();
    }

    private void retryPending() {
        files.entrySet().stream()
                .filter(e -> e.getValue().retry())
                .map(Map.Entry::getKey)
                .sorted()
                .toList()
                .forEach(this::reconcile);
    }

    private void reconcile(final Path file) {
        final String name = file.getFileName().toString();
        if (name.startsWith(".") || !name.endsWith(SUFFIX)) {
            return;
        }
        final FileState before = files.get(file);
        final Optional<Stamp> stamp = stamp(file);
        if (stamp.isEmpty()) {
            forget(file, before);
            return;
        }
        if (before != null && before.stamp().equals(stamp.get()) && !before.retry()) {
            return;
        }
        final String previousId = before == null ? null : before.vmId();
        if (stamp.get().notRegular() != null) {
            reject(
                    file,
                    new FileState(
                            stamp.get(),
                            previousId,
                            file + ": " + stamp.get().notRegular(),
                            false));
            return;
        }
        final Vm vm;
        try {
            vm = VmDescriptors.toVm(DescriptorJson.parse(read(file)));
        } catch (RuntimeException e) {
            // A bug in the checks must cost one file, not the watcher (nor, at startup, serve).
            reject(
                    file,
                    new FileState(
                            stamp.get(), previousId, file + ": cannot be checked: " + e, false));
            return;
        } catch (InvalidDescriptorException e) {
            reject(
                    file,
                    new FileState(stamp.get(), previousId, file + ": " + e.getMessage(), false));
            return;
        } catch (NoSuchFileException e) {
            forget(file, before);
            return;
        } catch (IOException e) {
            reject(
                    file,
                    new FileState(stamp.get(), previousId, file + ": cannot read: " + e, true));
            return;
        }
        final VmSource source = new VmSource.DescriptorFile(file);
        try {
            if (vm.id().equals(previousId)) {
                registry.update(vm, source);
            } else {
                // The file now describes another VM, so the one it described is gone; removing it
                // first also frees its endpoint, which the renamed VM usually keeps.
                if (previousId != null) {
                    unregister(previousId, file);
                }
                registry.register(vm, source);
                LOG.log(System.Logger.Level.INFO, "registered vm " + vm.id() + " from " + file);
            }
        } catch (CatalogException e) {
            reject(
                    file,
                    new FileState(
                            stamp.get(),
                            vm.id().equals(previousId) ? previousId : null,
                            file + ": field " + e.field() + ": " + e.getMessage(),
                            true));
            return;
        }
        files.put(file, new FileState(stamp.get(), vm.id(), null, false));
        rejected.remove(file);
    }

    private void forget(final Path file, final FileState before) {
        if (before == null) {
            return;
        }
        if (before.vmId() != null) {
            unregister(before.vmId(), file);
        }
        files.remove(file);
        rejected.remove(file);
    }

    private void unregister(final String id, final Path file) {
        try {
            registry.unregister(id, new VmSource.DescriptorFile(file));
            LOG.log(System.Logger.Level.INFO, "unregistered vm " + id + " (" + file + ")");
        } catch (CatalogException e) {
            // Only this directory registers with a file source, so this is a bug; the watch goes
            // on.
            LOG.log(
                    System.Logger.Level.ERROR,
                    "vm " + id + " of " + file + " was not in the registry",
                    e);
        }
    }

    private void reject(final Path file, final FileState state) {
        final FileState before = files.put(file, state);
        rejected.put(file, state.error());
        if (before == null || !state.error().equals(before.error())) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    state.error()
                            + (state.vmId() == null
                                    ? ""
                                    : " (vm "
                                            + state.vmId()
                                            + " stays registered as last loaded)"));
        }
    }

    /**
     * Kernel pseudo-filesystems: their files claim to be regular, yet a read may never return
     * ({@code /proc/kmsg}) or have effects. A symbolic link into one is refused.
     */
    private static final Set<String> PSEUDO_FILESYSTEMS =
            Set.of(
                    "proc",
                    "sysfs",
                    "debugfs",
                    "tracefs",
                    "securityfs",
                    "configfs",
                    "cgroup",
                    "cgroup2",
                    "devtmpfs",
                    "devpts",
                    "bpf",
                    "efivarfs",
                    "pstore",
                    "fusectl",
                    "hugetlbfs",
                    "mqueue",
                    "binfmt_misc",
                    "autofs",
                    "rpc_pipefs",
                    "nsfs",
                    "pipefs",
                    "sockfs");

    /**
     * The file a descriptor entry names, and why it cannot be read as one, if it cannot. A symbolic
     * link is followed (operators keep descriptors elsewhere and link them in), but must end at a
     * regular file outside the kernel's pseudo-filesystems; a loop is refused. A FIFO would block
     * the watcher's read for ever, /proc/kmsg likewise.
     */
    private static Optional<Stamp> stamp(final Path file) {
        try {
            final BasicFileAttributes entry =
                    Files.readAttributes(
                            file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!entry.isSymbolicLink()) {
                return Optional.of(
                        stampOf(entry, entry.isRegularFile() ? null : notRegular(entry)));
            }
            final BasicFileAttributes target;
            try {
                target = Files.readAttributes(file, BasicFileAttributes.class);
            } catch (NoSuchFileException e) {
                return Optional
                        .empty(); // a dangling link describes nothing, as a deleted file does
            } catch (FileSystemException e) {
                return Optional.of(
                        stampOf(
                                entry,
                                "is a symbolic link that cannot be followed: " + e.getReason()));
            }
            if (!target.isRegularFile()) {
                return Optional.of(
                        stampOf(
                                target,
                                "is a symbolic link to something that " + notRegular(target)));
            }
            final String type = Files.getFileStore(file.toRealPath()).type();
            return Optional.of(
                    stampOf(
                            target,
                            PSEUDO_FILESYSTEMS.contains(type)
                                    ? "is a symbolic link into "
                                            + type
                                            + ", a kernel pseudo-filesystem"
                                    : null));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Stamp stampOf(final BasicFileAttributes a, final String notRegular) {
        return new Stamp(a.lastModifiedTime(), a.size(), a.fileKey(), notRegular);
    }

    private static String notRegular(final BasicFileAttributes a) {
        return a.isDirectory()
                ? "is a directory"
                : "is not a regular file (a FIFO, socket or device)";
    }

    /**
     * Reads at most {@link #MAX_FILE_BYTES} + 1 bytes, whatever size the file claims: it may grow
     * while it is read.
     */
    private static String read(final Path file) throws IOException, InvalidDescriptorException {
        final byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new InvalidDescriptorException(
                    "",
                    "file is over "
                            + MAX_FILE_BYTES
                            + " bytes; a descriptor is at most "
                            + MAX_FILE_BYTES);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidDescriptorException("", "not UTF-8 text");
        }
    }
}
