package dev.jprune.models;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.nn.Parameter;
import dev.jprune.nn.Sequential;
import dev.jprune.train.TrainConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Architecture options (biases, initialisation, data-sized linear models), seed-faithful defaults, descriptions. */
class ModelOptionsTest {
    @Test
    void defaultOptionsBuildExactlyTheNamedModel() {
        for (String name : List.of("mlp-128", "lenet-5")) {
            float[][] a = Models.build(name, 4).net().copyValues(), b = Models.build(name, 4,
                    ModelOptions.DEFAULT).net().copyValues();
            for (int i = 0; i < a.length; i++) assertArrayEquals(a[i], b[i], name);
        }
    }

    @Test
    void noBiasGlorotAndZeros() {
        ModelOptions noBias = new ModelOptions(false, ModelOptions.Init.PYTORCH, 0, 0);
        Map<String, Parameter> p = Models.build("lenet-5", 2, noBias).net().namedParameters();
        assertEquals(List.of("0.weight", "2.weight", "5.weight", "7.weight"), List.copyOf(p.keySet()));
        ModelOptions glorot = new ModelOptions(true, ModelOptions.Init.GLOROT_UNIFORM, 0, 0);
        Map<String, Parameter> g = Models.build("mlp-128", 2, glorot).net().namedParameters();
        float bound = (float) Math.sqrt(6.0 / (784 + 128));
        float max = 0;
        for (float v : g.get("0.weight").value.data) max = Math.max(max, Math.abs(v));
        assertTrue(max <= bound && max > 0.99f * bound, "U(±sqrt(6/(fan_in+fan_out))): max |w| " + max + " bound "
                + bound);
        for (float v : g.get("0.bias").value.data) assertEquals(0f, v);
        // Conv fan_in = C·k², fan_out = F·k²: lenet-5's first conv 1·25 and 20·25.
        float cb = (float) Math.sqrt(6.0 / (25 + 500));
        for (float v : Models.build("lenet-5", 2,
                glorot).net().namedParameters().get("0.weight").value.data) assertTrue(Math.abs(v) <= cb);
        for (float v : Models.build("linear-regression-1", 2, new ModelOptions(false, ModelOptions.Init.ZEROS, 0, 0))
                .net().namedParameters().get("0.weight").value.data) assertEquals(0f, v);
        assertThrows(IllegalArgumentException.class, () -> ModelOptions.parseInit("he"));
    }

    @Test
    void linearModelsTakeTheirSizeFromTheOptions() {
        ModelSpec lr = Models.build("linear-regression", 1, ModelOptions.DEFAULT.withSizes(7, 2));
        assertArrayEquals(new int[] {7}, lr.sampleShape());
        assertEquals(2, lr.outputs());
        assertEquals(ModelSpec.Task.REGRESSION, lr.task());
        ModelSpec cls = Models.build(Models.LOGISTIC_REGRESSION, 1, ModelOptions.DEFAULT.withSizes(5, 3));
        assertEquals(ModelSpec.Task.CLASSIFICATION, cls.task());
        assertEquals(3, cls.outputs());
    }

    @Test
    void writeUp001sModelTrainsWithPlainSgdByDefault() {
        assertEquals(0f, TrainConfig.builder(Models.build("cifar-cnn-a", 1)).build().momentum());
        assertEquals(0.9f, TrainConfig.builder(Models.build("lenet-300-100", 1)).build().momentum());
    }

    @Test
    void aModelBuiltWithOptionsIsDescribedByItsModelFile() throws Exception {
        ModelSpec m = Models.build("cifar-cnn-a", 3, new ModelOptions(false, ModelOptions.Init.PYTORCH, 0, 0));
        Architecture described = Architecture.of(m);
        String json = ModelFile.toJson(described, false);
        assertTrue(json.contains("\"momentum\":0.0") && json.contains("\"bias\":false"), json);
        ModelSpec back = ModelFile.parse(json, "f.safetensors", "x").build(3);
        assertEquals(m.net().describe(), back.net().describe());
        assertArrayEquals(m.sampleShape(), back.sampleShape());
        assertEquals(0f, back.defaultMomentum());
        Sequential a = m.net(), b = back.net();
        assertEquals(List.copyOf(a.namedParameters().keySet()), List.copyOf(b.namedParameters().keySet()));
        assertFalse(a.namedParameters().containsKey("0.bias"));
        assertEquals(m.net().describe(), Models.build(described, 3, ModelOptions.DEFAULT).net().describe());
    }
}
