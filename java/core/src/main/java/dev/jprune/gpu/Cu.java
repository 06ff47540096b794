package dev.jprune.gpu;

import jcuda.driver.CUresult;

/** Return-code checking for driver calls (JCuda's global exception switch is never touched). */
final class Cu {
    private Cu() {}

    static String name(int result) {
        return CUresult.stringFor(result);
    }

    /** Throws a {@link GpuException} naming {@code what} unless {@code result} is CUDA_SUCCESS. */
    static void check(int result, String what) {
        if (result != CUresult.CUDA_SUCCESS) throw new GpuException(what + " failed: " + name(result));
    }
}
