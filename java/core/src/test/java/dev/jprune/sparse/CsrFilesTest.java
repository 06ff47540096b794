package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.data.EmbeddedMnist;
import dev.jprune.data.Split;
import dev.jprune.io.SafeTensors;
import dev.jprune.io.TensorEntry;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Parameter;
import dev.jprune.prune.Criterion;
import dev.jprune.prune.ModelPruner;
import dev.jprune.prune.PruneSpec;
import dev.jprune.train.Evaluation;
import dev.jprune.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSR files written by the library read back to the same matrices; a sparse model evaluates as the dense one. */
class CsrFilesTest {
    @TempDir Path dir;

    static ModelSpec prunedLenet5() {
        ModelSpec m = Models.build("lenet-5", 4);
        ModelPruner p = new ModelPruner(m.net(), PruneSpec.global(Criterion.MAGNITUDE, 0.85));
        p.prune(0.85, p.scores(null));
        return m;
    }

    @Test
    void aWrittenExportReadsBackToTheModelsWeightsShapesAndBiases() throws Exception {
        ModelSpec m = prunedLenet5();
        Path f = dir.resolve("csr.safetensors");
        CsrFiles.write(f, m.net(), m.name());
        CsrFiles.CsrFile c = CsrFiles.read(f);
        assertEquals(CsrFiles.FORMAT, c.metadata().get("format"));
        assertEquals("lenet-5", c.metadata().get("model"));
        int weights = 0;
        for (Map.Entry<String, Parameter> e : m.net().namedParameters().entrySet()) {
            Parameter p = e.getValue();
            if (p.kind == Parameter.Kind.BIAS) {
                assertArrayEquals(p.value.data, c.biases().get(e.getKey()), e.getKey());
                continue;
            }
            weights++;
            assertArrayEquals(p.value.shape(), c.shapes().get(e.getKey()), e.getKey());
            Csr w = c.weights().get(e.getKey());
            assertEquals(Csr.fromDense(p.value.data, p.value.dim(0), p.size() / p.value.dim(0)), w, e.getKey());
            assertArrayEquals(p.value.data, w.toDense(), e.getKey() + ": dense values back");
        }
        assertEquals(4, weights);
        assertEquals(weights, c.weights().size());
    }

    @Test
    void aDamagedExportIsRefusedNamingTheFileAndTheTensor() throws Exception {
        ModelSpec m = Models.build("lenet-300-100", 1);
        Path good = dir.resolve("good.safetensors");
        CsrFiles.write(good, m.net(), m.name());
        Map<String, TensorEntry> t = new LinkedHashMap<>(SafeTensors.read(good).tensors());
        Map<String, String> meta = new LinkedHashMap<>(SafeTensors.read(good).metadata());
        Path noCols = dir.resolve("nocols.safetensors");
        Map<String, TensorEntry> missing = new LinkedHashMap<>(t);
        missing.remove("2.weight.col_indices");
        SafeTensors.write(noCols, missing, meta);
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> CsrFiles.read(noCols));
        assertTrue(e.getMessage().contains("nocols.safetensors") && e.getMessage().contains("2.weight.col_indices"),
                e.getMessage());
        Path badShape = dir.resolve("shape.safetensors");
        Map<String, String> m2 = new LinkedHashMap<>(meta);
        m2.put("0.weight.shape", "[301, 784]");  // 301 rows: crow_indices has 301 entries, not 302
        SafeTensors.write(badShape, t, m2);
        e = assertThrows(java.io.IOException.class, () -> CsrFiles.read(badShape));
        assertTrue(e.getMessage().contains("0.weight"), e.getMessage());
        Path notCsr = dir.resolve("plain.safetensors");
        dev.jprune.io.Checkpoint.save(notCsr, m.net());
        e = assertThrows(java.io.IOException.class, () -> CsrFiles.read(notCsr));
        assertTrue(e.getMessage().contains("not a CSR export"), e.getMessage());
        assertTrue(Files.isRegularFile(good));
    }

    /** SparseModel.evaluate gives the dense model's accuracy and loss (same samples, same predictions up to
     *  rounding). */
    @Test
    void aSparseModelEvaluatesAsTheDenseModel() throws Exception {
        ModelSpec m = prunedLenet5();
        Split s = EmbeddedMnist.standardizedSplit();
        var test = s.test().subset(0, 300);
        Evaluation dense = Trainer.evaluate(m.net(), test, 500);
        Evaluation sparse = SparseModel.export(m.net()).evaluate(test);
        assertEquals(dense.samples(), sparse.samples());
        assertEquals(dense.accuracy(), sparse.accuracy(), 1.0 / 300 + 1e-12,
                "at most one near-tie prediction may differ");
        assertEquals(dense.loss(), sparse.loss(), 1e-4 * Math.max(1, dense.loss()));
        Evaluation again = SparseEvaluation.evaluate(SparseModel.export(m.net()), test, 7);
        assertEquals(sparse.accuracy(), again.accuracy(), 1e-12, "the batch size changes nothing but rounding");
        assertThrows(IllegalArgumentException.class,
                () -> SparseEvaluation.evaluate(SparseModel.export(m.net()), test, 0));
    }
}
