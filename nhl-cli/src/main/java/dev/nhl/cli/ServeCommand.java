package dev.nhl.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nhl.encoder.ImageEncoder;
import dev.nhl.index.CodeSpec;
import dev.nhl.index.Codes;
import dev.nhl.index.Hits;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import javax.imageio.ImageIO;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.Directory;
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
      description = "seconds a client has to send its request, upload included, and to read the answer; a slower "
          + "or abandoned one is cut off, so that it does not hold a server thread (default: ${DEFAULT-VALUE})")
  int requestTimeout = 30;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (!PhotoIndex.exists(index)) {
      throw new IllegalArgumentException("no index in " + index + ": build one with 'nhl index'");
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
      try (ImageEncoder enc = ImageEncoder.open(m, ImageEncoder.Options.defaults().withBatchSize(1).withMaxPixels(maxPixels))) {
        HttpServer server = start(manager, enc);
        out.printf(Locale.ROOT, "serving %s (%,d photos) at http://%s:%d/%n", index, photos, bind,
            server.getAddress().getPort());
        out.flush();
        new CountDownLatch(1).await();
      }
    }
    return 0;
  }

  /** Starts the server; every request sees the index as last committed (a reopen when it changed). */
  HttpServer start(SearcherManager manager, ImageEncoder enc) throws IOException {
    if (requestTimeout < 1) {
      throw new IllegalArgumentException("--request-timeout must be at least 1 second, got " + requestTimeout);
    }
    // the JDK's server reads its limits once, when the first server of the process is made: a
    // request still being read after maxReqTime, or an answer still being written after
    // maxRspTime, has its connection closed, which frees the thread blocked on it
    System.getProperties().putIfAbsent("sun.net.httpserver.maxReqTime", Integer.toString(requestTimeout));
    System.getProperties().putIfAbsent("sun.net.httpserver.maxRspTime", Integer.toString(requestTimeout));
    HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 0);
    Site site = new Site(manager, enc);
    // one search before the first visitor's: the kernels are compiled on first use
    IndexSearcher s = manager.acquire();
    try {
      DirectoryReader reader = (DirectoryReader) s.getIndexReader();
      PhotoIndex.search(reader, new byte[PhotoIndex.spec(reader).maxBytes()], 1, null);
    } finally {
      manager.release(s);
    }
    server.createContext("/", site::handle);
    server.setExecutor(Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "nhl-serve");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return server;
  }

  /** A request that gets a 4xx with its message. */
  static final class BadRequest extends Exception {
    final int status;

    BadRequest(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  static final class Site {
    private final SearcherManager manager;
    private final ImageEncoder enc;

    Site(SearcherManager manager, ImageEncoder enc) {
      this.manager = manager;
      this.enc = enc;
    }

    void handle(HttpExchange x) throws IOException {
      try (x) {
        try {
          String path = x.getRequestURI().getPath();
          manager.maybeRefresh();
          IndexSearcher searcher = manager.acquire();
          try {
            DirectoryReader reader = (DirectoryReader) searcher.getIndexReader();
            switch (path) {
              case "/", "/index.html" -> page(x);
              case "/api/search" -> search(x, reader);
              case "/api/thumb" -> thumb(x, reader);
              case "/api/info" -> info(x, reader);
              case "/api/dups" -> dups(x, reader);
              default -> throw new BadRequest(404, "no such page: " + path);
            }
          } finally {
            manager.release(searcher);
          }
        } catch (BadRequest e) {
          send(x, e.status, "application/json", json(Map.of("error", e.getMessage())));
        } catch (RuntimeException | IOException e) {
          System.getLogger("dev.nhl.cli").log(System.Logger.Level.WARNING, "request failed: " + x.getRequestURI(), e);
          send(x, 500, "application/json", json(Map.of("error", "the server could not handle this request")));
        }
      }
    }

    private void page(HttpExchange x) throws IOException, BadRequest {
      method(x, "GET");
      try (InputStream in = ServeCommand.class.getResourceAsStream("index.html")) {
        send(x, 200, "text/html; charset=utf-8", in.readAllBytes());
      }
    }

    private void info(HttpExchange x, DirectoryReader reader) throws IOException, BadRequest {
      method(x, "GET");
      CodeSpec spec = PhotoIndex.spec(reader);
      StringBuilder sb = new StringBuilder("{\"photos\":").append(reader.numDocs())
          .append(",\"spec\":").append(quote(spec.toString())).append(",\"tags\":[");
      List<String> tags = PhotoIndex.tags(reader);
      for (int i = 0; i < tags.size(); i++) {
        sb.append(i > 0 ? "," : "").append(quote(tags.get(i)));
      }
      send(x, 200, "application/json", sb.append("]}").toString().getBytes(StandardCharsets.UTF_8));
    }

    private void search(HttpExchange x, DirectoryReader reader) throws IOException, BadRequest {
      method(x, "POST");
      CodeSpec spec = PhotoIndex.spec(reader);
      Map<String, String> q = query(x);
      int k = parseInt(q.getOrDefault("k", "12"), "k");
      if (k < 1 || k > 100) {
        throw new BadRequest(400, "k must be in [1, 100], got " + k);
      }
      String tag = q.get("tag");
      byte[] body;
      try (InputStream in = x.getRequestBody()) {
        body = in.readNBytes(MAX_UPLOAD + 1);
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
      PhotoIndex.Result res = PhotoIndex.search(reader, r.code(), k, tag);
      PhotoIndex.DuplicateRule rule = PhotoIndex.DuplicateRule.defaults(spec);
      // copies of the upload come first, found by the perceptual hash as nhl dups finds them
      List<PhotoIndex.Hit> hits = PhotoIndex.copiesFirst(reader, res.hits(), r.code(),
          PhotoIndex.nearDuplicates(reader, r.perceptualHash(), r.code(), rule, -1), k, tag);
      StringBuilder sb = new StringBuilder("{\"code\":").append(quote(Codes.toHex(r.code()))).append(",\"lengths\":[");
      int[] lengths = spec.lengths();
      for (int i = 0; i < lengths.length; i++) {
        sb.append(i > 0 ? "," : "").append(lengths[i]);
      }
      sb.append("],\"ms\":").append(String.format(Locale.ROOT, "%.3f", res.nanos() / 1e6)).append(",\"stages\":[");
      for (int i = 0; i < res.stages().size(); i++) {
        Hits.StageStats s = res.stages().get(i);
        sb.append(i > 0 ? "," : "").append(String.format(Locale.ROOT,
            "{\"bits\":%d,\"candidates\":%d,\"kept\":%d,\"ms\":%.3f}", s.length(), s.candidates(), s.kept(), s.nanos() / 1e6));
      }
      sb.append("],\"hits\":[");
      for (int i = 0; i < hits.size(); i++) {
        PhotoIndex.Hit h = hits.get(i);
        sb.append(i > 0 ? "," : "").append("{\"rank\":").append(h.rank()).append(",\"distance\":")
            .append(h.distances()[h.distances().length - 1]).append(",\"distances\":[");
        for (int j = 0; j < h.distances().length; j++) {
          sb.append(j > 0 ? "," : "").append(h.distances()[j]);
        }
        byte[] hash = PhotoIndex.value(reader, PhotoIndex.PHASH, h.doc());
        sb.append("],\"duplicate\":").append(hash != null && rule.test(r.perceptualHash(), r.code(), hash, h.code()));
        sb.append(",\"tag\":").append(quote(h.tag())).append(",\"path\":").append(quote(h.path()))
            .append(",\"thumb\":").append(quote(thumbUrl(h.path())))
            .append('}');
      }
      send(x, 200, "application/json", sb.append("]}").toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String thumbUrl(String path) {
      return "/api/thumb?path=" + java.net.URLEncoder.encode(path, StandardCharsets.UTF_8);
    }

    /** The near-duplicates of an indexed photo ({@code path}), by the default rule of {@code nhl dups}. */
    private void dups(HttpExchange x, DirectoryReader reader) throws IOException, BadRequest {
      method(x, "GET");
      String p = query(x).get("path");
      if (p == null || !PhotoIndex.indexed(reader, p)) {
        throw new BadRequest(404, "no indexed photo at that path");
      }
      PhotoIndex.DuplicateRule rule = PhotoIndex.DuplicateRule.defaults(PhotoIndex.spec(reader));
      List<PhotoIndex.Member> found;
      try {
        found = PhotoIndex.nearDuplicates(reader, p, rule);
      } catch (IllegalArgumentException e) {
        throw new BadRequest(409, e.getMessage());
      }
      StringBuilder sb = new StringBuilder("{\"path\":").append(quote(p)).append(",\"bits\":").append(rule.bits())
          .append(",\"radius\":").append(rule.radius()).append(",\"duplicates\":[");
      for (int i = 0; i < found.size(); i++) {
        PhotoIndex.Member m = found.get(i);
        sb.append(i > 0 ? "," : "").append("{\"distance\":").append(m.distance()).append(",\"path\":")
            .append(quote(m.path())).append(",\"thumb\":")
            .append(quote(thumbUrl(m.path()))).append('}');
      }
      send(x, 200, "application/json", sb.append("]}").toString().getBytes(StandardCharsets.UTF_8));
    }

    private void thumb(HttpExchange x, DirectoryReader reader) throws IOException, BadRequest {
      method(x, "GET");
      String p = query(x).get("path");
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

    private static void method(HttpExchange x, String expected) throws BadRequest {
      if (!x.getRequestMethod().equals(expected)) {
        throw new BadRequest(405, x.getRequestMethod() + " is not allowed here; use " + expected);
      }
    }

    private static int parseInt(String v, String name) throws BadRequest {
      try {
        return Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw new BadRequest(400, name + " must be a whole number, got '" + v + "'");
      }
    }

    private static Map<String, String> query(HttpExchange x) {
      Map<String, String> q = new HashMap<>();
      String raw = x.getRequestURI().getRawQuery();
      if (raw != null) {
        for (String kv : raw.split("&")) {
          int eq = kv.indexOf('=');
          if (eq > 0) {
            q.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
          }
        }
      }
      return q;
    }

    private static void send(HttpExchange x, int status, String type, byte[] body) throws IOException {
      x.getResponseHeaders().set("Content-Type", type);
      x.getResponseHeaders().set("Cache-Control", "no-store");
      x.sendResponseHeaders(status, body.length);
      try (OutputStream o = x.getResponseBody()) {
        o.write(body);
      }
    }

    private static byte[] json(Map<String, String> m) {
      StringBuilder sb = new StringBuilder("{");
      m.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append(quote(k)).append(':').append(quote(v)));
      return sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    static String quote(String s) {
      StringBuilder sb = new StringBuilder("\"");
      for (char c : s.toCharArray()) {
        switch (c) {
          case '"' -> sb.append("\\\"");
          case '\\' -> sb.append("\\\\");
          case '\n' -> sb.append("\\n");
          case '\r' -> sb.append("\\r");
          case '\t' -> sb.append("\\t");
          default -> {
            if (c < 0x20) {
              sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
              sb.append(c);
            }
          }
        }
      }
      return sb.append('"').toString();
    }
  }
}
