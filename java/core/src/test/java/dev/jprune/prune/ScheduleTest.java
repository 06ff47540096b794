package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Schedule arithmetic against the formulas written out independently (Zhu &amp; Gupta's cubic, the geometric
 *  rounds). */
class ScheduleTest {
    /** s_t = s_f + (s_i − s_f)(1 − (t − t0)/(nΔt))³, clamped, written with doubles from scratch. */
    static double zhuGupta(long t, long t0, int n, long dt, double si, double sf) {
        if (t < t0) return si;
        double frac = Math.min(1.0, (double) (t - t0) / ((double) n * dt));
        return sf + (si - sf) * Math.pow(1 - frac, 3);
    }

    static List<Long> pruningSteps(Schedule.Gradual g, long upTo) {
        List<Long> steps = new ArrayList<>();
        for (long t = 0; t <= upTo; t++) if (g.isPruningStep(t)) steps.add(t);
        return steps;
    }

    /** A start that is not a multiple of the interval: prunes at t0, t0 + Δt, …, t0 + nΔt and nowhere else. */
    @Test
    void pruningStepsStartAtT0EvenWhenItIsNotAMultipleOfTheInterval() {
        Schedule.Gradual g = new Schedule.Gradual(3, 4, 5, 0.0);
        assertEquals(List.of(3L, 8L, 13L, 18L, 23L), pruningSteps(g, 100));
        assertEquals(23, g.lastPruningStep());
        Schedule.Gradual late = new Schedule.Gradual(7, 2, 3, 0.0);
        assertEquals(List.of(7L, 10L, 13L), pruningSteps(late, 50));
        assertEquals(13, late.lastPruningStep());
        Schedule.Gradual everyStep = new Schedule.Gradual(0, 3, 1, 0.0);
        assertEquals(List.of(0L, 1L, 2L, 3L), pruningSteps(everyStep, 10));
    }

    /** A non-zero initial sparsity: s_i before and at t0, the cubic in between, s_f from t0 + nΔt on. */
    @Test
    void initialSparsityIsWhereTheCubicStarts() {
        Schedule.Gradual g = new Schedule.Gradual(3, 4, 5, 0.2);
        double sf = 0.9;
        assertEquals(0.2, g.sparsityAt(0, sf), 0.0, "before t0: s_i");
        assertEquals(0.2, g.sparsityAt(3, sf), 1e-15, "at t0: s_i");
        for (long t = 0; t <= 40; t++) {
            assertEquals(zhuGupta(t, 3, 4, 5, 0.2, sf), g.sparsityAt(t, sf), 1e-12, "t = " + t);
        }
        // (t − t0)/(nΔt) = 1/4, 1/2, 3/4 at the inner pruning steps
        assertEquals(0.9 + (0.2 - 0.9) * 0.421875, g.sparsityAt(8, sf), 1e-12);
        assertEquals(0.9 + (0.2 - 0.9) * 0.125, g.sparsityAt(13, sf), 1e-12);
        assertEquals(0.9 + (0.2 - 0.9) * 0.015625, g.sparsityAt(18, sf), 1e-12);
        assertEquals(sf, g.sparsityAt(23, sf), 1e-15);
        assertEquals(sf, g.sparsityAt(1000, sf), 1e-15);
        // between pruning steps the formula still holds (the run only asks at pruning steps, a listener may ask
        // anywhere)
        assertEquals(0.9 + (0.2 - 0.9) * Math.pow(1 - 2 / 20.0, 3), g.sparsityAt(5, sf), 1e-12);
    }

    @Test
    void gradualScheduleRejectsBadParametersNamingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Schedule.Gradual(-1, 1, 1, 0));
        assertTrue(e.getMessage().contains("t0=-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Schedule.Gradual(0, 0, 1, 0));
        assertTrue(e.getMessage().contains("n=0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Schedule.Gradual(0, 1, 0, 0));
        assertTrue(e.getMessage().contains("dt=0"), e.getMessage());
        for (double si : new double[] {-0.1, 1.0, Double.NaN}) {
            e = assertThrows(IllegalArgumentException.class, () -> new Schedule.Gradual(0, 1, 1, si));
            assertTrue(e.getMessage().contains("initial sparsity"), e.getMessage());
        }
        new Schedule.Gradual(0, 1, 1, 0.0);      // the smallest valid schedule
        new Schedule.Gradual(0, 1, 1, 0.999);    // s_i just below 1
    }

    /** Round r of R keeps (1 − s_f)^(r/R): the geometric schedule, ending exactly at the target. */
    @Test
    void iterativeRoundsFollowTheGeometricSchedule() {
        Schedule.Iterative it = new Schedule.Iterative(3);
        assertEquals(1 - Math.cbrt(0.2), it.sparsityAfterRound(1, 0.8), 1e-12);
        assertEquals(1 - Math.cbrt(0.04), it.sparsityAfterRound(2, 0.8), 1e-12);
        assertEquals(0.8, it.sparsityAfterRound(3, 0.8), 1e-12);
        assertEquals(0.5, new Schedule.Iterative(1).sparsityAfterRound(1, 0.5), 0.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Schedule.Iterative(0));
        assertTrue(e.getMessage().contains("got 0"), e.getMessage());
        assertEquals(new Schedule.Iterative(4), Schedule.iterative(4));
        assertEquals(new Schedule.OneShot(), Schedule.oneShot());
    }

    /** gradualOver: span = ⌊steps·fraction⌋ (at least 1), n = min(events, span), Δt = ⌊span / n⌋, from step 0. */
    @Test
    void gradualOverSpreadsTheEventsOverTheSpan() {
        assertEquals(new Schedule.Gradual(0, 3, 2, 0.0), Schedule.gradualOver(12, 0.5, 3));
        assertEquals(new Schedule.Gradual(0, 4, 18, 0.0), Schedule.gradualOver(100, 0.75, 4), "span 75: Δt = 18");
        assertEquals(new Schedule.Gradual(0, 5, 1, 0.0), Schedule.gradualOver(10, 0.5, 20),
                "more events than steps: one per step");
        assertEquals(new Schedule.Gradual(0, 1, 1, 0.0), Schedule.gradualOver(1, 0.1, 20), "an empty span is one step");
        assertEquals(new Schedule.Gradual(0, 1, 7, 0.0), Schedule.gradualOver(7, 1.0, 1));
        // resolved against the fine-tuning steps, and at least one step when there are none
        assertEquals(Schedule.gradualOver(40, 0.75, 20), new Schedule.RelativeGradual(0.75, 20).over(40));
        assertEquals(Schedule.gradualOver(1, 0.5, 3), new Schedule.RelativeGradual(0.5, 3).over(0));
        assertEquals(new Schedule.RelativeGradual(0.3, 2), Schedule.gradual(0.3, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Schedule.RelativeGradual(1.5, 2));
        assertTrue(e.getMessage().contains("1.5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Schedule.RelativeGradual(Double.NaN, 2));
        e = assertThrows(IllegalArgumentException.class, () -> new Schedule.RelativeGradual(0.5, 0));
        assertTrue(e.getMessage().contains("events"), e.getMessage());
        new Schedule.RelativeGradual(1.0, 1);
    }
}
