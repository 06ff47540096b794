package dev.jprune.data;

import dev.jprune.util.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import static org.junit.jupiter.api.Assertions.*;

class BatcherTest {
    /** n samples of shape {2, 3}; sample i's floats are all distinct and encode i, label i % 4. */
    private static Dataset data(int n) {
        float[] im = new float[n * 6];
        Rng r = new Rng(5);
        for (int i = 0; i < im.length; i++) im[i] = (i / 6) * 10 + r.uniform(0, 1);
        int[] lb = new int[n];
        for (int i = 0; i < n; i++) lb[i] = i % 4;
        return new Dataset("b", im, lb, new int[] {2, 3}, 4);
    }

    /** Batches of one epoch, detached. */
    private static List<Batcher.Batch> collect(Batcher b, int epoch) {
        List<Batcher.Batch> out = new ArrayList<>();
        for (Batcher.Batch x : b.epoch(epoch)) out.add(x.copy());
        return out;
    }

    @ParameterizedTest(name = "n={0} B={1} dropLast={2}")
    @CsvSource({"1,1,false", "7,3,false", "7,3,true", "129,16,false", "129,16,true", "10,10,false",
            "5,8,false", "5,8,true"})
    void coverageShapesAndContent(int n, int bs, boolean dropLast) {
        Dataset d = data(n);
        Batcher b = new Batcher(d, bs, true, dropLast, 42);
        int expectBatches = dropLast ? n / bs : (n + bs - 1) / bs;
        assertEquals(expectBatches, b.numBatches());
        for (int epoch = 0; epoch < 3; epoch++) {
            List<Batcher.Batch> batches = collect(b, epoch);
            assertEquals(expectBatches, batches.size());
            int[] seen = new int[n];
            int visited = 0;
            for (int k = 0; k < batches.size(); k++) {
                Batcher.Batch x = batches.get(k);
                int size = x.size();
                boolean last = k == batches.size() - 1;
                assertEquals(last && !dropLast ? n - k * bs : bs, size, "batch " + k + " size");
                assertArrayEquals(new int[] {size, 2, 3}, x.x().shape());
                assertEquals(size, x.labels().length);
                for (int j = 0; j < size; j++) {
                    int i = x.indices()[j];
                    seen[i]++;
                    visited++;
                    assertEquals(d.label(i), x.labels()[j]);
                    for (int f = 0; f < 6; f++) assertEquals(d.images()[i * 6 + f], x.x().data[j * 6 + f], 0f);
                }
            }
            assertEquals(b.samplesPerEpoch(), visited);
            int once = 0;
            for (int c : seen) {
                assertTrue(c <= 1, "a sample was visited twice in one epoch");
                once += c;
            }
            assertEquals(dropLast ? (n / bs) * bs : n, once);
            if (!dropLast) for (int c : seen) assertEquals(1, c, "every sample exactly once per epoch");
        }
    }

    @Test
    void sameSeedSameBatchesBitForBit() {
        Dataset d = data(129);
        Batcher a = new Batcher(d, 16, true, false, 1234), b = new Batcher(d, 16, true, false, 1234);
        for (int epoch : new int[] {0, 1, 7}) {
            List<Batcher.Batch> x = collect(a, epoch), y = collect(b, epoch);
            assertEquals(x.size(), y.size());
            for (int k = 0; k < x.size(); k++) {
                assertArrayEquals(x.get(k).indices(), y.get(k).indices());
                assertArrayEquals(x.get(k).labels(), y.get(k).labels());
                float[] p = x.get(k).x().data, q = y.get(k).x().data;
                for (int i = 0; i < p.length; i++)
                    assertEquals(Float.floatToRawIntBits(p[i]), Float.floatToRawIntBits(q[i]));
            }
        }
        // Replaying an epoch out of order gives the same permutation (depends on (seed, epoch) only).
        int[] e3 = a.order(3);
        a.order(0);
        assertArrayEquals(e3, a.order(3));
        assertArrayEquals(e3, new Batcher(data(129), 5, true, true, 1234).order(3));
    }

