# Sourced by the scripts in bin/: points JAVA_HOME at a JDK 25 or newer, or exits with what to do.
nhl_java_version() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
nhl_find_jdk() {
  local c v
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/javac" ] || continue
    v=$(nhl_java_version "$c")
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then echo "$c"; return 0; fi
  done
  return 1
}
if ! NHL_JDK=$(nhl_find_jdk); then
  echo "nhl needs a JDK 25 or newer: install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  exit 2
fi
export JAVA_HOME="$NHL_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
if ! command -v mvn >/dev/null 2>&1; then
  echo "nhl builds with Apache Maven 3.8 or newer: install it (Debian: apt-get install maven)." >&2
  exit 2
fi
