package dev.nhl.encoder;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** Opens ONNX Runtime sessions on the chosen {@link Device}, with the fallback and the log line. */
final class OrtSessions {

  private static final System.Logger LOG = System.getLogger("dev.nhl.encoder");

  private OrtSessions() {}

  /** Adds the CUDA provider to session options; a seam so that tests can play a machine without a GPU. */
  interface CudaAdder {
    void add(OrtSession.SessionOptions opts) throws OrtException;
  }

  /** What ONNX Runtime's CUDA provider loads: the driver, the runtime, cuBLAS and cuDNN. */
  static final List<String> CUDA_LIBRARIES =
      List.of("libcuda.so.1", "libcudart.so.12", "libcublas.so.12", "libcublasLt.so.12", "libcudnn.so.9");

  /**
   * The CUDA libraries the dynamic loader cannot find (Linux; elsewhere none are checked): asked
   * before the provider is added, because ONNX Runtime prints its own native error for a library
   * it cannot load before it reports the failure.
   */
  static List<String> missingCudaLibraries() {
    if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
      return List.of();
    }
    List<String> missing = new java.util.ArrayList<>();
    for (String lib : CUDA_LIBRARIES) {
      try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
        java.lang.foreign.SymbolLookup.libraryLookup(lib, arena);
      } catch (IllegalArgumentException e) {
        missing.add(lib);
      }
    }
    return missing;
  }

  static void addCuda(OrtSession.SessionOptions opts) throws OrtException {
    List<String> missing = missingCudaLibraries();
    if (!missing.isEmpty()) {
      throw new IllegalStateException("CUDA libraries not found: " + String.join(", ", missing));
    }
    opts.addCUDA(0);
  }

  record Opened(OrtSession session, Device device) {}

  /**
   * The provider to try: CUDA when asked for or (AUTO) when the build has it, CPU otherwise.
   *
   * @throws IllegalArgumentException if CUDA is required and the build lacks it
   */
  static Device choose(Device requested, Set<OrtProvider> available) {
    boolean cuda = available.contains(OrtProvider.CUDA);
    return switch (requested) {
      case CPU -> Device.CPU;
      case AUTO -> cuda ? Device.CUDA : Device.CPU;
      case CUDA -> {
        if (!cuda) {
          throw new IllegalArgumentException("CUDA was required but this ONNX Runtime build offers " + available
              + "; use the onnxruntime_gpu build (Maven profile gpu) on a machine with a CUDA GPU");
        }
        yield Device.CUDA;
      }
    };
  }

  /**
   * Opens a session on the provider chosen by {@link #choose}, falling back from CUDA to the CPU
   * (with one warning) when the GPU build cannot use it and CUDA was not required.
   *
   * @param intraOpThreads ONNX Runtime's threads within one call on the CPU; 0 for its default
   */
  static Opened open(byte[] model, Device requested, int intraOpThreads, Set<OrtProvider> available, CudaAdder cuda,
      String name) throws IOException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Device wanted = choose(requested, available);
    OrtSession.SessionOptions opts = options(intraOpThreads);
    Device used = Device.CPU;
    String why;
    boolean fallback = false;
    try {
      if (wanted == Device.CUDA) {
        try {
          cuda.add(opts);
          used = Device.CUDA;
          why = "CUDA provider of the GPU build";
        } catch (OrtException | RuntimeException e) {
          if (requested == Device.CUDA) {
            throw new IllegalArgumentException("CUDA was required but cannot be used: " + e.getMessage(), e);
          }
          opts.close();
          opts = options(intraOpThreads);
          why = "the GPU build cannot use CUDA here: " + e.getMessage();
          fallback = true;
        }
      } else {
        why = requested == Device.CPU ? "CPU was asked for"
            : "this ONNX Runtime build has no CUDA provider; the onnxruntime_gpu build (-P gpu) and a GPU run on CUDA";
      }
      OrtSession session = env.createSession(model, opts);
      // a GPU build that falls back to the CPU says so as a warning, in one line
      LOG.log(fallback ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
          "nhl encoder: ONNX Runtime on " + used + " (" + why + ") for " + name);
      return new Opened(session, used);
    } catch (OrtException e) {
      throw new IOException("ONNX Runtime cannot load " + name + ": " + e.getMessage(), e);
    } finally {
      opts.close();
    }
  }

  private static OrtSession.SessionOptions options(int intraOpThreads) {
    OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
    if (intraOpThreads > 0) {
      try {
        opts.setIntraOpNumThreads(intraOpThreads);
      } catch (OrtException e) {
        opts.close();
        throw new IllegalStateException("ONNX Runtime refused " + intraOpThreads + " intra-op threads: " + e.getMessage(), e);
      }
    }
    return opts;
  }

  /** Builds a user of an opened session; the session is closed when this fails. */
  interface Wrapper<T> {
    T wrap(OrtSession session, Device device) throws OrtException;
  }

  /**
   * Reads a model file, opens a session on it and wraps it, closing the session when wrapping
   * fails.
   *
   * @throws java.nio.file.NoSuchFileException if the file is missing
   */
  static <T> T openFile(Path model, Device requested, Wrapper<T> wrapper) throws IOException {
    return openFile(model, requested, 0, wrapper);
  }

  /** As {@link #openFile(Path, Device, Wrapper)}, with ONNX Runtime's threads within one call on the CPU. */
  static <T> T openFile(Path model, Device requested, int intraOpThreads, Wrapper<T> wrapper) throws IOException {
    if (!Files.isRegularFile(model)) {
      throw new NoSuchFileException(model.toString(), null, "no such ONNX model");
    }
    return wrap(open(Files.readAllBytes(model), requested, intraOpThreads, OrtEnvironment.getAvailableProviders(), OrtSessions::addCuda,
        model.toString()), model.toString(), wrapper);
  }

  static <T> T wrap(Opened o, String name, Wrapper<T> wrapper) throws IOException {
    try {
      return wrapper.wrap(o.session(), o.device());
    } catch (OrtException e) {
      close(o.session(), e);
      throw new IOException("cannot read the inputs and outputs of " + name + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      close(o.session(), e);
      throw e;
    }
  }

  static void close(OrtSession session, Exception cause) {
    try {
      session.close();
    } catch (OrtException e) {
      cause.addSuppressed(e);
    }
  }
}
