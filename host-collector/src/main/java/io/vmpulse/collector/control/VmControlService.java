package io.vmpulse.collector.control;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.vmpulse.collector.catalog.CatalogException;
import io.vmpulse.collector.catalog.InvalidDescriptorException;
import io.vmpulse.collector.catalog.VmCatalog;
import io.vmpulse.collector.catalog.VmDescriptors;
import io.vmpulse.collector.catalog.VmSource;
import io.vmpulse.proto.control.v1.ListRequest;
import io.vmpulse.proto.control.v1.ListResponse;
import io.vmpulse.proto.control.v1.RegisterRequest;
import io.vmpulse.proto.control.v1.RegisterResponse;
import io.vmpulse.proto.control.v1.RegisteredVm;
import io.vmpulse.proto.control.v1.RejectedDescriptor;
import io.vmpulse.proto.control.v1.UnregisterRequest;
import io.vmpulse.proto.control.v1.UnregisterResponse;
import io.vmpulse.proto.control.v1.UpdateRequest;
import io.vmpulse.proto.control.v1.UpdateResponse;
import io.vmpulse.proto.control.v1.VmControlGrpc;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The control API over the {@link VmCatalog}. Everything registered here has the source {@link
 * VmSource#API}, so it can neither touch nor be touched by a descriptor file.
 *
 * <p>Refusals map to gRPC codes: a bad descriptor is INVALID_ARGUMENT (the message names the
 * field), a taken id or endpoint is ALREADY_EXISTS, an unknown id NOT_FOUND, and a VM owned by a
 * file FAILED_PRECONDITION.
 */
public final class VmControlService extends VmControlGrpc.VmControlImplBase {
    private final VmCatalog registry;
    private final Supplier<Map<Path, String>> rejectedFiles;

    /**
     * @param rejectedFiles the descriptor files currently rejected, e.g. {@code
     *     DescriptorDirectory::rejected}
     */
    public VmControlService(
            final VmCatalog registry, final Supplier<Map<Path, String>> rejectedFiles) {
        this.registry = registry;
        this.rejectedFiles = rejectedFiles;
    }

    @Override
    public void register(
            final RegisterRequest request, final StreamObserver<RegisterResponse> response) {
        try {
            registry.register(VmDescriptors.toVm(request.getVm()), VmSource.API);
            reply(response, RegisterResponse.getDefaultInstance());
        } catch (InvalidDescriptorException | CatalogException e) {
            response.onError(status(e).asRuntimeException());
        }
    }

    @Override
    public void update(final UpdateRequest request, final StreamObserver<UpdateResponse> response) {
        try {
            registry.update(VmDescriptors.toVm(request.getVm()), VmSource.API);
            reply(response, UpdateResponse.getDefaultInstance());
        } catch (InvalidDescriptorException | CatalogException e) {
            response.onError(status(e).asRuntimeException());
        }
    }

    @Override
    public void unregister(
            final UnregisterRequest request, final StreamObserver<UnregisterResponse> response) {
        try {
            registry.unregister(request.getId(), VmSource.API);
            reply(response, UnregisterResponse.getDefaultInstance());
        } catch (CatalogException e) {
            response.onError(status(e).asRuntimeException());
        }
    }

    @Override
    public void list(final ListRequest request, final StreamObserver<ListResponse> response) {
        final ListResponse.Builder list = ListResponse.newBuilder();
        registry.list()
                .forEach(
                        e ->
                                list.addVms(
                                        RegisteredVm.newBuilder()
                                                .setVm(VmDescriptors.toDescriptor(e.vm()))
                                                .setSource(e.source().describe())));
        rejectedFiles
                .get()
                .forEach(
                        (file, error) ->
                                list.addRejected(
                                        RejectedDescriptor.newBuilder()
                                                .setFile(file.toString())
                                                .setError(error)));
        reply(response, list.build());
    }

    private static <T> void reply(final StreamObserver<T> response, final T message) {
        response.onNext(message);
        response.onCompleted();
    }

    private static Status status(final Exception e) {
        if (e instanceof CatalogException r) {
            final Status code =
                    switch (r.reason()) {
                        case ID_TAKEN, ENDPOINT_TAKEN -> Status.ALREADY_EXISTS;
                        case NOT_FOUND -> Status.NOT_FOUND;
                        case OWNED_ELSEWHERE -> Status.FAILED_PRECONDITION;
                    };
            return code.withDescription("field " + r.field() + ": " + r.getMessage());
        }
        return Status.INVALID_ARGUMENT.withDescription(e.getMessage());
    }
}
