package dev.jprune;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.ModifiersTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.DocTrees;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.lang.model.element.Modifier;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * Every public type and member of the API packages has a doc comment, and every API package a package-info.java.
 * (The javadoc jar's doclint fails the build on broken Javadoc in these packages; this test catches what doclint
 * only warns about: a member without any comment.) Overrides inherit their interface's comment.
 */
class ApiJavadocTest {
    /** The API packages (docs/ENGINEERING.md); the internal ones (cpu, gpu.*) are not checked. */
    static final List<String> API = List.of("dev.jprune", "dev.jprune.tensor", "dev.jprune.util", "dev.jprune.nn",
            "dev.jprune.nn.loss", "dev.jprune.optim", "dev.jprune.data", "dev.jprune.models", "dev.jprune.train",
            "dev.jprune.prune", "dev.jprune.sparse", "dev.jprune.io", "dev.jprune.onnx");

    @Test
    void everyPublicTypeAndMemberOfTheApiPackagesIsDocumented() throws Exception {
        Path root = Path.of("src", "main", "java");
        List<Path> files = new ArrayList<>();
        for (String pkg : API) {
            Path dir = root.resolve(pkg.replace('.', '/'));
            assertTrue(Files.isRegularFile(dir.resolve("package-info.java")), pkg + " has no package-info.java");
            try (Stream<Path> s = Files.list(dir)) {
                files.addAll(s.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toList()));
            }
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> missing = new ArrayList<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, null)) {
            Iterable<? extends JavaFileObject> units = fm.getJavaFileObjectsFromPaths(files);
            JavacTask task = (JavacTask) javac.getTask(null, fm, null, List.of("-proc:none"), null, units);
            DocTrees docs = DocTrees.instance(task);
            for (CompilationUnitTree cu : task.parse()) {
                String file = Path.of(cu.getSourceFile().toUri()).getFileName().toString();
                for (Tree t : cu.getTypeDecls()) {
                    if (t instanceof ClassTree)
                        checkClass(docs, new TreePath(new TreePath(cu), t), true, false, file, missing);
                }
            }
        }
        assertTrue(missing.isEmpty(),
                missing.size() + " public API members without a doc comment:\n  " + String.join("\n  ", missing));
    }

    /** Records the public members of the class at {@code path} (and its nested classes) that have no doc comment. */
    static void checkClass(DocTrees docs, TreePath path, boolean outerVisible, boolean inInterface, String file,
            List<String> missing) {
        ClassTree c = (ClassTree) path.getLeaf();
        boolean visible = outerVisible && (isPublic(c.getModifiers()) || inInterface);
        if (visible && docs.getDocCommentTree(path) == null) missing.add(file + ": type " + c.getSimpleName());
        boolean iface = isInterfaceLike(c);
        for (Tree m : c.getMembers()) {
            TreePath mp = new TreePath(path, m);
            if (m instanceof ClassTree) {
                checkClass(docs, mp, visible, iface, file, missing);
            } else if (visible && m instanceof MethodTree mt) {
                boolean pub = isPublic(mt.getModifiers())
                        || (iface && !mt.getModifiers().getFlags().contains(Modifier.PRIVATE));
                boolean override = mt.getModifiers().getAnnotations().stream()
                        .anyMatch(a -> a.getAnnotationType().toString().endsWith("Override"));
                if (pub && !override && docs.getDocCommentTree(mp) == null) {
                    missing.add(file + ": " + c.getSimpleName() + "."
                            + (mt.getName().contentEquals("<init>") ? "<init>" : mt.getName()));
                }
            } else if (visible && m instanceof VariableTree v) {
                boolean pub = isPublic(v.getModifiers()) || iface;  // enum constants parse as public
                boolean recordComponent = c.getKind() == Tree.Kind.RECORD
                        && !v.getModifiers().getFlags().contains(Modifier.STATIC);
                if (pub && !recordComponent && docs.getDocCommentTree(mp) == null)
                    missing.add(file + ": " + c.getSimpleName() + "." + v.getName());
            }
        }
    }

    static boolean isPublic(ModifiersTree m) { return m.getFlags().contains(Modifier.PUBLIC); }

    static boolean isInterfaceLike(ClassTree c) {
        return c.getKind() == Tree.Kind.INTERFACE || c.getKind() == Tree.Kind.ANNOTATION_TYPE;
    }
}
