package dev.jprune.testutil;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.SplittableRandom;

/**
 * A minimal property runner: runs a check on {@code tries} seeded random sources and, on the first failure, names
 * the seed that reproduces it. Tries: system property {@code jprune.property.tries} (Maven property
 * {@code property.tries}: 100 in {@code mvn verify}, 3000 with {@code -Pproperties-long}). Seeds are fixed per
 * property (reproducible CI); {@code -Djprune.property.seed=random} draws a fresh base seed, {@code =N} starts at N.
 * Each try has a time limit, so a hang fails the property instead of the build.
 */
public final class Properties {
    private Properties() {}

    /** A property: must return normally for every random source. */
    @FunctionalInterface
    public interface Check {
        void run(SplittableRandom r) throws Exception;
    }

    /** Runs {@code check} {@link #tries()} times (at most {@code maxTries} when positive: for expensive checks). */
    public static void forAll(String name, int maxTries, Duration perTry, Check check) {
        int tries = maxTries > 0 ? Math.min(maxTries, tries()) : tries();
        long base = baseSeed(name);
        for (int i = 0; i < tries; i++) {
            long seed = base + i;
            try {
                assertTimeoutPreemptively(perTry, () -> check.run(new SplittableRandom(seed)),
                        () -> name + ": try " + seed + " did not finish within " + perTry);
            } catch (Throwable t) {
                throw new AssertionError(name + " failed for seed " + seed
                        + " (rerun it alone with -Djprune.property.seed=" + seed
                        + " -Djprune.property.tries=1): " + t, t);
            }
        }
    }

    /** Tries per property (default 100). */
    public static int tries() {
        return Integer.getInteger("jprune.property.tries", 100);
    }

    private static long baseSeed(String name) {
        String s = System.getProperty("jprune.property.seed", "");
        if (s.isEmpty()) return name.hashCode() * 1_000_003L;
        if (s.equals("random")) {
            long seed = System.nanoTime();
            System.out.println(name + ": base seed " + seed);
            return seed;
        }
        return Long.parseLong(s);
    }
}
