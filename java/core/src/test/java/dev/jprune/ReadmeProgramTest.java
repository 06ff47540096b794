package dev.jprune;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README.md's "Use it from Java" program, exactly as written there, compiles against the library's main classes only
 * and runs (in its own JVM, in a fresh folder, with 1 epoch each instead of 6: the program takes them as its first
 * argument) to the accuracies it promises: so the README cannot drift from the API.
 */
class ReadmeProgramTest {
    @TempDir Path dir;

    static String readmeProgram() throws Exception {
        String readme = Files.readString(Path.of("..", "..", "README.md"), StandardCharsets.UTF_8);
        int section = readme.indexOf("\n## Use it from Java");
        assertTrue(section >= 0, "README.md has no 'Use it from Java' section");
        int start = readme.indexOf("```java\n", section);
        int next = readme.indexOf("\n## ", section + 1);
        assertTrue(start >= 0 && (next < 0 || start < next), "the section has no ```java block");
        int end = readme.indexOf("\n```", start + 8);
        return readme.substring(start + "```java\n".length(), end + 1);
    }

    @Test
    void theReadmeProgramCompilesAgainstTheLibraryAndPrintsTheAccuraciesItPromises() throws Exception {
        String program = readmeProgram();
        long lines = program.lines().count();
        assertTrue(lines <= 24, "the README promises a program of about 20 lines; it has " + lines);
        Matcher cls = Pattern.compile("public class (\\w+)").matcher(program);
        assertTrue(cls.find(), "no public class in the README program");
        Path src = dir.resolve("src").resolve(cls.group(1) + ".java"), out = dir.resolve("classes");
        Files.createDirectories(src.getParent());
        Files.createDirectories(out);
        Files.writeString(src, program, StandardCharsets.UTF_8);

        // Compile against the library's main classes only: no test classes, no dependency jars.
        Path mainClasses = Path.of("target", "classes").toAbsolutePath();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diag = new StringWriter();
        boolean ok = javac.getTask(diag, null, null,
                List.of("-classpath", mainClasses.toString(), "-d", out.toString(), "--release", "17", "-Xlint:all",
                        "-Werror"),
                null, javac.getStandardFileManager(null, null, null).getJavaFileObjects(src.toFile())).call();
        assertTrue(ok, "the README program does not compile:\n" + diag);

        // Run it as a user would: its own JVM, the library and its runtime dependencies, a fresh working folder.
        String runtime = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.endsWith("test-classes")).collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g", "-Djava.io.tmpdir=" + dir, "-cp", out + File.pathSeparator + runtime, cls.group(1), "1"));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the README program did not finish");
        assertEquals(0, p.exitValue(), "the README program failed:\n" + printed);

        Matcher m = Pattern.compile("dense (\\d+\\.\\d\\d)%, pruned to (\\d+)% sparsity (\\d+\\.\\d\\d)%, "
                + "reloaded as CSR (\\d+\\.\\d\\d)%")
                .matcher(printed);
        assertTrue(m.find(), "unexpected output:\n" + printed);
        double dense = Double.parseDouble(m.group(1)), pruned = Double.parseDouble(m.group(3)),
                csr = Double.parseDouble(m.group(4));
        assertEquals("90", m.group(2), printed);
        assertTrue(dense > 85, "one dense epoch of lenet-300-100 reaches > 85% on the digits: " + printed);
        assertTrue(pruned > 85, "90% sparse after one fine-tuning epoch stays > 85%: " + printed);
        assertEquals(pruned, csr, 0.1 + 1e-9,
                "the reloaded CSR model predicts as the pruned model (at most 2 of 2000 near-ties): " + printed);
        assertTrue(Files.size(dir.resolve("lenet-300-100-pruned.safetensors")) > 0, "the program saved its model");
    }

    /**
     * The section's second Java block (serving with a team workspace) compiles against the library's main classes
     * with the names it uses in scope (sparse, x), so it too cannot drift from the API.
     */
    @Test
    void theReadmeServingSnippetCompiles() throws Exception {
        String readme = Files.readString(Path.of("..", "..", "README.md"), StandardCharsets.UTF_8);
        int section = readme.indexOf("\n## Use it from Java"), next = readme.indexOf("\n## ", section + 1);
        int first = readme.indexOf("```java\n", section), second = readme.indexOf("```java\n", first + 1);
        assertTrue(second > 0 && second < next, "the section has a second ```java block");
        String snippet = readme.substring(second + "```java\n".length(), readme.indexOf("\n```", second + 8) + 1);
        String program = "import dev.jprune.sparse.SparseModel;\nimport dev.jprune.tensor.Tensor;\n"
                + "class Serving {\n    static void serve(SparseModel sparse, Tensor x) {\n" + snippet
                + "    }\n}\n";
        Path src = dir.resolve("Serving.java"), out = dir.resolve("classes");
        Files.createDirectories(out);
        Files.writeString(src, program, StandardCharsets.UTF_8);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diag = new StringWriter();
        boolean ok = javac.getTask(diag, null, null,
                List.of("-classpath", Path.of("target", "classes").toAbsolutePath().toString(), "-d", out.toString(),
                        "--release", "17", "-Xlint:all", "-Werror"),
                null, javac.getStandardFileManager(null, null, null).getJavaFileObjects(src.toFile())).call();
        assertTrue(ok, "the README serving snippet does not compile:\n" + diag + "\n" + program);
    }
}
