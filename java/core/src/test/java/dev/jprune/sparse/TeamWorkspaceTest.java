package dev.jprune.sparse;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import dev.jprune.nn.Conv2d;
import dev.jprune.nn.Linear;
import dev.jprune.nn.MaxPool2d;
import dev.jprune.nn.ReLU;
import dev.jprune.nn.Sequential;
import dev.jprune.tensor.Tensor;
import dev.jprune.util.Rng;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Team workspaces (SparseModel.newTeamWorkspace) split Linear layers over helper threads: the results are the masked
 * dense model's bits at every batch size and path (one-sample, lane blocks, rows, dense), the helpers really run
 * parts, and closing stops them.
 */
class TeamWorkspaceTest {
    private static final int[] BATCHES = {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 32, 33, 64, 100};

    /** An MLP with odd widths: a 1-row layer (a part with no rows), 7 and 129 wide layers, ReLUs between. */
    private static Sequential oddMlp(Rng rng) {
        Sequential net = new Sequential(new Linear(129, 300, rng), new ReLU(), new Linear(300, 7, rng), new ReLU(),
                new Linear(7, 129, rng), new ReLU(), new Linear(129, 1, rng));
        Masks.randomWeightMasks(net, 0.8, rng);
        return net;
    }

    private static Sequential lenet90(long seed) {
        ModelSpec spec = Models.build("lenet-300-100", seed);
        Masks.randomWeightMasks(spec.net(), 0.9, new Rng(seed));
        return spec.net();
    }

    /**
     * Every export mode, teams of 2 and 3 threads, batches 1-100: a team workspace's output (into a poisoned tensor)
     * is the masked dense model's, bit for bit, and layers were split. (Who runs a part depends on scheduling: a
     * part a helper has not started by the time the caller is done runs on the caller.)
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lenet", "odd"})
    void teamOutputsEqualMaskedDenseModelBitForBit(String which) {
        Rng rng = new Rng(which.hashCode());
        Sequential net = which.equals("lenet") ? lenet90(3) : oddMlp(rng);
        int in = which.equals("lenet") ? 784 : 129;
        for (SparseModel sm : new SparseModel[] {SparseModel.export(net), SparseModel.exportSparse(net),
                SparseModel.exportDense(net)}) {
            for (int threads : new int[] {2, 3}) {
                try (Workspace ws = sm.newTeamWorkspace(threads)) {
                    assertEquals(threads, ws.teamThreads());
                    for (int n : BATCHES) {
                        Tensor x = SparseModelTest.input(rng, n, new int[] {in});
                        Tensor ref = net.forward(x, false);
                        Tensor y = Tensor.zeros(ref.shape());
                        for (int call = 0; call < 3; call++) { // the second and third reuse the workspace
                            Arrays.fill(y.data, Float.NaN);
                            sm.forwardInto(x, y, ws);
                            assertArrayEquals(ref.data, y.data, which + " " + sm.describe() + " threads " + threads
                                    + " batch " + n + " call " + call);
                        }
                    }
                    assertTrue(ws.splits > 0, "some layer was split over the team");
                    Tensor x = SparseModelTest.input(rng, 8, new int[] {in});
                    assertArrayEquals(net.forward(x, false).data, sm.forward(x, ws).data, "forward(x, ws)");
                }
            }
        }
    }

    /**
     * A convolutional model (LeNet-5, 90% masked) at batches that fork its convolutions and pooling: a team
     * workspace's output equals an ordinary workspace's bit for bit, and more than the Linear layers were split.
     */
    @Test
    void convolutionsSplitOverTheTeamExactly() {
        ModelSpec spec = Models.build("lenet-5", 4);
        Masks.randomWeightMasks(spec.net(), 0.9, new Rng(4));
        for (SparseModel sm : new SparseModel[] {SparseModel.export(spec.net()), SparseModel.exportDense(spec.net())}) {
            try (Workspace team = sm.newTeamWorkspace(2)) {
                Workspace plain = sm.newWorkspace(false);
                for (int n : new int[] {1, 3, 64, 100}) {
                    Tensor x = SparseModelTest.input(new Rng(n), n, spec.sampleShape());
                    Tensor want = Tensor.zeros(sm.outputShape(x.shape())), got = Tensor.zeros(want.shape());
                    sm.forwardInto(x, want, plain);
                    Arrays.fill(got.data, Float.NaN);
                    sm.forwardInto(x, got, team);
                    assertArrayEquals(want.data, got.data, sm.describe() + " batch " + n);
                }
            }
        }
        // convolutions and pooling alone (no Linear layer): their splits go to the team as well
        Rng rng = new Rng(9);
        Sequential convs = new Sequential(new Conv2d(1, 6, 5, 1, 2, rng), new ReLU(), new MaxPool2d(2, 2),
                new Conv2d(6, 16, 5, 1, 0, rng));
        Masks.randomWeightMasks(convs, 0.5, rng);
        Tensor x = SparseModelTest.input(rng, 64, new int[] {1, 28, 28});
        Tensor want = convs.forward(x, false), got = Tensor.zeros(want.shape());
        // direct convolutions (the cost model's choice) and im2col + a dense GEMM split by output positions
        for (SparseModel sm : new SparseModel[] {SparseModel.export(convs), SparseModel.exportDense(convs)}) {
            try (Workspace team = sm.newTeamWorkspace(3)) {
                Arrays.fill(got.data, Float.NaN);
                sm.forwardInto(x, got, team);
                assertArrayEquals(want.data, got.data, "convolutions on the team: " + sm.describe());
                assertTrue(team.splits > 0, "a convolution or the pooling was split over the team");
            }
        }
    }

