package dev.jprune.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The tests' Spark: one local-mode context per test JVM (starting one costs seconds), two worker threads, a task may
 * fail up to 3 times (so retries can be tested), no UI, bound to 127.0.0.1. Stopped when the JVM exits.
 */
final class LocalSpark {
    private LocalSpark() {}

    private static JavaSparkContext sc;

    static synchronized JavaSparkContext get() {
        if (sc == null) {
            SparkConf conf = new SparkConf().setMaster("local[2,3]").setAppName("jprune-spark-tests")
                    .set("spark.ui.enabled", "false")
                    .set("spark.driver.host", "127.0.0.1")
                    .set("spark.driver.bindAddress", "127.0.0.1")
                    .set("spark.ui.showConsoleProgress", "false");
            sc = new JavaSparkContext(conf);
            sc.setLogLevel("WARN");
            JavaSparkContext s = sc;
            Runtime.getRuntime().addShutdownHook(new Thread(s::stop));
        }
        return sc;
    }
}
