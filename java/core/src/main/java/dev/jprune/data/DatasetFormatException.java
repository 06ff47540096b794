package dev.jprune.data;

import java.io.IOException;

/**
 * A data file exists but its contents are not what the format promises (wrong magic, truncated body,
 * label out of range, ...). The message always names the file and the fault.
 */
public class DatasetFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** A format error; the message names the file and the fault. */
    public DatasetFormatException(String message) { super(message); }

    /** A format error caused by {@code cause}. */
    public DatasetFormatException(String message, Throwable cause) { super(message, cause); }
}
