package dev.jprune;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The library's version, as the build recorded it (the Maven project version, e.g. "0.1.0-SNAPSHOT"). */
public final class Version {
    private Version() {}

    /** Class-path location of the properties file the build filters. */
    public static final String RESOURCE = "/dev/jprune/version.properties";

    private static final String VERSION = load();

    /** The version string; "unknown" when the resource is missing (classes run outside the built jar). */
    public static String get() { return VERSION; }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "").trim();
            return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
