#!/usr/bin/env bash
# The library as a user gets it: install dev.jprune:jprune into a PRIVATE Maven repository (never ~/.m2), then build a
# separate Maven project that depends only on it, check that its dependency tree holds no CLI, plotting or test library,
# that the jar carries its module name and comes with sources and javadoc jars, and compile + run README.md's
# "Use it from Java" program, extracted from README.md.
#
# Usage: bench/consumer-check.sh [EPOCHS]    EPOCHS: the README program's argument (default 1; the README says 6)
# Environment: JPRUNE_M2 (private repository, default /tmp/jprune-consumer-m2; seeded from ~/.m2 when it exists, so
# that the check needs the network only for what ~/.m2 lacks).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
repo=${JPRUNE_M2:-/tmp/jprune-consumer-m2}
epochs=${1:-1}
work=$(mktemp -d /tmp/jprune-consumer.XXXXXX)
version=$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' "$root/pom.xml" | head -1)

say() { echo "consumer-check: $*"; }

if [ ! -d "$repo" ] && [ -d "$HOME/.m2/repository" ]; then
  say "seeding $repo from ~/.m2/repository (a copy: nothing is written to ~/.m2)"
  mkdir -p "$repo" && cp -a "$HOME/.m2/repository/." "$repo/"
fi
rm -rf "$repo/dev/jprune"   # only what this check installs

say "installing dev.jprune:jprune $version into $repo"
mvn -B -q -f "$root/pom.xml" -Dmaven.repo.local="$repo" -pl java/core -am install -DskipTests

jar="$repo/dev/jprune/jprune/$version/jprune-$version.jar"
for f in "$jar" "${jar%.jar}-sources.jar" "${jar%.jar}-javadoc.jar" "${jar%.jar}.pom"; do
  [ -s "$f" ] || { say "FAIL: $f was not installed"; exit 1; }
done
module=$(unzip -p "$jar" META-INF/MANIFEST.MF | tr -d '\r' | sed -n 's/^Automatic-Module-Name: //p')
[ "$module" = "dev.jprune" ] || { say "FAIL: Automatic-Module-Name is '$module', expected dev.jprune"; exit 1; }
say "jar $(du -k "$jar" | cut -f1) KiB, Automatic-Module-Name: $module, sources and javadoc jars installed"

mkdir -p "$work/src/main/java"
cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>jprune-consumer</artifactId>
  <version>1</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency><groupId>dev.jprune</groupId><artifactId>jprune</artifactId><version>$version</version></dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
      <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
      <plugin><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version></plugin>
    </plugins>
  </build>
</project>
POM
# The README's program: the first java block of its "Use it from Java" section.
awk '/^## Use it from Java/ {s=1} s && /^```java/ {p=1; next} p && /^```/ {exit} p {print}' "$root/README.md" \
  > "$work/src/main/java/PruneDigits.java"
[ -s "$work/src/main/java/PruneDigits.java" ] || { say "FAIL: no program found in README.md"; exit 1; }

cd "$work"
mvn -B -q -Dmaven.repo.local="$repo" dependency:tree -DoutputFile=tree.txt
say "dependency tree of a project that depends only on dev.jprune:jprune:"
sed 's/^/    /' tree.txt
if grep -Eiq 'picocli|xchart|pdfbox|junit|opentest4j|jmh|hamcrest|mockito' tree.txt; then
  say "FAIL: a CLI, plotting or test library is in the tree"; exit 1
fi
mvn -B -q -Dmaven.repo.local="$repo" compile dependency:build-classpath -Dmdep.outputFile=cp.txt
say "README program compiled ($(wc -l < src/main/java/PruneDigits.java) lines); running it with $epochs epoch(s)"
java -cp "target/classes:$(cat cp.txt)" PruneDigits "$epochs" | tee run.txt
grep -q 'reloaded as CSR' run.txt || { say "FAIL: the program printed no accuracies"; exit 1; }
[ -s lenet-300-100-pruned.safetensors ] || { say "FAIL: the program saved no model"; exit 1; }
say "OK (work folder $work)"
