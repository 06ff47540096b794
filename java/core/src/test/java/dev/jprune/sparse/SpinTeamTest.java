package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** SpinTeam runs every part exactly once, whether a helper or the caller runs it, and passes failures back. */
class SpinTeamTest {
    /**
     * Helpers that park right after each part (spin 0) and helpers that spin: over many calls every part runs exactly
     * once per call, and parts offered to a parked helper still complete (the caller takes them back).
     */
    @Test
    void everyPartRunsExactlyOncePerCall() {
        for (long spin : new long[] {0, 200_000}) {
            try (SpinTeam team = new SpinTeam(3, spin, "test-team")) {
                AtomicIntegerArray runs = new AtomicIntegerArray(3);
                int calls = 2000;
                for (int c = 0; c < calls; c++) {
                    team.run((part, parts, ws) -> {
                        assertEquals(3, parts);
                        runs.incrementAndGet(part);
                    }, null);
                }
                for (int p = 0; p < 3; p++) assertEquals(calls, runs.get(p), "part " + p + " spin " + spin);
            }
        }
    }

    /** A part's exception reaches the caller (a helper's and the caller's own); the team keeps working after it. */
    @Test
    void failuresAreRethrownAndTheTeamStaysUsable() {
        try (SpinTeam team = new SpinTeam(2, 200_000, "test-team")) {
            for (int bad = 0; bad < 2; bad++) {
                int f = bad;
                SpinTeam.Split failing = (part, parts, ws) -> {
                    if (part == f) throw new IllegalStateException("part " + part + " failed");
                };
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> team.run(failing, null));
                assertEquals("part " + f + " failed", e.getMessage());
            }
            AtomicIntegerArray runs = new AtomicIntegerArray(2);
            team.run((part, parts, ws) -> runs.incrementAndGet(part), null);
            assertEquals(1, runs.get(0));
            assertEquals(1, runs.get(1));
        }
    }

    /** A team of one runs the single part on the caller; fewer than one thread is refused. */
    @Test
    void sizeOneAndBadSizes() {
        try (SpinTeam team = new SpinTeam(1, 0, "test-team")) {
            assertEquals(1, team.size());
            int[] ran = new int[1];
            team.run((part, parts, ws) -> ran[0] += 1 + part + parts, null);
            assertEquals(2, ran[0]);
            assertTrue(team.stopped());
        }
        assertThrows(IllegalArgumentException.class, () -> new SpinTeam(0, 0, "test-team"));
    }

    /** After close the helpers end; a call then runs every part on the caller. */
    @Test
    void closedTeamRunsPartsOnTheCaller() throws Exception {
        SpinTeam team = new SpinTeam(2, 200_000, "test-team");
        team.close();
        for (int i = 0; i < 500 && !team.stopped(); i++) Thread.sleep(10);
        assertTrue(team.stopped());
        Thread caller = Thread.currentThread();
        AtomicIntegerArray runs = new AtomicIntegerArray(2);
        team.run((part, parts, ws) -> {
            assertSame(caller, Thread.currentThread());
            runs.incrementAndGet(part);
        }, null);
        assertEquals(1, runs.get(0));
        assertEquals(1, runs.get(1));
    }
}
