package dev.jprune.data;

import static dev.jprune.data.DataFixtures.idxImages;
import static dev.jprune.data.DataFixtures.idxLabels;
import static dev.jprune.data.DataFixtures.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data set specifications (csv:, synthetic-regression) and the messages naming missing IDX files. */
class DataSpecsTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void tmp() throws IOException {
        DataFixtures.ensureTmpDir();
    }

    @Test
    void csvSpecReadsTheFileWithTheGivenOptions() throws IOException {
        Path f = dir.resolve("t.csv");
        StringBuilder b = new StringBuilder("x,y\n");
        for (int i = 0; i < 10; i++) b.append(i).append(',').append(i % 2).append('\n');
        Files.writeString(f, b.toString());
        Split s = Datasets.load("csv:" + f, new CsvData.Options("y", true, 0.3, 4));
        Split direct = CsvData.read(f, new CsvData.Options("y", true, 0.3, 4));
        assertEquals(7, s.train().size());
        assertEquals(2, s.train().numClasses());
        assertArrayEquals(direct.test().images(), s.test().images());
        assertEquals("t.csv/test", s.test().name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Datasets.load("csv: "));
        assertEquals("--data csv: needs a file, e.g. csv:data.csv", e.getMessage());
    }

    @Test
    void syntheticRegressionSpecWithAndWithoutParameters() throws IOException {
        Split plain = Datasets.load("synthetic-regression");
        assertEquals(100, plain.train().size());
        assertArrayEquals(SyntheticRegression.parse(null).generate().train().targets(), plain.train().targets());
        Split small = Datasets.load("synthetic-regression:n=5,test=2,features=3");
        assertEquals(5, small.train().size());
        assertEquals(2, small.test().size());
        assertArrayEquals(new int[] {3}, small.train().sampleShape());
    }

    /** An MNIST-style folder under {@code name} holding only the given files (empty 1×1 sets). */
    private Path idxFolderWith(String name, String... files) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        for (String f : files) {
            write(d.resolve(f), f.contains("images") ? idxImages(0, 1, 1, new byte[0]) : idxLabels(new byte[0]),
                    false);
        }
        return d;
    }

    @Test
    void anIncompleteIdxFolderNamesEveryMissingFileAtOnce() throws IOException {
        Path d = idxFolderWith("half", "train-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
        for (IOException e : new IOException[] {
            assertThrows(NoSuchFileException.class, () -> Datasets.load(d.toString())),
            assertThrows(NoSuchFileException.class, () -> FashionMnist.load(d))}) {
            assertEquals(d + ": IDX data folder is missing train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz]",
                    e.getMessage());
        }
    }

    /** A folder or FIFO under a data file's name is named as there but not a file, not just as missing. */
    @Test
    void aFolderWhereAnIdxFileShouldBeIsNamedAsNotAFile() throws IOException {
        Path d = idxFolderWith("folder-labels", "train-images-idx3-ubyte", "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte");
        Files.createDirectory(d.resolve("train-labels-idx1-ubyte"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Datasets.load(d.toString()));
        assertEquals(d + ": IDX data folder is missing train-labels-idx1-ubyte[.gz] (train-labels-idx1-ubyte there is"
                + " not a regular file)", e.getMessage());
    }

    @Test
    void readingOneSplitNamesOnlyItsMissingFiles() throws IOException {
        Path none = idxFolderWith("none-train", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> FashionMnist.train(none));
        assertEquals(none + ": IDX data folder is missing train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]",
                e.getMessage());
        Path noLabels = idxFolderWith("no-labels", "t10k-images-idx3-ubyte");
        e = assertThrows(NoSuchFileException.class, () -> FashionMnist.test(noLabels));
        assertEquals(noLabels + ": IDX data folder is missing t10k-labels-idx1-ubyte[.gz]", e.getMessage());
        Path noImages = idxFolderWith("no-images", "t10k-labels-idx1-ubyte");
        e = assertThrows(NoSuchFileException.class, () -> FashionMnist.test(noImages));
        assertEquals(noImages + ": IDX data folder is missing t10k-images-idx3-ubyte[.gz]", e.getMessage());
        Path all = idxFolderWith("all", "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");
        assertEquals(0, FashionMnist.test(all).size());
        assertEquals("fashion-mnist/train", FashionMnist.train(all).name());
    }

    /** isAvailable() says whether the default folder holds the four files, checked here name by name. */
    @Test
    void fashionMnistIsAvailableExactlyWhenItsFourFilesAreInstalled() throws IOException {
        boolean installed = true;
        for (String f : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte"}) {
            Path p = FashionMnist.DEFAULT_DIR.resolve(f);
            installed &= Files.isRegularFile(p) || Files.isRegularFile(Path.of(p + ".gz"));
        }
        assertEquals(installed, FashionMnist.isAvailable());
        Path mixed = idxFolderWith("mixed", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte.gz");
        assertTrue(FashionMnist.isAvailable(mixed));
    }
}
