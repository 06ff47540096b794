package dev.jprune.gpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Checks of the GPU backend that need no GPU: they run on every build. */
class GpuStaticTest {
    private static Path nativeDir() {
        return Paths.get(System.getProperty("jprune.native.dir", "../native")).toAbsolutePath().normalize();
    }

    private static Path javaSource(String cls) {
        return Paths.get("src/main/java/dev/jprune/gpu/" + cls + ".java");
    }

    /** The launcher classes of this package, one per native/*.cu family: ElementwiseKernels, GemmKernels, ... */
    private static List<String> familyLaunchers() throws IOException {
        try (Stream<Path> s = Files.list(Paths.get("src/main/java/dev/jprune/gpu"))) {
            List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("Kernels.java"))
                    .map(n -> n.substring(0, n.length() - ".java".length())).sorted().toList();
            assertTrue(names.size() >= 9, "launcher classes: " + names);
            return names;
        }
    }

    @Test
    void probeNeverThrowsAndAlwaysExplains() {
        GpuProbe p = GpuProbe.get();
        assertSame(p, GpuProbe.get(), "probe is cached");
        assertNotNull(p.reason());
        assertFalse(p.reason().isBlank());
        assertFalse(p.driverReason().isBlank());
        assertFalse(p.jcublasReason().isBlank());
        assertFalse(p.jcusparseReason().isBlank());
        assertFalse(p.fatbinReason().isBlank());
        assertEquals(p.driverAvailable() && p.fatbinPresent(), p.available());
        if (!p.driverAvailable()) assertEquals(0, p.deviceCount());
    }

    @Test
    void contextOnAMachineWithoutGpuFailsWithTheProbeReason() {
        GpuProbe p = GpuProbe.get();
        if (p.available()) return;  // on a GPU machine GpuOpsTest and the family tests cover the context
        GpuException e = assertThrows(GpuException.class, GpuContext::open);
        assertTrue(e.getMessage().contains(p.reason()), e.getMessage());
    }

    @Test
    void doctorReportsEveryComponent() {
        String r = GpuDoctor.report();
        for (String s : new String[] {"GPU backend:", "driver:", "fatbin:", "JCublas:", "JCusparse:"}) {
            assertTrue(r.contains(s), "doctor report lacks '" + s + "':\n" + r);
        }
    }

    /**
     * Every extern "C" kernel in native/*.cu is launched by a method of a launcher class, and the launchers name no
     * other. The launchers of this package are named after their source (native/optim.cu: OptimKernels) and launch
     * only the kernels of that file.
     */
    @Test
    void everyKernelHasALauncherAndViceVersa() throws IOException {
        Set<String> defined = new TreeSet<>();
        Map<String, String> sourceOf = new TreeMap<>();  // kernel -> file name without .cu
        Pattern direct = Pattern.compile("JP_KERNEL\\s+void\\s+(?:__launch_bounds__\\([^)]*\\)\\s*)?(\\w+)\\s*\\(");
        Pattern viaMacro = Pattern.compile("^(JP_SGEMM|JP_SGEMM_SMALL|JP_TF32)\\((\\w+),", Pattern.MULTILINE);
        List<Path> sources;
        try (Stream<Path> s = Files.list(nativeDir())) {
            sources = s.filter(f -> f.toString().endsWith(".cu")).sorted().toList();
        }
        assertTrue(sources.size() >= 5, "kernel sources in " + nativeDir() + ": " + sources);
        for (Path f : sources) {
            // Macro bodies (#define lines with their continuations) are templates, not kernels.
            String src = Files.readString(f).replaceAll("#define(?:[^\\\\\n]|\\\\\n|\\\\)*", "");
            String family = f.getFileName().toString().replace(".cu", "");
            Matcher m = direct.matcher(src);
            while (m.find()) sourceOf.put(m.group(1), family);
            m = viaMacro.matcher(src);
            while (m.find()) sourceOf.put(m.group(2), family);
        }
        defined.addAll(sourceOf.keySet());
        assertTrue(defined.contains("jp_sgemm_nt") && defined.contains("jp_bias_add"), defined.toString());
        Set<String> launched = new TreeSet<>();
        Set<String> gemmPrefixes = Set.of("jp_sgemm_", "jp_sgemm_small_", "jp_tf32gemm_");
        List<String> launchers = new ArrayList<>();
        for (Object[] l : launchers()) launchers.add((String) l[0]);
        for (String launcher : launchers) {
            Matcher m = Pattern.compile("\"(jp_\\w+)\"").matcher(Files.readString(javaSource(launcher)));
            while (m.find()) {
                String k = m.group(1);
                launched.add(k);
                if (gemmPrefixes.contains(k)) continue;
                String simple = launcher.substring(launcher.lastIndexOf('/') + 1);
                // PruneHist11Kernels -> prune_hist11: the .cu file the launcher is named after
                String family = simple.substring(0, simple.length() - "Kernels".length())
                        .replaceAll("(?<=.)(?=\\p{Upper})", "_").toLowerCase();
                assertEquals(family, sourceOf.get(k), launcher + " launches " + k + ", defined in "
                        + sourceOf.get(k) + ".cu; a launcher serves the .cu file it is named after");
            }
        }
        launched.removeAll(gemmPrefixes);  // the prefixes the GEMM launcher concatenates
        Set<String> missing = new TreeSet<>(defined), unknown = new TreeSet<>(launched);
        missing.removeAll(launched);
        unknown.removeAll(defined);
        assertEquals(Set.of(), missing, "kernels of native/*.cu without a launcher in " + launchers);
        assertEquals(Set.of(), unknown, "names launched from " + launchers + " that no native/*.cu defines");
    }

    /**
     * The launcher classes (path under dev/jprune/gpu without .java) with the number of launch() arguments between the
     * kernel name and the kernel's own: every ...Kernels.java of dev.jprune.gpu (KernelLauncher: name, gx, gy, block,
     * shapes) and of dev.jprune.gpu.prune (prune/Launcher: name, grid, shapes), one per native family.
     */
    private static List<Object[]> launchers() throws IOException {
        List<Object[]> out = new ArrayList<>();
        for (String family : familyLaunchers()) out.add(new Object[] {family, 4});
        try (Stream<Path> s = Files.list(javaSource("prune/Launcher").getParent())) {
            for (String f : s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("Kernels.java")).sorted()
                    .toList()) {
                out.add(new Object[] {"prune/" + f.substring(0, f.length() - ".java".length()), 2});
            }
        }
        assertTrue(out.size() >= 17, "launcher classes found: " + out.size());
        return out;
    }

    /**
     * Every launch passes exactly the kernel's parameters, each with the width the kernel reads: KernelLauncher.params
     * turns Integer into a 4-byte int, Long into an 8-byte long long, Float, Double, and
     * DeviceBuffer/DevPtr/CUdeviceptr/null into a pointer. A missing argument, an int where the kernel reads long long
     * (or the reverse) is silent memory corruption on the GPU, so the launchers' argument expressions are typed from
     * their Java declarations and compared with the extern "C" signatures parsed from native/*.cu. Kernels that reduce
     * over a JP_THREADS-sized shared array must also be launched with block THREADS.
     */
    @Test
    void launcherArgumentTypesMatchTheKernelSignatures() throws IOException {
        Map<String, String> sigs = new TreeMap<>();    // kernel -> type letters, e.g. "PPII"
        Map<String, String> bodies = new TreeMap<>();  // kernel -> body text (direct definitions only)
        List<Path> sources;
        try (Stream<Path> s = Files.list(nativeDir())) {
            sources = s.filter(f -> f.toString().endsWith(".cu")).sorted().toList();
        }
        Pattern direct = Pattern.compile("JP_KERNEL\\s+void\\s+(?:__launch_bounds__\\([^)]*\\)\\s*)?"
                + "(\\w+)\\s*\\(([^)]*)\\)\\s*\\{");
        Pattern macroDef = Pattern.compile("#define\\s+(JP_\\w+)\\(NAME[^)]*\\)[^\\n]*\\\\\\n"
                + "(?:[^\\n]*\\\\\\n)*?\\s*NAME\\s*\\(([^)]*)\\)");
        for (Path f : sources) {
            String src = stripComments(Files.readString(f));
            Map<String, String> macros = new TreeMap<>();
            Matcher d = macroDef.matcher(src);
            while (d.find()) macros.put(d.group(1), cTypes(d.group(2).replace("\\", " "), d.group(1)));
            for (Map.Entry<String, String> e : macros.entrySet()) {
                Matcher use = Pattern.compile("^" + e.getKey() + "\\((\\w+),", Pattern.MULTILINE).matcher(src);
                while (use.find()) sigs.put(use.group(1), e.getValue());
            }
            String plain = src.replaceAll("#define(?:[^\\\\\n]|\\\\\n|\\\\)*", "");
            Matcher m = direct.matcher(plain);
            while (m.find()) {
                sigs.put(m.group(1), cTypes(m.group(2), m.group(1)));
                bodies.put(m.group(1), block(plain, m.end() - 1));
            }
        }
        assertTrue(sigs.containsKey("jp_sgemm_nt") && sigs.containsKey("jp_dropout_fwd")
                && sigs.get("jp_dropout_fwd").endsWith("LL"),
                "kernel signatures parsed: " + sigs);

        Set<String> checked = new TreeSet<>();
        // launcher file -> number of launch() arguments between the kernel name and the kernel arguments
        for (Object[] launcher : launchers()) {
            String java = stripComments(Files.readString(javaSource((String) launcher[0])));
            int skip = (Integer) launcher[1];
            Matcher meth = Pattern.compile("\\n\\s+(?:static\\s+)?void\\s+(\\w+)\\s*\\(([^)]*)\\)\\s*\\{")
                    .matcher(java);
            while (meth.find()) {
                if (meth.group(1).equals("launch")) continue;
                Map<String, String> vars = new TreeMap<>();
                for (String decl : splitTopLevel(meth.group(2))) {
                    if (decl.isBlank()) continue;
                    String[] tn = decl.trim().split("\\s+");
                    vars.put(tn[tn.length - 1], javaType(tn[tn.length - 2]));
                }
                String body = block(java, meth.end() - 1);
                Matcher local = Pattern.compile(
                        "(?m)^\\s*(int|long|float|double|DeviceBuffer|DevPtr|CUdeviceptr)\\s+([^;]*);").matcher(body);
                while (local.find()) {  // local declarations, e.g. "int flags = ..." or "int gx = ..., gy = ..."
                    for (String d : splitTopLevel(local.group(2))) {
                        Matcher id = Pattern.compile("^\\s*(\\w+)").matcher(d);
                        if (id.find()) vars.put(id.group(1), javaType(local.group(1)));
                    }
                }
                Matcher call = Pattern.compile("\\blaunch(Z?)\\(").matcher(body);
                while (call.find()) {
                    int skipHere = skip + call.group(1).length();  // launchZ(name, gx, gy, gz, block, shapes, ...)
                    List<String> args = splitTopLevel(block(body, call.end() - 1, '(', ')'));
                    String where = launcher[0] + "." + meth.group(1);
                    List<String> names = new ArrayList<>();
                    String first = args.get(0).trim();
                    if (first.matches("\"jp_\\w+\"")) {
                        names.add(first.substring(1, first.length() - 1));
                    } else {  // the name is computed (GEMM): every kernel name spelled out in the method
                        Matcher lit = Pattern.compile("\"(jp_\\w+)\"").matcher(body);
                        while (lit.find()) if (sigs.containsKey(lit.group(1))) names.add(lit.group(1));
                    }
                    assertFalse(names.isEmpty(), where + ": launches no known kernel");
                    StringBuilder got = new StringBuilder();
                    for (String a : args.subList(1 + skipHere, args.size()))
                            got.append(exprType(a.trim(), vars, where));
                    for (String k : names) {
                        assertEquals(sigs.get(k), got.toString(), where + " launches " + k + " with argument types "
                                + got + " but the kernel takes " + sigs.get(k)
                                + " (I int, L long long, F float, D double, P pointer)");
                        checked.add(k);
                        String b = bodies.get(k);
                        // KernelLauncher.launch(name, gx, gy, block, ...); prune/Launcher.launch always uses THREADS.
                        if (skip == 4 && b != null && (b.contains("[JP_THREADS]") || b.contains("jp_block_"))) {
                            assertEquals("THREADS", args.get(skipHere - 1).trim(),
                                    where + ": " + k + " reduces over JP_THREADS threads and must be launched"
                                            + " with block THREADS");
                        }
                    }
                }
            }
        }
        assertEquals(sigs.keySet(), checked, "kernels whose launch arguments were type-checked");
    }

    private static String stripComments(String s) {
        return s.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", "");
    }

    /** The text between the bracket at {@code open} and its match (exclusive). String literals are skipped. */
    private static String block(String s, int open) { return block(s, open, '{', '}'); }

    private static String block(String s, int open, char o, char c) {
        assertEquals(o, s.charAt(open));
        int depth = 0;
        boolean str = false;
        for (int i = open; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (str) { if (ch == '\\') i++; else if (ch == '"') str = false; continue; }
            if (ch == '"') str = true;
            else if (ch == o) depth++;
            else if (ch == c && --depth == 0) return s.substring(open + 1, i);
        }
        throw new AssertionError("unbalanced " + o + " at " + open);
    }

    /** Splits at commas outside brackets and string literals. */
    private static List<String> splitTopLevel(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0, from = 0;
        boolean str = false;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (str) { if (ch == '\\') i++; else if (ch == '"') str = false; continue; }
            if (ch == '"') str = true;
            else if (ch == '(' || ch == '[' || ch == '<') depth++;
            else if (ch == ')' || ch == ']' || ch == '>') depth--;
            else if (ch == ',' && depth == 0) { out.add(s.substring(from, i)); from = i + 1; }
        }
        out.add(s.substring(from));
        return out;
    }

    /** Type letters of a C parameter list. */
    private static String cTypes(String params, String kernel) {
        StringBuilder t = new StringBuilder();
        for (String p : params.split(",")) {
            String q = p.trim();
            if (q.isEmpty()) continue;
            if (q.contains("*")) { t.append('P'); continue; }
            String type = q.replaceAll("\\b(const|__restrict__|unsigned)\\b", " ").replaceAll("\\s*\\w+$", "").trim()
                    .replaceAll("\\s+", " ");
            switch (type) {
                case "int" -> t.append('I');
                case "long long" -> t.append('L');
                case "float" -> t.append('F');
                case "double" -> t.append('D');
                default -> fail(kernel + ": parameter '" + q + "' of a type the launchers cannot pass");
            }
        }
        return t.toString();
    }

    private static String javaType(String t) {
        return switch (t) {
            case "int" -> "I";
            case "long" -> "L";
            case "float" -> "F";
            case "double" -> "D";
            case "DeviceBuffer", "DevPtr", "CUdeviceptr" -> "P";
            default -> "?" + t;  // boolean etc.: only valid inside a typed expression such as b ? 1 : 0
        };
    }

    private static String exprType(String e, Map<String, String> vars, String where) {
        String t;
        if (e.equals("null")) t = "P";
        else if (e.matches("-?\\d+\\.\\d+")) t = "D";  // a double literal
        else if (e.matches("-?\\d+L")) t = "L";          // a long literal
        else if (e.matches("\\w+")) t = vars.get(e);
        else if (e.matches("\\w+\\s*\\?\\s*\\d+\\s*:\\s*\\d+")) t = "I";
        else if (e.matches("\\w+\\.at\\(.*\\)")) t = "P";
        else t = null;
        if (t == null || t.startsWith("?")) fail(where + ": cannot type launch argument '" + e + "' (" + t
                + "); add a rule here");
        return t;
    }

    /** The op families GpuOps hands out (elementwise(), gemm(), ...): every public method returning a family. */
    private static List<Class<?>> opFamilies() {
        List<Class<?>> families = new ArrayList<>();
        for (Method m : GpuOps.class.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && GpuOpFamily.class.isAssignableFrom(m.getReturnType())) {
                families.add(m.getReturnType());
            }
        }
        return families;
    }

    /** Every public op of the GpuOps families names its CPU twin(s), and each twin exists as a public method. */
    @Test
    void everyGpuOpHasACpuTwin() throws Exception {
        int ops = 0;
        List<Class<?>> families = opFamilies();
        assertEquals(8, families.size(), "op families of GpuOps: " + families);
        List<Method> methods = new ArrayList<>();
        for (Class<?> family : families) methods.addAll(List.of(family.getDeclaredMethods()));
        for (Method m : methods) {
            // stepTable() and normTable() (device tables of optimizer steps, clip-by-norm) are not ops
            if (!Modifier.isPublic(m.getModifiers()) || m.getName().equals("stepTable")
                    || m.getName().equals("normTable")) continue;
            ops++;
            CpuTwin twin = m.getAnnotation(CpuTwin.class);
            String op = m.getDeclaringClass().getSimpleName() + "." + m.getName();
            assertNotNull(twin, op + " has no @CpuTwin");
            for (String ref : twin.value()) {
                String[] parts = ref.split("#");
                assertEquals(2, parts.length, ref);
                Class<?> c = Class.forName(parts[0]);
                boolean found = false;
                for (Method cm : c.getMethods()) {
                    found |= cm.getName().equals(parts[1]);
                }
                assertTrue(found, "twin " + ref + " of " + op + " does not exist");
            }
        }
        assertTrue(ops >= 29, "the GpuOps families have " + ops + " public ops");
        // And the other direction: every kernel family's CPU methods have a GPU op.
        Set<String> covered = new TreeSet<>();
        for (Method m : methods) {
            CpuTwin t = m.getAnnotation(CpuTwin.class);
            if (t != null) for (String ref : t.value()) covered.add(ref);
        }
        for (Class<?> twins : new Class<?>[] {dev.jprune.cpu.CpuKernels.class, dev.jprune.cpu.CpuConvKernels.class}) {
            for (Method cm : twins.getDeclaredMethods()) {
                if (Modifier.isPublic(cm.getModifiers())) {
                    assertTrue(covered.contains(twins.getName() + "#" + cm.getName()),
                            twins.getSimpleName() + "." + cm.getName() + " has no GPU twin in the GpuOps families");
                }
            }
        }
    }

    /** The Java constants the launchers rely on equal the macros in the CUDA sources. */
    @Test
    void launcherConstantsMatchTheKernelSources() throws IOException {
        assertEquals(KernelLauncher.THREADS, macro("common.cuh", "JP_THREADS"));
        assertEquals(GemmKernels.GEMM_RELU, macro("gemm.cu", "GEMM_RELU"));
        assertEquals(GemmKernels.GEMM_VEC_A, macro("gemm.cu", "GEMM_VEC_A"));
        assertEquals(GemmKernels.GEMM_VEC_B, macro("gemm.cu", "GEMM_VEC_B"));
        assertEquals(GemmKernels.GEMM_VEC_C, macro("gemm.cu", "GEMM_VEC_C"));
        assertEquals(128, macro("gemm.cu", "GEMM_BM"));
        assertEquals(64, macro("gemm.cu", "TF_BM"));
        // The multi-tensor optimizer table: GpuOptimizers.encodeSteps writes OPT_ROW_LONGS words in JpOptRef's order.
        assertEquals(GpuOptimizers.OPT_ROW_LONGS, macro("optim.cu", "JP_OPT_ROW_LONGS"));
        String src = Files.readString(nativeDir().resolve("optim.cu"));
        String body = src.substring(src.indexOf("struct JpOptRef {"),
                src.indexOf("};", src.indexOf("struct JpOptRef {")));
        List<String> fields = new ArrayList<>();
        Matcher f = Pattern.compile("(\\w+);\\s*//").matcher(body);
        while (f.find()) fields.add(f.group(1));
        assertEquals(List.of("w", "g", "s1", "s2", "mask", "accS", "n", "accOffset", "blockStart", "blocks"), fields,
                "JpOptRef fields");
    }

    private static int macro(String file, String name) throws IOException {
        Matcher m = Pattern.compile("#define\\s+" + name + "\\s+(\\d+)")
                .matcher(Files.readString(nativeDir().resolve(file)));
        assertTrue(m.find(), name + " in " + file);
        return Integer.parseInt(m.group(1));
    }

    private static Path findOnPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Paths.get(dir, tool);
            if (Files.isExecutable(p)) return p;
        }
        Path p = Paths.get("/usr/local/cuda/bin", tool);
        return Files.isExecutable(p) ? p : null;
    }

    /** With nvcc on this machine the build must have packed the fatbin with every target, and no kernel spills. */
    @Test
    void fatbinIsBuiltWithEveryTargetWhenNvccExists() throws Exception {
        if (findOnPath("nvcc") == null || "1".equals(System.getenv("JPRUNE_SKIP_NATIVE"))) {
            assertFalse(GpuProbe.get().available() && !GpuProbe.get().fatbinPresent());
            return;
        }
        assertTrue(GpuProbe.get().fatbinPresent(), GpuProbe.get().fatbinReason());
        byte[] f = GpuProbe.readFatbin();
        List<String> targets = FatbinInfo.targets(f);
        assertEquals(List.of("sm_75", "sm_80", "sm_86", "sm_89", "sm_90", "compute_90"), targets);

        Path cuobjdump = findOnPath("cuobjdump");
        if (cuobjdump != null) {
            Path tmp = Files.createTempFile("jprune", ".fatbin");
            try {
                Files.write(tmp, f);
                Process p = new ProcessBuilder(cuobjdump.toString(), "--list-elf", tmp.toString())
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                for (String sm : new String[] {"sm_75", "sm_80", "sm_86", "sm_89", "sm_90"})
                        assertTrue(out.contains(sm), out);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }

        // The resource report lists every kernel for every SASS target, with zero stack and spills.
        try (InputStream in = GpuProbe.class.getResourceAsStream("/dev/jprune/native/resource-usage.txt")) {
            assertNotNull(in, "resource-usage.txt next to the fatbin");
            List<String> rows = new ArrayList<>();
            for (String line : new String(in.readAllBytes()).split("\n")) {
                if (line.startsWith("sm_")) rows.add(line);
            }
            assertTrue(rows.size() >= 5 * 20, rows.size() + " rows");
            for (String r : rows) {
                String[] c = r.trim().split("\\s+");
                assertEquals("0", c[4], "stack frame: " + r);
                assertEquals("0", c[5], "spill stores: " + r);
                assertEquals("0", c[6], "spill loads: " + r);
            }
        }
    }

    @Test
    void fatbinReaderRejectsGarbage() {
        assertThrows(IllegalArgumentException.class, () -> FatbinInfo.targets(new byte[64]));
        byte[] truncated = new byte[32];
        truncated[0] = 0x50; truncated[1] = (byte) 0xED; truncated[2] = 0x55; truncated[3] = (byte) 0xBA;
        truncated[6] = 16; truncated[8] = 100;  // claims 100 payload bytes that are not there
        assertThrows(IllegalArgumentException.class, () -> FatbinInfo.targets(truncated));
    }

    @Test
    void poolBucketsCoverTheRequestWithBoundedWaste() {
        long prev = 0;
        for (long b = 0; b < (64L << 20); b = b < 4096 ? b + 1 : b * 3 / 2 + 7) {
            long k = BufferPool.bucket(b);
            assertTrue(k >= b && k >= 256, b + " -> " + k);
            assertTrue(k >= prev, "monotone at " + b);
            if (b > 256 && b <= (1 << 20)) assertTrue(k < 2 * b, b + " -> " + k);
            if (b > (1 << 20)) assertTrue(k - b < (2 << 20), b + " -> " + k);
            prev = k;
        }
    }
}
