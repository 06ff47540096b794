package dev.jprune.io;

import java.nio.file.Path;

/**
 * A checkpoint is a valid safetensors file but does not fit the model (missing or unexpected tensor, shape
 * mismatch, non-finite value, bad mask), or a model cannot be saved. The message names the file, the tensor
 * and, for values, the element.
 */
public class CheckpointException extends SafeTensorsException {
    /** A checkpoint that does not fit: the message is "FILE: FAULT". */
    public CheckpointException(Path file, String fault) {
        super(file, fault);
    }
}
