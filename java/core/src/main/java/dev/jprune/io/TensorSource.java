package dev.jprune.io;

import java.io.IOException;

/**
 * A tensor to be written: dtype, shape and a way to stream its bytes. Lets writers stream data that is not
 * held as one array in the file's dtype (e.g. a byte mask written as F32) without building a copy.
 */
public interface TensorSource {
    /** Element type. */
    DType dtype();

    /** Row-major shape; a scalar has shape {@code []} (one element). Callers must not modify the result. */
    int[] shape();

    /**
     * Writes exactly {@code elementCount(shape()) * dtype().size()} bytes to {@code sink}, row-major.
     * The writer checks the count; an exception here aborts the write and leaves the target file untouched.
     */
    void writeData(TensorSink sink) throws IOException;

    /**
     * Product of the dimensions (1 for a scalar); throws IllegalArgumentException on a negative dimension or overflow.
     */
    static long elementCount(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape "
                    + java.util.Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
