/**
 * safetensors files and model checkpoints.
 *
 * <p>{@link dev.jprune.io.SafeTensors} reads and writes the
 * <a href="https://github.com/huggingface/safetensors">safetensors</a> format: an 8-byte little-endian header
 * length N, N bytes of UTF-8 JSON (padded with spaces to a multiple of 8), then the tensors' little-endian,
 * row-major bytes, contiguous and covering the rest of the file exactly. Reads validate everything the reference
 * Rust crate validates (and a little more: duplicate keys, unknown entry keys); writes are atomic.
 *
 * <p>{@link dev.jprune.io.Checkpoint} maps a {@link dev.jprune.nn.Sequential} to PyTorch state_dict names
 * ("0.weight", "0.weight_mask", ...) so checkpoints load in PyTorch and PyTorch-pruned state_dicts
 * ("0.weight_orig" + "0.weight_mask") load here.
 *
 * <p>For checkpoints too large for the heap: {@link dev.jprune.io.CheckpointFiles} (one file or a Hugging Face
 * index with its shards, headers only), {@link dev.jprune.io.MappedCheckpoint} (their tensors through memory maps)
 * and {@link dev.jprune.io.SafeTensorsPlan} (a header fixed before the data, for writes at known offsets).
 */
package dev.jprune.io;
