package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.nn.Conv2d;
import dev.jprune.nn.MaxPool2d;
import dev.jprune.util.Rng;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LayerGeometryTest {

    @ParameterizedTest(name = "Conv2d C={0} F={1} k={2} s={3} p={4}")
    @CsvSource({"1,1,1,1,0", "1,20,5,1,0", "3,64,3,1,1", "2,3,3,2,1", "4,2,7,3,3", "1,1,5,2,4",
            "3,2,1,5,0", "2,2,4,4,2"})
    void convGeometryIsRecovered(int c, int f, int k, int s, int p) {
        LayerGeometry.Geometry g = LayerGeometry.of(new Conv2d(c, f, k, s, p, new Rng(1)));
        assertEquals(new LayerGeometry.Geometry(k, s, p), g);
    }

    @ParameterizedTest(name = "MaxPool2d k={0} s={1}")
    @CsvSource({"1,1", "2,2", "3,2", "2,3", "5,1", "3,7"})
    void poolGeometryIsRecovered(int k, int s) {
        assertEquals(new LayerGeometry.Geometry(k, s, 0), LayerGeometry.of(new MaxPool2d(k, s)));
    }
}
