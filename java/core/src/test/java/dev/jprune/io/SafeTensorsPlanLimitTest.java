package dev.jprune.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's header limit is the reader's: a header of exactly {@link SafeTensors#MAX_HEADER_BYTES} bytes is planned
 * and read back; one that pads to 8 bytes more is refused before anything is written.
 */
class SafeTensorsPlanLimitTest {
    @TempDir Path dir;

    /** {"__metadata__":{"m":"xx…"}} with {@code valueChars} x's. */
    private static SafeTensorsPlan plan(int valueChars) {
        return SafeTensorsPlan.of(List.of(), Map.of("m", "x".repeat(valueChars)));
    }

    @Test
    void aHeaderOfExactlyTheLimitIsWrittenAndReadAndOneMoreIsRefused() throws IOException {
        int around = "{\"__metadata__\":{\"m\":\"\"}}".length(); // the header's JSON besides the value
        int fits = (int) SafeTensors.MAX_HEADER_BYTES - around; // header exactly MAX_HEADER_BYTES (a multiple of 8)
        SafeTensorsPlan p = plan(fits);
        assertEquals(8 + SafeTensors.MAX_HEADER_BYTES, p.dataStart());
        Path f = Files.write(dir.resolve("limit.safetensors"), p.prefix());
        assertEquals(fits, SafeTensors.readHeader(f).metadata().get("m").length());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plan(fits + 1));
        assertEquals("header of " + (SafeTensors.MAX_HEADER_BYTES + 8) + " bytes exceeds "
                + SafeTensors.MAX_HEADER_BYTES, e.getMessage());
    }
}
