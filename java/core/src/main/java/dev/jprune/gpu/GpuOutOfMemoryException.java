package dev.jprune.gpu;

/** Device memory ran out; the message gives the requested size and what the pool holds. */
public final class GpuOutOfMemoryException extends GpuException {
    private final long requestedBytes;

    public GpuOutOfMemoryException(String message, long requestedBytes) {
        super(message);
        this.requestedBytes = requestedBytes;
    }

    public long requestedBytes() { return requestedBytes; }
}
