package dev.nhl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nhl.encoder.ImageEncoder;
import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
import dev.nhl.index.Hits;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import javax.imageio.ImageIO;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.Directory;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code nhl serve}: a search page over an index. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serve a web page to search the index with an uploaded photo: the query, the top results as "
        + "thumbnails with their distances, and how the candidates narrowed at each code length.",
        "Listens on loopback only unless --bind says otherwise."})
final class ServeCommand implements Callable<Integer> {

  /** Largest upload accepted. */
  static final int MAX_UPLOAD = 20 << 20;

  @Spec
  CommandSpec spec;

  @Option(names = "--max-pixels", defaultValue = "1000000000",
      description = "photos that declare more pixels are skipped with a message; larger ones below it are decoded "
          + "reduced to what the model needs (default: ${DEFAULT-VALUE})")
  long maxPixels;

  @Option(names = {"-i", "--index"}, required = true, description = "index folder")
  Path index;

  @Option(names = {"-m", "--model"}, description = "model to encode uploads (default: the one that built the index)")
  Path model;

  @Option(names = {"-p", "--port"}, defaultValue = "8080", description = "port, 0 for any free one (default: ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE})")
  String bind;

  @Option(names = "--request-timeout", defaultValue = "30",
      description = "seconds a connection may stay silent while a client sends its request, upload included, or "
          + "reads the answer; a stalled or abandoned one is cut off, so that it does not hold a server thread "
          + "(default: ${DEFAULT-VALUE})")
  int requestTimeout = 30;

