package dev.jprune.util;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Thread counts per context: loops run on the current context's threads, nested loops on the same, and 1 is inline. */
class ParallelContextTest {
    @Test
    void loopsRunOnTheCurrentContextsThreadsAndNestedLoopsStayThere() throws Exception {
        Set<Thread> seen = ConcurrentHashMap.newKeySet();
        AtomicInteger nestedThreads = new AtomicInteger();
        try (Parallel.Context ctx = Parallel.Context.ofThreads(3)) {
            int t = ctx.call(() -> {
                Parallel.forRange(3000, 1, (a, b) -> {
                    seen.add(Thread.currentThread());
                    nestedThreads.set(Parallel.threads());
                    Parallel.forRange(100, 1, (c, d) -> seen.add(Thread.currentThread()));
                });
                return Parallel.threads();
            });
            assertEquals(3, t);
            assertEquals(3, nestedThreads.get(), "a loop inside a task runs on the task's context");
        }
        assertTrue(seen.size() <= 4, "3 pool threads (and the caller, which may help): " + seen.size());
        assertEquals(Parallel.Context.defaultContext().threads(), Parallel.threads(),
                "outside, the default context again");

        Set<Thread> one = ConcurrentHashMap.newKeySet();
        try (Parallel.Context ctx = Parallel.Context.ofThreads(1)) {
            ctx.run(() -> Parallel.forRange(10_000, 1, (a, b) -> one.add(Thread.currentThread())));
        }
        assertEquals(Set.of(Thread.currentThread()), one, "1 thread: every chunk on the calling thread");
        assertThrows(IllegalArgumentException.class, () -> Parallel.Context.ofThreads(0));
    }

    /** The split changes with the thread count but every element is written once: the same result for 1..5 threads. */
    @Test
    void theResultOfADisjointLoopDoesNotDependOnTheThreadCount() {
        float[] ref = null;
        for (int threads = 1; threads <= 5; threads++) {
            float[] out = new float[10_007];
            try (Parallel.Context ctx = Parallel.Context.ofThreads(threads)) {
                ctx.run(() -> Parallel.forRange(out.length, 7, (a, b) -> {
                    for (int i = a; i < b; i++) out[i] = (float) Math.sin(i) * i;
                }));
            }
            if (ref == null) ref = out; else assertArrayEquals(ref, out, threads + " threads");
        }
    }

    /** An exception in a chunk reaches the caller, and the context restores the previous one. */
    @Test
    void aChunksExceptionReachesTheCallerAndTheContextIsRestored() {
        try (Parallel.Context outer = Parallel.Context.ofThreads(2);
                Parallel.Context inner = Parallel.Context.ofThreads(3)) {
            outer.run(() -> {
                assertThrows(IllegalStateException.class, () -> inner.run(() -> Parallel.forRange(100, 1, (a, b) -> {
                    if (a == 0) throw new IllegalStateException("chunk 0");
                })));
                assertEquals(2, Parallel.threads());
            });
        }
    }
}
