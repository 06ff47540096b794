package dev.jprune.gpu;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the CPU reference method(s) a GPU op (a method of a {@link GpuOps} family, or of {@link GpuDataOps}) must
 * agree with, as {@code "fully.qualified.Class#method"}; several names mean the GPU op fuses them in that order. A test
 * checks that every name resolves to a public static method and that every public op of the GpuOps families carries
 * this annotation.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface CpuTwin {
    String[] value();
}
