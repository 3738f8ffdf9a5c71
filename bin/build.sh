# Sourced by bin/nhl and bin/demo after bin/jdk.sh: builds a module's jar (and the modules it
# needs) when it is missing or older than a source file or build file it is made of; otherwise
# nothing. Maven's output is shown only when the build fails.
#   nhl_build ROOT MODULE JAR
nhl_build() {
  local root="$1" module="$2" jar="$3" why changed
  if [ ! -f "$jar" ]; then
    why="building $module (the first build downloads dependencies from Maven Central)..."
  else
    changed=$(find "$root/pom.xml" "$root/nhl-index" "$root/nhl-encoder" "$root/nhl-lucene" "$root/$module" \
        \( -name pom.xml -o -path '*/src/main/*' \) -type f -newer "$jar" -print -quit 2>/dev/null)
    [ -z "$changed" ] && return 0
    why="rebuilding $module: ${changed#"$root"/} changed since the last build..."
  fi
  echo "$why" >&2
  local build
  if ! build=$(cd "$root" && MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" \
      mvn -B -ntp -q -Dstyle.color=never -DskipTests -pl "$module" -am package 2>&1); then
    echo "$build" >&2
    return 1
  fi
  # the jar is rewritten only when its content changed: its time says when it was last checked
  touch "$jar"
}