  /** Threads that answer requests; uploads beyond them wait for one. */
  static final int THREADS = 4;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (!PhotoIndex.exists(index)) {
      throw new BadInput("no index in " + index + ": build one with 'nhl index'");
    }
    try (Directory dir = PhotoIndex.open(index); SearcherManager manager = new SearcherManager(dir, null)) {
      IndexSearcher first = manager.acquire();
      DirectoryReader reader = (DirectoryReader) first.getIndexReader();
      Path m;
      int photos = reader.numDocs();
      try {
        m = model != null ? model : Path.of(PhotoIndex.commitData(reader).getOrDefault(PhotoIndex.MODEL_KEY, ""));
      } finally {
        manager.release(first);
      }
      try (ImageEncoder enc = BadInput.of(() -> ImageEncoder.open(m,
              ImageEncoder.Options.defaults().withBatchSize(1).withMaxPixels(maxPixels).withCopyDetection(true)));
          Page page = start(manager, enc)) {
        out.printf(Locale.ROOT, "serving %s (%,d photos) at http://%s:%d/ (Ctrl-C stops)%n", index, photos, bind,
            page.port());
        out.flush();
        // Ctrl-C or a termination signal: the page stops taking requests, finishes those it has, then
        // the encoder and the index are closed by the blocks above
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
          page.close();
          stopped.countDown();
        }, "nhl-serve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        stopped.await();
      }
    }
    return 0;
  }

  /** A running page: its port, and {@link #close} to stop it. */
  record Page(Javalin app, ServerConnector connector) implements AutoCloseable {

    /** The port it listens on (the one the system chose, for port 0). */
    int port() {
      return connector.getLocalPort();
    }

    /** Stops taking requests and lets those in progress finish. */
    @Override
    public void close() {
      app.stop();
    }
  }

  /** Starts the page; every request sees the index as last committed (a reopen when it changed). */
  Page start(SearcherManager manager, ImageEncoder enc) throws IOException {
    if (requestTimeout < 1) {
      throw new BadInput("--request-timeout must be at least 1 second, got " + requestTimeout);
    }
    // one search before the first visitor's: the kernels are compiled on first use
    IndexSearcher s = manager.acquire();
    try {
      DirectoryReader reader = (DirectoryReader) s.getIndexReader();
      PhotoSearch.search(reader, new byte[PhotoIndex.spec(reader).maxBytes()], 1, null);
    } finally {
      manager.release(s);
    }
    Site site = new Site(manager, enc);
    ServerConnector[] connector = new ServerConnector[1];
    Javalin app = Javalin.create(config -> {
      config.startup.showJavalinBanner = false;
      config.startup.showOldJavalinVersionWarning = false;
      config.http.maxRequestSize = MAX_UPLOAD + 1L;
      QueuedThreadPool pool = new QueuedThreadPool(THREADS + 4, 4);
      pool.setName("nhl-serve");
      pool.setDaemon(true);
      config.jetty.threadPool = pool;
      // a connection silent for the timeout (a stalled upload, a client that stopped reading) is
      // closed, which frees the thread blocked on it
      config.jetty.addConnector((server, http) -> {
        ServerConnector c = new ServerConnector(server, new HttpConnectionFactory(http));
        c.setHost(bind);
        c.setPort(port);
        c.setIdleTimeout(requestTimeout * 1000L);
        connector[0] = c;
        return c;
      });
      for (String path : new String[] {"/", "/index.html", "/api/search", "/api/thumb", "/api/info", "/api/dups"}) {
        config.routes.get(path, site::handle);
        config.routes.post(path, site::handle);
      }
      // a path no route serves; a 404 the site gave itself (a photo not indexed) keeps its message
      config.routes.error(404, ctx -> {
        if (ctx.attribute(Site.ANSWERED) == null) {
          Site.send(ctx, 404, new ErrorAnswer("no such page: " + ctx.path()));
        }
      });
    });
    app.start();
    return new Page(app, connector[0]);
  }

  /** A request that gets a 4xx with its message. */
  static final class BadRequest extends Exception {
    final int status;

    BadRequest(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  /** What the page's API answers, written by Jackson in the order of the components. */
  record ErrorAnswer(String error) {}

  record Info(int photos, String spec, List<String> tags) {}

  record Stage(int bits, long candidates, long kept, double ms) {}

  record Hit(int rank, int distance, int[] distances, boolean duplicate, String tag, String path, String thumb) {}

  record SearchAnswer(String code, int[] lengths, double ms, List<Stage> stages, List<Hit> hits) {}

  record Duplicate(int distance, String path, String thumb) {}

  record DupsAnswer(String path, int bits, int radius, List<Duplicate> duplicates) {}

  static final class Site {
    /** A request attribute: the site wrote this answer itself. */
    static final String ANSWERED = "nhl.answered";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final SearcherManager manager;
    private final ImageEncoder enc;

    Site(SearcherManager manager, ImageEncoder enc) {
      this.manager = manager;
      this.enc = enc;
    }

    void handle(Context x) {
      try {
        manager.maybeRefresh();
        IndexSearcher searcher = manager.acquire();
        try {
          DirectoryReader reader = (DirectoryReader) searcher.getIndexReader();
          switch (x.path()) {
            case "/", "/index.html" -> page(x);
            case "/api/search" -> search(x, reader);
            case "/api/thumb" -> thumb(x, reader);
            case "/api/info" -> info(x, reader);
            case "/api/dups" -> dups(x, reader);
            default -> throw new BadRequest(404, "no such page: " + x.path());
          }
        } finally {
          manager.release(searcher);
        }
      } catch (BadRequest e) {
        send(x, e.status, new ErrorAnswer(e.getMessage()));
      } catch (RuntimeException | IOException e) {
        System.getLogger("dev.nhl.cli").log(System.Logger.Level.WARNING, "request failed: " + x.path(), e);
        send(x, 500, new ErrorAnswer("the server could not handle this request"));
      }
    }

    private void page(Context x) throws IOException, BadRequest {
      method(x, HandlerType.GET);
      try (InputStream in = ServeCommand.class.getResourceAsStream("index.html")) {
        send(x, 200, "text/html; charset=utf-8", in.readAllBytes());
      }
    }

    private void info(Context x, DirectoryReader reader) throws IOException, BadRequest {
      method(x, HandlerType.GET);
      send(x, 200, new Info(reader.numDocs(), PhotoIndex.spec(reader).toString(), PhotoIndex.tags(reader)));
    }

    private void search(Context x, DirectoryReader reader) throws IOException, BadRequest {
      method(x, HandlerType.POST);
      CodeSpec spec = PhotoIndex.spec(reader);
      String kText = x.queryParam("k");
      int k = parseInt(kText == null ? "12" : kText, "k");
      if (k < 1 || k > 100) {
        throw new BadRequest(400, "k must be in [1, 100], got " + k);
      }
      String tag = x.queryParam("tag");
      byte[] body;
      try (InputStream in = x.bodyInputStream()) {
        body = in.readNBytes(MAX_UPLOAD + 1);
      } catch (IOException e) {
        // the client stopped sending (the connection's idle timeout) or went away: its problem, not the server's
        throw new BadRequest(408, "the upload stopped arriving before its end");
      }
      if (body.length == 0) {
        throw new BadRequest(400, "the request has no image: send the photo's bytes as the body");
      }
      if (body.length > MAX_UPLOAD) {
        throw new BadRequest(413, "the image is larger than " + (MAX_UPLOAD >> 20) + " MB");
      }
      Path tmp = Files.createTempFile("nhl-upload", ".img");
      ImageEncoder.Result r;
      try {
        Files.write(tmp, body);
        r = enc.encode(List.of(tmp)).get(0);
      } finally {
        Files.deleteIfExists(tmp);
      }
      if (!r.ok()) {
        if (r.error() != null && r.error().contains("more than the limit of")) {
          throw new BadRequest(413, "the image " + r.error().substring(r.error().indexOf("declares")));
        }
        throw new BadRequest(400, "the upload is not an image this server can read (JPEG, PNG, GIF, BMP)");
      }
      PhotoSearch.Result res = PhotoSearch.search(reader, r.code(), k, tag);
      // copies of the upload come first, found as nhl dups finds them
      List<Duplicates.Member> copies = Duplicates.nearDuplicates(reader,
          new Duplicates.Evidence(r.perceptualHash(), r.mirroredHash(), r.code(), r.localFeatures()),
          Duplicates.DuplicateRule.defaults(), -1);
      java.util.Set<Integer> copyDocs = new java.util.HashSet<>();
      copies.forEach(c -> copyDocs.add(c.doc()));
      List<PhotoSearch.Hit> hits = PhotoSearch.copiesFirst(reader, res.hits(), r.code(), copies, k, tag);
      List<Stage> stages = new java.util.ArrayList<>();
      for (Hits.StageStats st : res.stages()) {
        stages.add(new Stage(st.length(), st.candidates(), st.kept(), st.nanos() / 1e6));
      }
      List<Hit> out = new java.util.ArrayList<>();
      for (PhotoSearch.Hit h : hits) {
        out.add(new Hit(h.rank(), h.distances()[h.distances().length - 1], h.distances(),
            copyDocs.contains(h.doc()), h.tag(), h.path(), thumbUrl(h.path())));
      }
      send(x, 200, new SearchAnswer(Codes.toHex(r.code()), spec.lengths(), res.nanos() / 1e6, stages, out));
    }

    private static String thumbUrl(String path) {
      return "/api/thumb?path=" + java.net.URLEncoder.encode(path, StandardCharsets.UTF_8);
    }

    /** The near-duplicates of an indexed photo ({@code path}), by the default rule of {@code nhl dups}. */
    private void dups(Context x, DirectoryReader reader) throws IOException, BadRequest {
      method(x, HandlerType.GET);
      String p = x.queryParam("path");
      if (p == null || !PhotoIndex.indexed(reader, p)) {
        throw new BadRequest(404, "no indexed photo at that path");
      }
      Duplicates.DuplicateRule rule = Duplicates.DuplicateRule.defaults();
      List<Duplicates.Member> found;
      try {
        found = Duplicates.nearDuplicates(reader, p, rule);
      } catch (IllegalArgumentException e) {
        throw new BadRequest(409, e.getMessage());
      }
      List<Duplicate> out = found.stream().map(d -> new Duplicate(d.distance(), d.path(), thumbUrl(d.path()))).toList();
      send(x, 200, new DupsAnswer(p, rule.bits(), rule.radius(), out));
    }

    private void thumb(Context x, DirectoryReader reader) throws IOException, BadRequest {
      method(x, HandlerType.GET);
      String p = x.queryParam("path");
      if (p == null || !PhotoIndex.indexed(reader, p)) {
        throw new BadRequest(404, "no indexed photo at that path");
      }
      BufferedImage img;
      try {
        // decoded reduced, as for encoding: a thumbnail of a huge photo costs a small image's memory
        dev.nhl.encoder.image.ImageDecoder.Pixels px = dev.nhl.encoder.image.ImageDecoder.decode(Path.of(p), 160,
            enc.options().maxPixels());
        img = new BufferedImage(px.width(), px.height(), BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, px.width(), px.height(), px.rgb(), 0, px.width());
      } catch (IOException e) {
        throw new BadRequest(404, "the photo can no longer be read");
      }
      int size = 160;
      double f = Math.min(1.0, (double) size / Math.max(img.getWidth(), img.getHeight()));
      int w = Math.max(1, (int) Math.round(img.getWidth() * f));
      int h = Math.max(1, (int) Math.round(img.getHeight() * f));
      BufferedImage t = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = t.createGraphics();
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(img, 0, 0, w, h, null);
      g.dispose();
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      ImageIO.write(t, "jpg", bytes);
      send(x, 200, "image/jpeg", bytes.toByteArray());
    }

    private static void method(Context x, HandlerType expected) throws BadRequest {
      if (x.method() != expected) {
        throw new BadRequest(405, x.method() + " is not allowed here; use " + expected);
      }
    }

    private static int parseInt(String v, String name) throws BadRequest {
      try {
        return Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw new BadRequest(400, name + " must be a whole number, got '" + v + "'");
      }
    }

    static void send(Context x, int status, Object answer) {
      try {
        send(x, status, "application/json", JSON.writeValueAsBytes(answer));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException("cannot write " + answer.getClass().getSimpleName() + " as JSON", e);
      }
    }

    private static void send(Context x, int status, String type, byte[] body) {
      x.attribute(ANSWERED, Boolean.TRUE);
      x.status(status).contentType(type).header("Cache-Control", "no-store").result(body);
    }
  }
}
