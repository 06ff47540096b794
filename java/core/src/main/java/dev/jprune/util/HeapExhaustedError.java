package dev.jprune.util;

/**
 * An {@link OutOfMemoryError} that knows what it was for: the message names the work (e.g. the file being read) and
 * {@link #bytesNeeded()} says how much heap that work needs, so a caller can tell the user what -Xmx to give.
 */
public final class HeapExhaustedError extends OutOfMemoryError {
    private static final long serialVersionUID = 1L;
    private final long bytesNeeded;

    /** {@code what}: the work that did not fit, e.g. "x.safetensors: reading 190.7 MiB of tensor data". */
    public HeapExhaustedError(String what, long bytesNeeded, OutOfMemoryError cause) {
        super(what + " needs about " + mib(bytesNeeded) + " of free Java heap");
        this.bytesNeeded = bytesNeeded;
        if (cause != null) initCause(cause);
    }

    /** Heap the work needs, in bytes (at least; the JVM needs some more for itself). */
    public long bytesNeeded() { return bytesNeeded; }

    static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
