package dev.jprune.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SpinTeam and Parallel.forPartsSpinning: every piece runs exactly once whoever runs it (a spinning helper, a parked
 * one woken up, or the caller taking a piece back), with many callers at once, nested calls, exceptions and a closed
 * team.
 */
class SpinTeamTest {

    /** Runs parts pieces over [0, 1000) and checks each index was visited exactly once. */
    private static void runOnce(SpinTeam team, int parts) {
        int n = 1000;
        int[] bounds = new int[parts + 1];
        for (int p = 0; p <= parts; p++) bounds[p] = n * p / parts;
        AtomicIntegerArray visits = new AtomicIntegerArray(n);
        team.run(bounds, parts, (from, to) -> {
            for (int i = from; i < to; i++) visits.incrementAndGet(i);
        });
        for (int i = 0; i < n; i++) assertEquals(1, visits.get(i), "index " + i + " with " + parts + " pieces");
    }

    @Test
    void everyPieceRunsOnceWithSpinningAndParkedHelpers() throws Exception {
        try (SpinTeam team = new SpinTeam(3, "test-spin")) {
            for (int round = 0; round < 200; round++) runOnce(team, 1 + round % 6); // fewer and more pieces than helpers
            Thread.sleep(20); // longer than the spin time: the helpers park, the next call must unpark or take back
            for (int round = 0; round < 20; round++) {
                runOnce(team, 4);
                Thread.sleep(1);
            }
        }
    }

    @Test
    void helpersRunPiecesWhenTheCallerIsBusy() throws Exception {
        try (SpinTeam team = new SpinTeam(1, "test-spin")) {
            Set<String> threads = ConcurrentHashMap.newKeySet();
            CountDownLatch helperStarted = new CountDownLatch(1);
            // piece 0 goes to the helper; the caller's piece 1 waits until the helper has started piece 0, so the
            // caller cannot take it back: the helper must run it
            team.run(new int[] {0, 1, 2}, 2, (from, to) -> {
                threads.add(Thread.currentThread().getName());
                if (from == 0) helperStarted.countDown();
                else await(helperStarted);
            });
            assertTrue(threads.contains("test-spin-0"), threads.toString());
            assertEquals(2, threads.size(), threads.toString());
        }
    }

    @Test
    void manyCallersAtOnceNestedCallsAndClosedTeams() throws Exception {
        SpinTeam team = new SpinTeam(2, "test-spin");
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                fs.add(callers.submit(() -> {
                    for (int round = 0; round < 300; round++) {
                        runOnce(team, 3);
                        // a piece that itself splits its range (a nested call, possibly on a helper thread)
                        AtomicIntegerArray v = new AtomicIntegerArray(100);
                        team.run(new int[] {0, 50, 100}, 2, (a, b) -> team.run(new int[] {a, (a + b) / 2, b}, 2,
                                (x, y) -> { for (int i = x; i < y; i++) v.incrementAndGet(i); }));
                        for (int i = 0; i < 100; i++) assertEquals(1, v.get(i), "nested index " + i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
        } finally {
            callers.shutdown();
            team.close();
        }
        runOnce(team, 3); // a closed team runs everything on the caller
    }

    @Test
    void aPieceExceptionReachesTheCallerAndTheTeamStaysUsable() {
        try (SpinTeam team = new SpinTeam(2, "test-spin")) {
            IllegalStateException boom = new IllegalStateException("piece 0");
            for (int round = 0; round < 50; round++) {
                IllegalStateException got = assertThrows(IllegalStateException.class, () -> team.run(
                        new int[] {0, 1, 2, 3}, 3, (from, to) -> {
                            if (from == 0) throw boom;
                        }));
                assertSame(boom, got);
                runOnce(team, 3);
            }
        }
    }

    @Test
    void forPartsSpinningRunsSeriallyInAOneThreadContextAndSplitsInALargerOne() throws Exception {
        try (Parallel.Context one = Parallel.Context.ofThreads(1); Parallel.Context three = Parallel.Context.ofThreads(3)) {
            Set<String> names = ConcurrentHashMap.newKeySet();
            one.run(() -> Parallel.forPartsSpinning(new int[] {0, 1, 2, 3}, 3,
                    (a, b) -> names.add(Thread.currentThread().getName())));
            assertEquals(Set.of(Thread.currentThread().getName()), names);
            AtomicIntegerArray v = new AtomicIntegerArray(90);
            three.run(() -> {
                for (int round = 0; round < 100; round++) {
                    Parallel.forPartsSpinning(new int[] {0, 30, 60, 90}, 3, (a, b) -> {
                        for (int i = a; i < b; i++) v.incrementAndGet(i);
                    });
                }
            });
            for (int i = 0; i < 90; i++) assertEquals(100, v.get(i), "index " + i);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, java.util.concurrent.TimeUnit.SECONDS), "helper never started its piece");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
