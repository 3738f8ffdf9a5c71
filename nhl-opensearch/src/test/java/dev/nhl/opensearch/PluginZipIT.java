package dev.nhl.opensearch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.lucene.util.Version;
import org.junit.Test;
import org.opensearch.common.bootstrap.JarHell;
import org.opensearch.plugins.PluginInfo;
import org.opensearch.plugins.PluginsService;

/**
 * The built plugin zip against the checks {@code bin/opensearch-plugin install} runs: its
 * descriptor parses and names this OpenSearch version, and its jars add no class the server
 * already has (a zip that bundles Lucene fails the same check).
 */
public class PluginZipIT {

  @Test
  public void theZipPassesTheInstallTimeChecks() throws Exception {
    Path zip = Path.of(System.getProperty("nhl.plugin.zip", "target/nhl-opensearch.zip"));
    assertTrue("the plugin zip is built by mvn package: " + zip, Files.isRegularFile(zip));
    Path candidate = Files.createTempDirectory("nhl-plugin");
    List<String> names = unzip(zip, candidate);
    assertTrue(names.toString(), names.contains(PluginInfo.OPENSEARCH_PLUGIN_PROPERTIES));
    for (String jar : List.of("nhl-opensearch-", "nhl-lucene-", "nhl-index-")) {
      assertTrue(jar + " in " + names, names.stream().anyMatch(n -> n.startsWith(jar) && n.endsWith(".jar")));
    }
    assertFalse("Lucene is the server's: " + names, names.stream().anyMatch(n -> n.startsWith("lucene-")));
    assertFalse("OpenSearch is the server's: " + names, names.stream().anyMatch(n -> n.startsWith("opensearch-")));

    PluginInfo info = PluginInfo.readFromProperties(candidate);
    assertEquals("nhl", info.getName());
    assertEquals(NhlPlugin.class.getName(), info.getClassname());
    PluginsService.verifyCompatibility(info);

    Set<URL> server = serverClassPath();
    Path plugins = Files.createTempDirectory("plugins");
    Path modules = Files.createTempDirectory("modules");
    PluginsService.checkJarHellForPlugin(server, info, candidate, plugins, modules);

    // the check can fail: the same plugin with a copy of Lucene beside it
    Path lucene = Path.of(Version.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Files.copy(lucene, candidate.resolve(lucene.getFileName()));
    Exception e = assertThrows(Exception.class, () -> PluginsService.checkJarHellForPlugin(server, info, candidate, plugins, modules));
    assertTrue(e.toString(), String.valueOf(e.getMessage()).contains("jar hell"));
  }

  /** The test's class path without nhl's own classes and jars: what a server has before the install. */
  private static Set<URL> serverClassPath() throws Exception {
    Set<URL> out = new LinkedHashSet<>();
    for (URL url : JarHell.parseClassPath()) {
      Path p = Path.of(url.toURI());
      String file = p.getFileName().toString();
      boolean moduleClasses = file.equals("classes") && p.getParent() != null && p.getParent().getParent() != null
          && p.getParent().getParent().getFileName().toString().startsWith("nhl-");
      if (!file.startsWith("nhl-") && !moduleClasses) {
        out.add(url);
      }
    }
    return out;
  }

  private static List<String> unzip(Path zip, Path into) throws IOException {
    List<String> names = new ArrayList<>();
    try (InputStream in = Files.newInputStream(zip); ZipInputStream z = new ZipInputStream(in)) {
      for (ZipEntry e = z.getNextEntry(); e != null; e = z.getNextEntry()) {
        Path target = into.resolve(e.getName()).normalize();
        if (!target.startsWith(into)) {
          throw new IOException("zip entry outside the plugin folder: " + e.getName());
        }
        if (e.isDirectory()) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(z, target);
          names.add(e.getName());
        }
      }
    }
    return names;
  }
}
