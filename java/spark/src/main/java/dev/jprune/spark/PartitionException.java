package dev.jprune.spark;

/**
 * Bad input found in one partition of a distributed job (a sample of the wrong shape, a label out of range, a model
 * that differs from the driver's, a non-finite gradient): the message names the partition and what was expected.
 * Thrown on the driver with the message of the task that found it ({@link Jobs#run}).
 */
public class PartitionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public PartitionException(String message) { super(message); }

    public PartitionException(String message, Throwable cause) { super(message, cause); }
}
