package dev.nhl.cli;

import static dev.nhl.cli.CliTestSupport.nhl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nhl.encoder.ImageEncoder;
import dev.nhl.encoder.image.TestImages;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.Directory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Photos that declare hundreds of megapixels, uploaded to the page several at once: under the
 * default limit each is decoded reduced and answered with results; past a lower limit each is
 * refused with 413 and the limit named, quickly. Never a 500, and the page answers afterwards.
 */
class UploadLimitsTest {

  @Test
  void concurrentHugeUploads(@TempDir Path tmp) throws Exception {
    CliTestSupport.assumeData();
    Path photos = tmp.resolve("photos");
    CliTestSupport.collection(photos, 3);
    Path model = tmp.resolve("photos.onnx");
    Path index = tmp.resolve("index");
    assertEquals(0, nhl("train", "--images", photos.toString(), "--backbone", CliTestSupport.MOBILENET.toString(),
        "--out", model.toString(), "--epochs", "2").code());
    assertEquals(0, nhl("index", photos.toString(), "-m", model.toString(), "-i", index.toString()).code());
    Path png = tmp.resolve("huge.png");
    Path jpeg = tmp.resolve("huge.jpg");
    TestImages.writePng(png, 20000, 20000);
    TestImages.writeGrayJpeg(jpeg, 30000, 20000);
    List<byte[]> uploads = List.of(Files.readAllBytes(png), Files.readAllBytes(jpeg), Files.readAllBytes(png),
        Files.readAllBytes(jpeg));

    List<HttpResponse<String>> reduced = uploadAtOnce(index, model, dev.nhl.encoder.image.ImageDecoder.DEFAULT_MAX_PIXELS, uploads);
    for (HttpResponse<String> r : reduced) {
      assertEquals(200, r.statusCode(), r.body());
      assertTrue(r.body().contains("\"hits\":[{"), r.body());
    }

    long t0 = System.nanoTime();
    List<HttpResponse<String>> refused = uploadAtOnce(index, model, 100_000_000L, uploads);
    double seconds = (System.nanoTime() - t0) / 1e9;
    for (int i = 0; i < refused.size(); i++) {
      HttpResponse<String> r = refused.get(i);
      assertEquals(413, r.statusCode(), r.body());
      assertTrue(r.body().contains(i % 2 == 0 ? "declares 20000 x 20000 pixels (400 megapixels)"
          : "declares 30000 x 20000 pixels (600 megapixels)"), r.body());
      assertTrue(r.body().contains("more than the limit of 100 megapixels"), r.body());
    }
    // the dimensions are read from the header: refusing takes the upload and a server's start, not a decode
    assertTrue(seconds < 30, "4 refusals took " + seconds + " s");
    System.out.printf(Locale.ROOT, "4 uploads of 400 and 600 megapixels at once: 200 each under the default limit; "
        + "413 each past 100 megapixels (%.1f s, server start included)%n", seconds);
  }

  /** Starts a page over the index with this pixel limit, sends every upload at once, and stops it. */
  private static List<HttpResponse<String>> uploadAtOnce(Path index, Path model, long maxPixels, List<byte[]> uploads)
      throws Exception {
    ServeCommand serve = new ServeCommand();
    serve.bind = "127.0.0.1";
    serve.port = 0;
    serve.requestTimeout = 60;
    try (Directory dir = PhotoIndex.open(index); SearcherManager manager = new SearcherManager(dir, null);
        ImageEncoder enc = ImageEncoder.open(model,
            ImageEncoder.Options.defaults().withBatchSize(1).withMaxPixels(maxPixels))) {
      ServeCommand.Page server = serve.start(manager, enc);
      String base = "http://127.0.0.1:" + server.port();
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      ExecutorService pool = Executors.newFixedThreadPool(uploads.size());
      try {
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (byte[] body : uploads) {
          answers.add(pool.submit(() -> http.send(HttpRequest.newBuilder(URI.create(base + "/api/search?k=5"))
              .timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
              HttpResponse.BodyHandlers.ofString())));
        }
        List<HttpResponse<String>> out = new ArrayList<>();
        for (Future<HttpResponse<String>> f : answers) {
          out.add(f.get());
        }
        HttpResponse<String> info = http.send(HttpRequest.newBuilder(URI.create(base + "/api/info")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, info.statusCode(), "the page answers after the uploads");
        return out;
      } finally {
        pool.shutdownNow();
        server.close();
      }
    }
  }
}
