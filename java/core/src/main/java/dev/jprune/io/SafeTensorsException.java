package dev.jprune.io;

import java.io.IOException;
import java.nio.file.Path;

/** A safetensors file is malformed or cannot be written; the message names the file and the fault. */
public class SafeTensorsException extends IOException {
    private final transient Path file;

    /** An invalid file: the message is "FILE: FAULT". */
    public SafeTensorsException(Path file, String fault) {
        super(file + ": " + fault);
        this.file = file;
    }

    /** An invalid file, caused by {@code cause}. */
    public SafeTensorsException(Path file, String fault, Throwable cause) {
        super(file + ": " + fault, cause);
        this.file = file;
    }

    /** The file concerned. */
    public Path file() { return file; }
}