    /**
     * On a layer of milliseconds per part the helpers do take their parts (not all taken back by the caller), and the
     * result stays exact. Scheduling decides each call, so calls repeat until a helper has run one (at most 5 s).
     */
    @Test
    void helpersRunPartsOfLargeLayers() {
        Rng rng = new Rng(12);
        Sequential net = new Sequential(new Linear(2000, 2000, rng));
        SparseModel sm = SparseModel.exportDense(net);
        Tensor x = SparseModelTest.input(rng, 8, new int[] {2000});
        Tensor ref = net.forward(x, false), y = Tensor.zeros(ref.shape());
        try (Workspace ws = sm.newTeamWorkspace(2)) {
            long end = System.nanoTime() + 5_000_000_000L;
            do {
                sm.forwardInto(x, y, ws);
                assertArrayEquals(ref.data, y.data);
            } while (ws.team.helperParts() == 0 && System.nanoTime() < end);
            assertTrue(ws.team.helperParts() > 0, "a helper ran a part within 5 s");
        }
    }

    /** Small layers stay on the caller: LeNet-300-100's 100 -> 10 at batch 1 is below the split threshold. */
    @Test
    void smallWorkIsNotSplit() {
        Sequential net = new Sequential(new Linear(100, 10, new Rng(1)));
        SparseModel sm = SparseModel.exportSparse(net);
        try (Workspace ws = sm.newTeamWorkspace(2)) {
            sm.forwardInto(Tensor.zeros(1, 100), Tensor.zeros(1, 10), ws);
            assertEquals(0, ws.splits);
        }
    }

    /** Closing stops the helper threads; later calls are refused with a clear message; close is idempotent. */
    @Test
    void closeStopsHelpersAndRefusesLaterCalls() throws Exception {
        SparseModel sm = SparseModel.export(lenet90(5));
        Tensor x = Tensor.zeros(8, 784), y = Tensor.zeros(8, 10);
        Workspace ws = sm.newTeamWorkspace(3);
        sm.forwardInto(x, y, ws);
        ws.close();
        ws.close();
        for (int i = 0; i < 500 && !ws.team.stopped(); i++) Thread.sleep(10);
        assertTrue(ws.team.stopped(), "helper threads ended");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> sm.forwardInto(x, y, ws));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> sm.forward(x, ws));
        assertThrows(IllegalArgumentException.class, () -> sm.forward(null, ws));
        assertThrows(IllegalArgumentException.class, () -> sm.forward(x, null));
        Workspace plain = sm.newWorkspace(false);
        plain.close();
        assertThrows(IllegalStateException.class, () -> sm.forwardInto(x, y, plain));
    }

    /** A team workspace nobody references any more stops its helpers once it is garbage-collected. */
    @Test
    void unreachableWorkspaceStopsItsHelpers() throws Exception {
        SparseModel sm = SparseModel.export(lenet90(6));
        SpinTeam team = useAndDrop(sm);
        for (int i = 0; i < 200 && !team.stopped(); i++) {
            System.gc();
            Thread.sleep(25);
        }
        assertTrue(team.stopped(), "helpers of an unreachable workspace ended");
    }

    private static SpinTeam useAndDrop(SparseModel sm) {
        Workspace ws = sm.newTeamWorkspace(2);
        sm.forwardInto(Tensor.zeros(8, 784), Tensor.zeros(8, 10), ws);
        WeakReference<Workspace> ref = new WeakReference<>(ws);
        assertNotNull(ref.get());
        return ws.team;
    }

    /** threads = 1 is an ordinary workspace; 0 and more than MAX_TEAM are refused naming the range. */
    @Test
    void threadCountIsChecked() {
        SparseModel sm = SparseModel.export(lenet90(7));
        try (Workspace one = sm.newTeamWorkspace(1)) {
            assertEquals(1, one.teamThreads());
            assertNull(one.team);
        }
        for (int bad : new int[] {0, -1, SparseModel.MAX_TEAM + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sm.newTeamWorkspace(bad));
            assertTrue(e.getMessage().contains("threads must be in [1, " + SparseModel.MAX_TEAM + "]"),
                    e.getMessage());
        }
    }

    /** Team workspaces of one model used from several threads at once: each call's result is still exact. */
    @Test
    void concurrentTeamWorkspacesOnOneModel() throws Exception {
        Sequential net = lenet90(8);
        SparseModel sm = SparseModel.export(net);
        Rng rng = new Rng(100);
        Tensor[] xs = new Tensor[40], refs = new Tensor[40];
        for (int i = 0; i < xs.length; i++) { // the layers' own forward is not thread-safe: references first
            xs[i] = SparseModelTest.input(rng, 1 + i % 12, new int[] {784});
            refs[i] = net.forward(xs[i], false);
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int first = t;
                jobs.add(pool.submit(() -> {
                    try (Workspace ws = sm.newTeamWorkspace(2)) {
                        for (int rep = 0; rep < 5; rep++) {
                            for (int i = first; i < xs.length; i += 2) {
                                Tensor y = Tensor.zeros(refs[i].shape());
                                sm.forwardInto(xs[i], y, ws);
                                assertArrayEquals(refs[i].data, y.data, "input " + i + " repeat " + rep);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : jobs) f.get();
        } finally {
            pool.shutdownNow();
        }
    }
}
