package dev.jprune.models;

import java.io.IOException;

/**
 * A model file (or the model a checkpoint's metadata carries) that cannot be read: not JSON, an unknown kind or field,
 * a missing or out-of-range field, or layers whose shapes do not chain. The message names the source, the layer index
 * and, for shapes, both shapes; it is one line.
 */
public class ModelFileException extends IOException {
    /** "SOURCE: FAULT". */
    public ModelFileException(String source, String fault) {
        super(source + ": " + fault);
    }

    /** "SOURCE: FAULT", keeping the cause. */
    public ModelFileException(String source, String fault, Throwable cause) {
        super(source + ": " + fault, cause);
    }
}
