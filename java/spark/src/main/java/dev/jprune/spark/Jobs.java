package dev.jprune.spark;

import java.util.function.Supplier;

/** Runs a Spark action and turns a task's bad-input failure into a one-line error on the driver. */
final class Jobs {
    private Jobs() {}

    /**
     * Runs {@code action}. When a task failed (after Spark's retries) with an {@link IllegalArgumentException} (bad
     * input, e.g. a {@link PartitionException}) or an {@link ArithmeticException} (training diverged), rethrows it on
     * the driver as a {@link PartitionException} or an ArithmeticException with the task's own message prefixed by
     * {@code what}, instead of Spark's multi-line "Job aborted due to stage failure" wrapper (kept as the cause).
     * Other failures (Spark's own {@code SparkException}, which Java sees as unchecked) pass unchanged.
     */
    static <T> T run(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (Exception e) {
            if (e instanceof IllegalArgumentException || e instanceof ArithmeticException) throw (RuntimeException) e;
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c instanceof IllegalArgumentException) throw new PartitionException(what + ": " + c.getMessage(),
                        e);
                if (c instanceof ArithmeticException) {
                    ArithmeticException a = new ArithmeticException(what + ": " + c.getMessage());
                    a.initCause(e);
                    throw a;
                }
            }
            throw Jobs.<RuntimeException>sneaky(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable e) throws E {
        throw (E) e;
    }
}
