package dev.jprune.util;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** A closed context refuses work with a message naming it (was a RejectedExecutionException without one). */
class ParallelContextCloseTest {
    @Test
    void aClosedContextRefusesRunAndCallAndClosingTwiceIsHarmless() throws Exception {
        for (int threads : new int[] {1, 2}) {
            Parallel.Context ctx = Parallel.Context.ofThreads(threads);
            assertEquals(7, ctx.call(() -> 7));
            ctx.close();
            ctx.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ctx.run(() -> { }));
            assertTrue(e.getMessage().contains("closed") && e.getMessage().contains(threads + " thread"),
                    e.getMessage());
            assertThrows(IllegalStateException.class, () -> ctx.call(() -> 1));
        }
    }

    @Test
    void closingTheDefaultContextChangesNothing() throws Exception {
        Parallel.Context def = Parallel.Context.defaultContext();
        def.close();
        assertEquals(3, def.call(() -> 3));
    }
}
