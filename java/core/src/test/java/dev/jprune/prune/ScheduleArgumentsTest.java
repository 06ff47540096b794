package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** gradualOver checks its arguments as gradual does (a NaN fraction or 0 events used to become one silent prune). */
class ScheduleArgumentsTest {
    @Test
    void gradualOverRefusesWhatGradualRefusesAndNegativeSteps() {
        assertEquals("gradual fraction must be in (0, 1], got NaN", assertThrows(IllegalArgumentException.class,
                () -> Schedule.gradualOver(100, Double.NaN, 4)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Schedule.gradualOver(100, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> Schedule.gradualOver(100, 1.5, 4));
        assertEquals("gradual events must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> Schedule.gradualOver(100, 0.5, 0)).getMessage());
        assertEquals("gradual steps must be >= 0, got -1", assertThrows(IllegalArgumentException.class,
                () -> Schedule.gradualOver(-1, 0.5, 4)).getMessage());
        assertEquals(new Schedule.Gradual(0, 1, 1, 0.0), Schedule.gradualOver(0, 0.5, 4), "no steps: one prune");
    }
}
