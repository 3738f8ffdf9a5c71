package dev.nhl.cli;

import static dev.nhl.cli.CliTestSupport.nhl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nhl.encoder.ImageEncoder;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.Directory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The search page in a real browser: Debian's Chromium, headless, driven through ChromeDriver.
 * Uploads a held-out photo, waits for the result list, reads it, and saves a screenshot.
 */
class WebPageTest {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  @Test
  void uploadAPhotoAndReadTheResults(@TempDir Path tmp) throws Exception {
    CliTestSupport.assumeData();
    assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "Chromium and ChromeDriver are expected at " + CHROMIUM + " and " + CHROMEDRIVER + " (.ci/run installs them)");
    Path photos = tmp.resolve("photos");
    List<Path> queries = CliTestSupport.collection(photos, 20);
    Path model = tmp.resolve("photos.onnx");
    Path index = tmp.resolve("index");
    assertEquals(0, nhl("train", "--images", photos.toString(), "--backbone", CliTestSupport.MOBILENET.toString(),
        "--out", model.toString(), "--epochs", "40").code());
    // two copies of the query photo are in the collection: the page marks them and finds one from the other
    List<Path> copies = NearDuplicateSet.copies(queries.get(3), photos.resolve(CliTestSupport.CLASSES.get(3)));
    assertEquals(0, nhl("index", photos.toString(), "-m", model.toString(), "-i", index.toString()).code());

