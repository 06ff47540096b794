/** {@link dev.jprune.tensor.Tensor}: float32, row-major, NCHW for images; shapes include the batch dimension. */
package dev.jprune.tensor;
