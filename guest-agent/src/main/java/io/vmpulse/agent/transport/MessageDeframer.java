package io.vmpulse.agent.transport;

import static io.vmpulse.agent.transport.Http2Frames.MESSAGE_LENGTH_OFFSET;
import static io.vmpulse.agent.transport.Http2Frames.MESSAGE_PREFIX_LENGTH;

/**
 * Reassembles length-prefixed gRPC messages (layout in {@link Http2Frames}) from DATA payloads, in
 * which a prefix or a message may be cut anywhere. Messages are copied into one buffer of the
 * inbound limit that is reused for every message, so the steady state allocates nothing.
 */
final class MessageDeframer {

    private final Object peer;
    private final GrpcCall.Listener listener;
    private final int maxMessageBytes;
    private final byte[] prefix = new byte[MESSAGE_PREFIX_LENGTH];
    private int prefixFill;
    private final byte[] message;
    private int messageLength;
    private int messageFill;

    MessageDeframer(Object peer, GrpcCall.Listener listener, int maxMessageBytes) {
        this.peer = peer;
        this.listener = listener;
        this.maxMessageBytes = maxMessageBytes;
        this.message = new byte[maxMessageBytes];
    }

    /** True between the first byte of a message and its delivery. */
    boolean inMessage() {
        return prefixFill > 0;
    }

    /** Consumes {@code buf[from, to)}, handing each completed message to the listener. */
    void deframe(byte[] buf, int from, int to) throws CallReader.CallException {
        while (from < to) {
            if (prefixFill < MESSAGE_PREFIX_LENGTH) {
                int take = Math.min(MESSAGE_PREFIX_LENGTH - prefixFill, to - from);
                System.arraycopy(buf, from, prefix, prefixFill, take);
                prefixFill += take;
                from += take;
                if (prefixFill == MESSAGE_PREFIX_LENGTH) {
                    startMessage();
                }
                continue;
            }
            int take = Math.min(messageLength - messageFill, to - from);
            System.arraycopy(buf, from, message, messageFill, take);
            messageFill += take;
            from += take;
            if (messageFill == messageLength) {
                deliverMessage();
            }
        }
    }

    private void startMessage() throws CallReader.CallException {
        if (prefix[Http2Frames.COMPRESSED_FLAG_OFFSET] != 0) {
            throw new CallReader.CallException(
                    new GrpcStatus(
                            GrpcStatus.INTERNAL,
                            peer
                                    + " sent a compressed message, and this client supports no compression"));
        }
        long length = Http2Frames.getInt(prefix, MESSAGE_LENGTH_OFFSET) & 0xFFFF_FFFFL;
        if (length > maxMessageBytes) {
            throw new CallReader.CallException(
                    new GrpcStatus(
                            GrpcStatus.RESOURCE_EXHAUSTED,
                            peer
                                    + " sent a message of "
                                    + length
                                    + " bytes; the limit is "
                                    + maxMessageBytes));
        }
        messageLength = (int) length;
        messageFill = 0;
        if (messageLength == 0) {
            deliverMessage();
        }
    }

    private void deliverMessage() {
        prefixFill = 0;
        listener.onMessage(message, 0, messageLength);
    }
}
