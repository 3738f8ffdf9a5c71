package dev.nhl.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code nhl} command: train NHL heads, index photo folders into a Lucene index, search it by
 * photo or code, show its statistics, and serve a search page.
 *
 * <p>Exit codes: 0 done; 1 a failure while working (I/O, a model ONNX Runtime cannot load) or a
 * defect, with its stack trace under {@code --verbose}; 2 the user's input (unknown option,
 * missing file, wrong model, a value out of range).
 */
@Command(
    name = "nhl",
    mixinStandardHelpOptions = true,
    version = "nhl 0.1.0",
    description = "Nested hash codes for photo collections: train, index, search, find near-duplicates, serve.",
    subcommands = {TrainCommand.class, IndexCommand.class, SearchCommand.class, DupsCommand.class, StatsCommand.class,
        ServeCommand.class, CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:failed while working (I/O, model) or a defect (--verbose: its stack trace)",
        "2:bad usage or input"})
public final class Nhl implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** Warnings only by default; {@code --verbose} shows the libraries' information and stack traces. */
  @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
      description = "also print what the libraries report (SIMD, ONNX Runtime's device) and stack traces")
  void verbose(boolean v) {
    Logs.configure(v);
  }

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line, writing to the given streams; returns the exit code. */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    Logs.configure(false);
    CommandLine cl = new CommandLine(new Nhl());
    // --labels backbone as well as BACKBONE, --objective dsh as DSH
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((e, line, parse) -> {
      // the user's input: exit 2 and what is wrong; anything else is a failure while working or a
      // defect: exit 1, with the stack trace under --verbose
      boolean input = e instanceof BadInput || e instanceof java.nio.file.NoSuchFileException
          || e instanceof java.nio.file.NotDirectoryException;
      String msg = e instanceof java.nio.file.NoSuchFileException nf ? "no such file: " + nf.getFile()
          + (nf.getReason() == null ? "" : " (" + nf.getReason() + ")") : e.getMessage();
      line.getErr().println("nhl " + line.getCommandName() + ": " + (msg == null ? e.toString() : msg));
      if (!input) {
        if (Logs.verbose()) {
          e.printStackTrace(line.getErr());
        } else if (!(e instanceof java.io.IOException)) {
          line.getErr().println("nhl " + line.getCommandName() + ": " + e.getClass().getName()
              + " (--verbose shows where it was thrown)");
        }
      }
      return input ? 2 : 1;
    });
    return cl.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed");
  }
}
