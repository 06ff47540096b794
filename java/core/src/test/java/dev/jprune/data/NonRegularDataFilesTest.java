package dev.jprune.data;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.testutil.SpecialFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A CSV "file" that is a FIFO or a device is refused at once, naming it (reading a FIFO waited forever). */
class NonRegularDataFilesTest {
    @TempDir Path dir;

    @Test
    void aFifoOrDeviceAsCsvIsRefusedWithoutReadingIt() throws Exception {
        for (Path p : List.of(SpecialFiles.fifo(dir.resolve("data.csv")), Path.of("/dev/null"))) {
            DatasetFormatException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                    assertThrows(DatasetFormatException.class, () -> CsvData.read(p, CsvData.Options.DEFAULT)));
            assertTrue(e.getMessage().contains(p + ": is not a regular file"), e.getMessage());
        }
    }
}
