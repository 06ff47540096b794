#!/usr/bin/env bash
# local[1] vs local[2] for the Spark module (java/spark/src/test/java/dev/jprune/spark/bench/SparkBench.java):
# throughput, time per averaging round, bytes per round, one scoring pass. Prints a Markdown table.
# Usage: bench/spark-bench.sh [epochs]   (run from the repository root; builds the module first)
set -euo pipefail
cd "$(dirname "$0")/.."
# test-compile and the classpath in one reactor run, so that the library resolves to java/core/target/classes.
mvn -B -q -pl java/spark -am -DskipTests test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/classpath.txt
cp=$(cat java/spark/target/classpath.txt)
opens=""
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  opens="$opens --add-opens=java.base/$p=ALL-UNNAMED"
done
# jprune.threads=1: each Spark task computes on one core, so local[N] uses N cores.
exec java -Xmx6g $opens -Djprune.threads=1 \
  -Dlog4j2.configurationFile=java/spark/src/test/resources/log4j2-test.properties \
  -cp "java/spark/target/test-classes:java/spark/target/classes:$cp" \
  dev.jprune.spark.bench.SparkBench "$@"
