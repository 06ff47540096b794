package dev.jprune.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A destination array too short for a read is refused naming the tensor, before anything is written into it. */
class MappedCheckpointMisuseTest {
    @TempDir Path dir;

    @BeforeAll
    static void tmpdirExists() throws Exception {
        StBytes.ensureTmpdir();
    }

    @Test
    void aReadIntoTooSmallADestinationIsRefusedAndLeavesItUntouched() throws Exception {
        Path f = dir.resolve("a.safetensors");
        SafeTensors.write(f, Map.of("a", TensorEntry.f32(new float[] {1, 2, 3}, 3)), null);
        try (MappedCheckpoint mc = MappedCheckpoint.open(CheckpointFiles.open(f))) {
            CheckpointFiles.Tensor a = mc.files().get("a");
            float[] out = {-1, -1};
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> mc.readFloats(a, 0, 3, out, 0));
            assertTrue(e.getMessage().startsWith("a: destination range [0, 3)"), e.getMessage());
            assertArrayEquals(new float[] {-1, -1}, out);
            assertThrows(IllegalArgumentException.class, () -> mc.readFloats(a, 0, 1, out, -1));
            assertThrows(IllegalArgumentException.class, () -> mc.readFloats(a, 0, 1, null, 0));
            assertThrows(IllegalArgumentException.class, () -> mc.readRaw(a, 0, 3, new int[2], 0));
            assertThrows(IllegalArgumentException.class, () -> mc.readFloats(null, 0, 1, out, 0));
            float[] ok = new float[4];
            mc.readFloats(a, 1, 2, ok, 2);
            assertArrayEquals(new float[] {0, 0, 2, 3}, ok);
        }
    }
}
