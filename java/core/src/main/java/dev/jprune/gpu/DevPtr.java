package dev.jprune.gpu;

import jcuda.driver.CUdeviceptr;

/** A device pointer whose raw address is readable (alignment checks, pointer tables uploaded to the device). */
final class DevPtr extends CUdeviceptr {
    DevPtr() {}

    private DevPtr(DevPtr base, long byteOffset) { super(base, byteOffset); }

    /** The device address this pointer designates, offset included. */
    long address() { return getNativePointer() + getByteOffset(); }

    /** A view {@code bytes} further on; shares the allocation (never freed through the view). */
    DevPtr at(long bytes) { return bytes == 0 ? this : new DevPtr(this, bytes); }
}
