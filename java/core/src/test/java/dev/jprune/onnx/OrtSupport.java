package dev.jprune.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Locale;
import java.util.Map;

/** Running exported models in ONNX Runtime from the tests, and the comparison rule. */
final class OrtSupport {
    private OrtSupport() {}

    /**
     * The ONNX Runtime environment. Skips (with the reason) only on platforms the onnxruntime jar ships no natives
     * for (it has linux x64/aarch64, macOS aarch64, Windows x64); where it has them, a load failure fails the test.
     */
    static OrtEnvironment environment() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        boolean x64 = arch.equals("amd64") || arch.equals("x86_64"), arm64 = arch.equals("aarch64");
        boolean shipped = (os.contains("linux") && (x64 || arm64)) || (os.contains("mac") && arm64)
                || (os.contains("windows") && x64);
        assumeTrue(shipped, "ONNX Runtime's jar has no natives for " + os + "/" + arch
                + "; the ONNX runtime tests skip");
        return OrtEnvironment.getEnvironment();
    }

    /** A session on {@code model} with one intra-op thread (results do not depend on it; keeps the test light). */
    static OrtSession session(OrtEnvironment env, byte[] model) throws OrtException {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            return env.createSession(model, o);
        }
    }

    /** Runs {@code s} on {@code x} of {@code shape} (batch first) and returns the output, flattened. */
    static float[] run(OrtEnvironment env, OrtSession s, float[] x, long... shape) throws OrtException {
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
             OrtSession.Result r = s.run(Map.of(OnnxExporter.INPUT, in))) {
            OnnxTensor out = (OnnxTensor) r.get(OnnxExporter.OUTPUT).orElseThrow();
            FloatBuffer b = out.getFloatBuffer();
            float[] a = new float[b.remaining()];
            b.get(a);
            return a;
        }
    }

    /**
     * The rule: max |actual − expected| ≤ rel · max|expected| (relative to the output's scale, which makes
     * near-zero logits comparable across summation orders). Prints the worst element on failure.
     */
    static void assertClose(String what, float[] expected, float[] actual, double rel) {
        assertEquals(expected.length, actual.length, what + ": output length");
        double scale = 0, worst = -1;
        int at = -1;
        for (float e : expected) scale = Math.max(scale, Math.abs(e));
        for (int i = 0; i < expected.length; i++) {
            if (!Float.isFinite(actual[i])) fail(what + ": element " + i + " is " + actual[i]);
            double d = Math.abs((double) actual[i] - expected[i]);
            if (d > worst) { worst = d; at = i; }
        }
        if (worst > rel * scale) {
            fail(String.format(Locale.ROOT,
                    "%s: max |d| = %.3g at element %d (expected %s, got %s) > %.1g x max|expected| %.4g",
                    what, worst, at, expected[at], actual[at], rel, scale));
        }
    }
}
