package dev.jprune.gpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The probe's driver/kernel version rule without a GPU: a driver older than the CUDA that built the fatbin is refused
 * with both versions named, an equal or newer one accepted, an unrecorded kernel version refused; and the build
 * records the version beside the fatbin. (The refusal through the driver itself: EmulatorSelfTest.)
 */
class GpuProbeVersionTest {
    @Test
    void anOlderDriverIsRefusedWithBothVersions() {
        String why = GpuProbe.checkVersions(12080, 13000);
        assertNotNull(why);
        assertTrue(why.startsWith("driver 12.8 is older than the kernels' CUDA 13.0"), why);
        assertTrue(GpuProbe.checkVersions(12090, 13000).contains("driver 12.9 is older than the kernels' CUDA 13.0"));
    }

    @Test
    void anEqualOrNewerDriverIsAccepted() {
        assertNull(GpuProbe.checkVersions(13000, 13000));
        assertNull(GpuProbe.checkVersions(13010, 13000));
        assertNull(GpuProbe.checkVersions(14000, 13020));
    }

    @Test
    void anUnrecordedKernelVersionIsRefused() {
        assertTrue(GpuProbe.checkVersions(13000, 0).contains("not recorded"));
    }

    @Test
    void versionsParseAsCudaEncodesThem() {
        assertEquals(13000, GpuProbe.parseVersion("13.0\n"));
        assertEquals(12080, GpuProbe.parseVersion("12.8"));
        assertEquals(0, GpuProbe.parseVersion("13"));
        assertEquals(0, GpuProbe.parseVersion("release 13.0"));
        assertEquals("12.8", GpuProbe.versionString(12080));
    }

    /** Where the build made a fatbin, the toolkit version lies beside it and the probe reads it. */
    @Test
    void theBuildRecordsTheKernelsCudaVersion() throws IOException {
        assumeTrue(GpuProbe.class.getResource(GpuProbe.FATBIN_RESOURCE) != null, "no fatbin was built (no nvcc)");
        try (InputStream in = GpuProbe.class.getResourceAsStream(GpuProbe.CUDA_VERSION_RESOURCE)) {
            assertNotNull(in, GpuProbe.CUDA_VERSION_RESOURCE + " is missing beside the fatbin");
            String v = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
            assertTrue(GpuProbe.parseVersion(v) >= 12000, "recorded version '" + v + "'");
            assertEquals(GpuProbe.parseVersion(v), GpuProbe.get().kernelsCudaVersion());
        }
    }
}
