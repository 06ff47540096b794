/**
 * ONNX export of (pruned) models, for ONNX Runtime and the JVM stacks built on it (DJL, Vespa, OpenSearch, Tribuo).
 *
 * <p>{@link dev.jprune.onnx.OnnxExporter} turns a {@link dev.jprune.nn.Sequential} into an ONNX model (opset 13,
 * dynamic batch): pruned weights as dense initializers holding the zeros or as {@code sparse_initializer}s,
 * structurally pruned layers physically shrunk, the pruning recorded in {@code metadata_props}. The encoding is
 * written by a small protocol-buffers wire writer of our own ({@code ProtoWriter}; docs/DECISIONS.md D30), so the
 * library depends on neither protobuf-java nor ONNX Runtime.
 */
package dev.jprune.onnx;
