package dev.jprune;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The version comes from the build (the filtered resource), not from a constant in the code. */
class VersionTest {
    @Test
    void theVersionIsTheMavenProjectVersion() {
        String expected = System.getProperty("jprune.project.version");
        assertNotNull(expected, "surefire passes the project version");
        assertEquals(expected, Version.get());
    }
}
