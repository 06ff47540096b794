package dev.jprune.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** jprune's version, from the resource Maven filters at build time (dev/jprune/jprune-version.properties). */
final class Version {
    private Version() {}

    private static final String VERSION = load();

    /** The version, e.g. "0.1.0-SNAPSHOT"; "unknown" when the resource is missing or was not filtered. */
    static String get() { return VERSION; }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("/dev/jprune/jprune-version.properties")) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
