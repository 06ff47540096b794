package dev.jprune.models;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.io.Checkpoint;
import dev.jprune.io.Layout;
import dev.jprune.io.SafeTensors;
import dev.jprune.io.TensorEntry;
import dev.jprune.nn.Parameter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which model a checkpoint holds: the model file jprune writes into it, or a PyTorch chain of Linear layers. */
class CheckpointModelsTest {
    @TempDir Path dir;

    private static Map<String, int[]> shapes(Object... nameShape) {
        Map<String, int[]> m = new LinkedHashMap<>();
        for (int i = 0; i < nameShape.length; i += 2) m.put((String) nameShape[i], (int[]) nameShape[i + 1]);
        return m;
    }

    @Test
    void aChainOfLinearLayersIsRecognisedWithReluBetween() {
        Architecture a = CheckpointModels.linearChain(shapes("0.weight", new int[] {300, 784}, "0.bias",
                new int[] {300},
                "2.weight", new int[] {100, 300}, "2.bias", new int[] {100}, "4.weight", new int[] {10, 100},
                "4.bias", new int[] {10}));
        Architecture asMnist = new Architecture(a.name(), new int[] {1, 28, 28}, a.layers(), a.task(), a.optimizer(),
                a.lr());
        assertNull(Models.architecture("lenet-300-100").difference(asMnist, "a", "b"), "the layers of lenet-300-100");
        assertEquals("the input is [784] in the chain but [1, 28, 28] in lenet-300-100",
                a.difference(Models.architecture("lenet-300-100"), "the chain", "lenet-300-100"));
        assertEquals("layer 0 is linear(in=784, out=300, bias=true) in x but conv2d(in=1, out=20, kernel=5, stride=1, "
                + "padding=0, bias=true) in y", asMnist.difference(Models.architecture("lenet-5"), "x", "y"));
        assertArrayEquals(new int[] {784}, a.inputShape());
        assertEquals("linear-chain-784-300-100-10", a.name());
    }

    /** nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10, bias=False)): names from "1.". */
    @Test
    void aChainAfterAFlattenStartsAtOneAndBiasesAreOptional() {
        Architecture a = CheckpointModels.linearChain(shapes("1.weight", new int[] {512, 784}, "1.bias",
                new int[] {512},
                "3.weight_orig", new int[] {10, 512}, "3.weight_mask", new int[] {10, 512}));
        assertEquals(List.of(new LayerSpec.Flatten(), new LayerSpec.Linear(784, 512, true), new LayerSpec.ReLU(),
                new LayerSpec.Linear(512, 10, false)), a.layers());
    }

    @Test
    void anythingElseIsNotAChain() {
        int[] w = {4, 3}, w2 = {2, 4};
        assertNull(CheckpointModels.linearChain(shapes("0.weight", w, "3.weight", w2)), "a gap of 3: what is between?");
        assertNull(CheckpointModels.linearChain(shapes("2.weight", w)), "starts at 2");
        assertNull(CheckpointModels.linearChain(shapes("0.weight", w, "2.weight", new int[] {2, 5})), "5 != 4 inputs");
        assertNull(CheckpointModels.linearChain(shapes("0.weight", new int[] {4, 3, 3, 3})), "a conv weight");
        assertNull(CheckpointModels.linearChain(shapes("0.weight", w, "0.bias", new int[] {3})),
                "bias of 3 for 4 rows");
        assertNull(CheckpointModels.linearChain(shapes("0.bias", new int[] {3})), "a bias without weight");
        assertNull(CheckpointModels.linearChain(shapes("fc1.weight", w)), "named modules");
        assertNull(CheckpointModels.linearChain(shapes("0.weight", w, "0.running_mean", new int[] {4})), "a buffer");
        assertNull(CheckpointModels.linearChain(shapes("0.weight", w, "0.weight_orig", w)), "both plain and _orig");
        assertNull(CheckpointModels.linearChain(shapes()), "empty");
    }

    /** jprune writes its model file into the metadata: loading needs no name, and every layout carries it. */
    @Test
    void savedCheckpointsCarryTheirModelFile() throws IOException {
        Architecture arch = Architecture.builder(1, 8, 8).name("mine").conv2d(1, 2, 3, 1, 0, false).relu().flatten()
                .linear(72, 5).build();
        ModelSpec m = arch.build(4);
        Parameter w = m.net().namedParameters().get("3.weight");
        w.mask = new byte[w.size()];
        for (int i = 0; i < w.mask.length; i += 3) w.mask[i] = 1;
        w.applyMask();
        for (Layout layout : Layout.values()) {
            Path f = dir.resolve(layout.cliName() + ".safetensors");
            Models.save(m, f, layout, null, Map.of("criterion", "magnitude"));
            CheckpointModels.Found found = CheckpointModels.find(f);
            assertEquals(CheckpointModels.Source.METADATA_MODEL_FILE, found.source());
            assertEquals(arch, found.architecture(), layout.cliName());
            ModelSpec back = Models.load(f);
            assertArrayEquals(w.value.data, back.net().namedParameters().get("3.weight").value.data);
            assertEquals("mine", back.name());
        }
    }

    @Test
    void aPlainStateDictOfAChainLoadsWithoutAModelAndOthersAskForOne() throws IOException {
        ModelSpec lenet = Models.build("lenet-300-100", 2);
        Map<String, TensorEntry> sd = new LinkedHashMap<>();
        for (var e : lenet.net().namedParameters().entrySet()) {
            sd.put(e.getKey(), TensorEntry.f32(e.getValue().value.data, e.getValue().value.shape()));
        }
        Path f = dir.resolve("torch.safetensors");
        SafeTensors.write(f, sd, Map.of("format", "pt"));
        assertEquals(CheckpointModels.Source.LINEAR_CHAIN, CheckpointModels.find(f).source());
        ModelSpec back = Models.load(f);
        assertArrayEquals(lenet.net().namedParameters().get("4.weight").value.data,
                back.net().namedParameters().get("4.weight").value.data);

        ModelSpec conv = Models.build("lenet-5", 2);
        Path c = dir.resolve("conv.safetensors");
        Checkpoint.save(c, conv.net()); // no model metadata: a plain state_dict of a conv net
        assertNull(CheckpointModels.find(c));
        IOException e = assertThrows(IOException.class, () -> Models.load(c));
        assertTrue(e.getMessage().contains(c.toString()) && e.getMessage().contains("--model"), e.getMessage());
    }
}
