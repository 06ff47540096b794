package dev.jprune.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one vector shape of the Vector API kernels, and what {@link Simd}'s probe loads. Its initialiser touches no
 * other jprune class: Simd decides while it is being initialised, and a probe that reached a class whose initialiser
 * reads Simd (Gemm, SparseKernels) would freeze that class's flag at the not-yet-set value (found: VectorKernels'
 * warm-up initialised SparseKernels that way, so the lane-block kernel ran scalar in a JVM with the Vector API).
 */
final class VectorShape {
    private VectorShape() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED.vectorBitSize() > 512
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    /** Float lanes of one vector (16 with AVX-512, 8 with AVX2). */
    static final int LANES = S.length();

    static {
        if (LANES > Gemm.PAD) throw new LinkageError("vector of " + LANES + " floats exceeds Gemm.PAD"); // a constant
    }
}
