#!/usr/bin/env bash
# Prints the path of a wrapper that starts Temporal's time-skipping test server
# (io.temporal:temporal-test-server from Maven Central). @temporalio/testing runs it as
# `<wrapper> <port>`; the wrapper execs java so that stopping it stops the JVM.
set -euo pipefail

version="${TEMPORAL_TEST_SERVER_VERSION:-1.38.0}"
cache="${ROSE_CACHE_DIR:-$HOME/.cache/rose-checkout}"
dir="$cache/temporal-test-server-$version"
wrapper="$dir/temporal-test-server"

if [ -x "$wrapper" ]; then echo "$wrapper"; exit 0; fi
for tool in java mvn; do
  command -v "$tool" >/dev/null 2>&1 || { echo "temporal-test-server needs $tool on PATH" >&2; exit 1; }
done

mkdir -p "$dir"
echo "fetching io.temporal:temporal-test-server:$version from Maven Central into $dir" >&2
cat > "$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>rose-checkout</groupId>
  <artifactId>temporal-test-server-deps</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>$version</version>
    </dependency>
  </dependencies>
</project>
POM
rm -rf "$dir/lib"
mvn -q -B -f "$dir/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
  -DoutputDirectory="$dir/lib" -DincludeScope=runtime >&2
cat > "$wrapper.tmp" <<WRAP
#!/bin/sh
exec java -cp '$dir/lib/*' io.temporal.testserver.TestServer "\$@"
WRAP
chmod +x "$wrapper.tmp"
mv "$wrapper.tmp" "$wrapper"
echo "$wrapper"
