package dev.jprune.gpu;

/** A CUDA call or kernel launch failed; the message names the operation, the kernel, its shapes and launch shape. */
public class GpuException extends RuntimeException {
    public GpuException(String message) { super(message); }

    public GpuException(String message, Throwable cause) { super(message, cause); }
}