    ServeCommand serve = new ServeCommand();
    serve.bind = "127.0.0.1";
    serve.port = 0;
    serve.requestTimeout = STALL_TIMEOUT;
    try (Directory dir = PhotoIndex.open(index); SearcherManager manager = new SearcherManager(dir, null);
        ImageEncoder enc = ImageEncoder.open(model, ImageEncoder.Options.defaults().withBatchSize(1))) {
      ServeCommand.Page server = serve.start(manager, enc);
      String base = "http://127.0.0.1:" + server.port();
      try {
        badRequestsGetMessages(base);
        Path query = queries.get(3);
        String expectedTag = CliTestSupport.CLASSES.get(3);
        drive(base, query, expectedTag, copies, tmp);
        stalledUploadsAreCutOff(server.port(), base);
        load(base, queries);
        // a photo indexed while the server runs is found by the next request
        HttpClient http = HttpClient.newHttpClient();
        String before = http.send(HttpRequest.newBuilder(URI.create(base + "/api/info")).GET().build(),
            HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(before.startsWith("{\"photos\":122,"), before);
        Files.copy(queries.get(0), photos.resolve("Faces_easy").resolve("added.jpg"));
        assertEquals(0, nhl("index", photos.toString(), "-m", model.toString(), "-i", index.toString()).code());
        String after = http.send(HttpRequest.newBuilder(URI.create(base + "/api/info")).GET().build(),
            HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(after.startsWith("{\"photos\":123,"), after);
      } finally {
        server.close();
      }
    }
  }

  private static void drive(String base, Path query, String expectedTag, List<Path> copies, Path tmp) throws Exception {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--window-size=1280,1000", "--user-data-dir=" + tmp.resolve("chrome-profile"));
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    ChromeDriver driver = new ChromeDriver(service, options);
    try {
      driver.get(base + "/");
      WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
      wait.until(ExpectedConditions.textMatches(By.id("info"), java.util.regex.Pattern.compile("\\d+ photos")));
      driver.findElement(By.id("photo")).sendKeys(query.toRealPath().toString());
      wait.until(ExpectedConditions.textToBe(By.id("status"), "done"));
      List<WebElement> hits = driver.findElements(By.cssSelector("#results .hit"));
      assertEquals(12, hits.size());
      // the query's copies are the first results, marked as near-duplicates; asking for the
      // near-duplicates of one lists the other
      for (int i = 0; i < copies.size(); i++) {
        assertTrue(copies.contains(Path.of(hits.get(i).findElement(By.cssSelector(".path")).getText())),
            "result " + i + " is a copy of the query: " + hits.get(i).getText());
        assertTrue(hits.get(i).getText().contains("near-duplicate of the query"), hits.get(i).getText());
      }
      hits.get(0).findElement(By.tagName("button")).click();
      wait.until(ExpectedConditions.textMatches(By.cssSelector("#dups h2"), java.util.regex.Pattern.compile("near-duplicates of")));
      String other = copies.get(0).toString().equals(hits.get(0).findElement(By.cssSelector(".path")).getText())
          ? copies.get(1).toString() : copies.get(0).toString();
      List<String> dupPaths = driver.findElements(By.cssSelector("#dups .path")).stream().map(WebElement::getText).toList();
      assertTrue(dupPaths.contains(other), "near-duplicates listed: " + dupPaths);
      System.out.println("near-duplicates of " + hits.get(0).findElement(By.cssSelector(".path")).getText() + ": "
          + dupPaths);
      int same = 0;
      int previous = -1;
      StringBuilder shown = new StringBuilder();
      for (int i = 0; i < hits.size(); i++) {
        WebElement h = hits.get(i);
        int d = Integer.parseInt(h.getDomAttribute("data-distance"));
        // the query's copies come first; the other results follow in distance order
        if (i >= copies.size()) {
          assertTrue(d >= previous, "results after the copies are in distance order");
          previous = d;
        }
        same += expectedTag.equals(h.getDomAttribute("data-tag")) ? 1 : 0;
        shown.append(String.format(Locale.ROOT, "  %s%n", h.getText().replace('\n', ' ')));
      }
      List<WebElement> stages = driver.findElements(By.cssSelector("#stages .stage"));
      assertFalse(stages.isEmpty(), "the stage strip is shown");
      StringBuilder strip = new StringBuilder();
      for (WebElement s : stages) {
        strip.append(" [").append(s.getText().replace("\n", ", ")).append(']');
      }
      // every thumbnail loaded
      wait.until(d -> (Boolean) ((org.openqa.selenium.JavascriptExecutor) d).executeScript(
          "return [...document.querySelectorAll('#results img')].every(i => i.complete && i.naturalWidth > 0)"));
      byte[] png = driver.getScreenshotAs(OutputType.BYTES);
      Path shot = Path.of("target/web-page.png");
      Files.createDirectories(shot.getParent());
      Files.write(shot, png);
      var img = ImageIO.read(new ByteArrayInputStream(png));
      assertTrue(png.length > 10_000 && img.getWidth() > 0, "screenshot is not empty: " + png.length + " bytes");
      int distinct = (int) java.util.stream.IntStream.range(0, 50)
          .map(i -> img.getRGB(img.getWidth() * (i % 10) / 10, img.getHeight() * (i / 10) / 5)).distinct().count();
      assertTrue(distinct > 3, "screenshot shows more than a blank page: " + distinct + " colours sampled");
      System.out.printf(Locale.ROOT, "query %s (%s): %d of 12 results share its tag; stages%s%n%s", query.getFileName(),
          expectedTag, same, strip, shown);
      System.out.println("screenshot: " + shot.toAbsolutePath() + " (" + png.length + " bytes)");
      assertTrue(same >= 6, same + " of 12 results share the query's tag");
    } finally {
      driver.quit();
    }
  }

  /** Seconds a connection of the test server may stay silent. */
  static final int STALL_TIMEOUT = 3;

  /**
   * Uploads that stall after a few bytes, more of them than the server has threads: each is cut
   * off after the request timeout, and the server answers again.
   */
  private static void stalledUploadsAreCutOff(int port, String base) throws Exception {
    List<java.net.Socket> stalled = new java.util.ArrayList<>();
    long t0 = System.nanoTime();
    int count = ServeCommand.THREADS + 6;
    for (int i = 0; i < count; i++) {
      java.net.Socket s = new java.net.Socket("127.0.0.1", port);
      s.setSoTimeout(60_000);
      s.getOutputStream().write(("POST /api/search?k=5 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n"
          + "0123456789").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      stalled.add(s);
    }
    for (java.net.Socket s : stalled) {
      try (s) {
        // the server closes the connection (-1), possibly after an error status, or resets it
        try {
          s.getInputStream().readAllBytes();
        } catch (java.net.SocketException reset) {
          // cut off
        }
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertTrue(seconds < STALL_TIMEOUT + 30, "stalled uploads cut off after " + seconds + " s");
    HttpResponse<String> info = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/api/info"))
        .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, info.statusCode());
    System.out.printf(Locale.ROOT, "%d stalled uploads (%d server threads) cut off within %.1f s; the server answers%n",
        count, ServeCommand.THREADS, seconds);
  }

  /**
   * 16 clients uploading photos as fast as they get answers, for {@code -Dnhl.load.seconds}
   * (default 5): every answer is a 200 with results; prints the latency percentiles.
   */
  private static void load(String base, List<Path> photos) throws Exception {
    int seconds = Integer.getInteger("nhl.load.seconds", 5);
    int clients = 16;
    List<byte[]> bodies = new java.util.ArrayList<>();
    for (Path p : photos) {
      bodies.add(Files.readAllBytes(p));
    }
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    java.util.concurrent.ConcurrentLinkedQueue<Long> nanos = new java.util.concurrent.ConcurrentLinkedQueue<>();
    java.util.concurrent.atomic.AtomicInteger errors = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.ConcurrentLinkedQueue<String> firstErrors = new java.util.concurrent.ConcurrentLinkedQueue<>();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
    List<java.util.concurrent.Future<?>> fs = new java.util.ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      fs.add(pool.submit(() -> {
        for (int i = 0; System.nanoTime() < end; i++) {
          byte[] body = bodies.get((client + i) % bodies.size());
          long t0 = System.nanoTime();
          try {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(base + "/api/search?k=12"))
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
            nanos.add(System.nanoTime() - t0);
            if (res.statusCode() != 200 || !res.body().contains("\"hits\":[{")) {
              errors.incrementAndGet();
              if (firstErrors.size() < 3) {
                firstErrors.add(res.statusCode() + " " + res.body());
              }
            }
          } catch (Exception e) {
            errors.incrementAndGet();
            if (firstErrors.size() < 3) {
              firstErrors.add(e.toString());
            }
          }
        }
        return null;
      }));
    }
    for (java.util.concurrent.Future<?> f : fs) {
      f.get();
    }
    pool.shutdown();
    long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
    System.out.printf(Locale.ROOT, "load: %d clients for %d s: %,d uploads answered (%.1f a second), %d errors; "
            + "latency p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", clients, seconds, sorted.length,
        sorted.length / (double) seconds, errors.get(), sorted[sorted.length / 2] / 1e6,
        sorted[(int) Math.ceil(sorted.length * 0.99) - 1] / 1e6, sorted[sorted.length - 1] / 1e6);
    assertEquals(0, errors.get(), "errors under load: " + firstErrors);
    assertTrue(sorted.length >= clients, "every client got answers");
  }

  private static void badRequestsGetMessages(String base) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> empty = http.send(HttpRequest.newBuilder(URI.create(base + "/api/search"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, empty.statusCode());
    assertTrue(empty.body().contains("no image"), empty.body());
    HttpResponse<String> garbage = http.send(HttpRequest.newBuilder(URI.create(base + "/api/search?k=5"))
        .POST(HttpRequest.BodyPublishers.ofString("not an image")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, garbage.statusCode());
    assertTrue(garbage.body().contains("not an image"), garbage.body());
    assertFalse(garbage.body().contains("Exception"), garbage.body());
    HttpResponse<String> badK = http.send(HttpRequest.newBuilder(URI.create(base + "/api/search?k=abc"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, badK.statusCode());
    assertTrue(badK.body().contains("k must be a whole number"), badK.body());
    HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(base + "/api/search")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(405, get.statusCode());
    HttpResponse<String> thumb = http.send(HttpRequest.newBuilder(URI.create(base + "/api/thumb?path=%2Fetc%2Fpasswd")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(404, thumb.statusCode(), "only indexed photos are served");
    assertTrue(thumb.body().contains("no indexed photo at that path"), thumb.body());
    HttpResponse<String> tooLarge = http.send(HttpRequest.newBuilder(URI.create(base + "/api/search"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[ServeCommand.MAX_UPLOAD + 1])).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(413, tooLarge.statusCode(), tooLarge.body());
    assertTrue(tooLarge.body().contains("larger than 20 MB"), tooLarge.body());
    HttpResponse<String> noPhoto = http.send(HttpRequest.newBuilder(URI.create(base + "/api/dups?path=%2Fnope.jpg")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(404, noPhoto.statusCode(), noPhoto.body());
    HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(base + "/nope")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(404, missing.statusCode());
    assertEquals("{\"error\":\"no such page: /nope\"}", missing.body());
  }
}