    @Test
    void differentEpochOrSeedGivesDifferentOrder() {
        Dataset d = data(200);
        Batcher a = new Batcher(d, 10, true, false, 9);
        int[] e0 = a.order(0), e1 = a.order(1);
        assertFalse(Arrays.equals(e0, e1));
        assertFalse(Arrays.equals(e0, new Batcher(d, 10, true, false, 10).order(0)));
        int[] id = new int[200];
        for (int i = 0; i < 200; i++) id[i] = i;
        assertFalse(Arrays.equals(id, e0));
        int[] sorted = e1.clone();
        Arrays.sort(sorted);
        assertArrayEquals(id, sorted); // a permutation
        // The permutation is exactly Rng.shuffle of the identity under the documented epoch seed.
        int[] expect = id.clone();
        new Rng(Batcher.epochSeed(9, 1)).shuffle(expect);
        assertArrayEquals(expect, e1);
    }

    @Test
    void noShuffleIsIndexOrder() {
        Dataset d = data(7);
        Batcher b = new Batcher(d, 3, false, false, 1);
        List<Batcher.Batch> batches = collect(b, 5);
        assertArrayEquals(new int[] {0, 1, 2}, batches.get(0).indices());
        assertArrayEquals(new int[] {3, 4, 5}, batches.get(1).indices());
        assertArrayEquals(new int[] {6}, batches.get(2).indices());
    }

    @Test
    void dropLastDropsOnlyThePartialBatch() {
        Dataset d = data(10);
        assertEquals(3, new Batcher(d, 3, false, true, 0).numBatches());
        assertEquals(4, new Batcher(d, 3, false, false, 0).numBatches());
        assertEquals(0, new Batcher(d, 11, false, true, 0).numBatches());
        assertFalse(new Batcher(d, 11, false, true, 0).epoch(0).iterator().hasNext());
        assertEquals(2, new Batcher(d, 5, false, true, 0).numBatches()); // exact multiple: nothing dropped
    }

    @Test
    void reusedBufferBatchBecomesStaleLoudly() {
        Dataset d = data(10);
        Iterator<Batcher.Batch> it = new Batcher(d, 3, true, false, 3).epoch(0).iterator();
        Batcher.Batch first = it.next();
        Batcher.Batch kept = first.copy();
        int[] firstIdx = first.indices().clone();
        Batcher.Batch second = it.next();
        assertThrows(IllegalStateException.class, first::x);
        assertThrows(IllegalStateException.class, first::labels);
        assertArrayEquals(firstIdx, kept.indices()); // the copy survives
        for (int j = 0; j < 3; j++) assertEquals(d.images()[firstIdx[j] * 6], kept.x().data[j * 6], 0f);
        assertNotNull(second.x());
        it.next();
        Batcher.Batch last = it.next(); // partial batch, size 1
        assertEquals(1, last.size());
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
        // Two iterators of the same epoch are independent.
        Iterable<Batcher.Batch> ep = new Batcher(d, 3, true, false, 3).epoch(0);
        Iterator<Batcher.Batch> i1 = ep.iterator(), i2 = ep.iterator();
        Batcher.Batch b1 = i1.next(), b2 = i2.next();
        assertArrayEquals(b1.indices(), b2.indices());
        assertNotSame(b1.x().data, b2.x().data);
    }

    @Test
    void regressionBatches() {
        LinearRegressionData lr = LinearRegressionData.generate(23, 4, new Rng(2), 0.1f);
        Batcher b = new Batcher(lr.data(), 5, true, false, 8);
        int total = 0;
        for (Batcher.Batch x : b.epoch(0)) {
            assertNull(x.labels());
            assertArrayEquals(new int[] {x.size(), 4}, x.x().shape());
            assertArrayEquals(new int[] {x.size(), 1}, x.targets().shape());
            for (int j = 0; j < x.size(); j++) {
                int i = x.indices()[j];
                assertEquals(lr.y()[i], x.targets().data[j], 0f);
                for (int f = 0; f < 4; f++) assertEquals(lr.x()[i * 4 + f], x.x().data[j * 4 + f], 0f);
            }
            total += x.size();
        }
        assertEquals(23, total);
    }

    @Test
    void badArguments() {
        Dataset d = data(4);
        assertThrows(IllegalArgumentException.class, () -> new Batcher(d, 0, true, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new Batcher(d, 2, true, false, 0).order(-1));
    }
}
