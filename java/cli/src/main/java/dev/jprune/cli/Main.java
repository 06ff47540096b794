package dev.jprune.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** jprune's command line. The only class that exits the JVM. */
@Command(name = "jprune", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Gradient-based pruning of neural networks: train, rank weights by gradient information,"
                + " prune, fine-tune, export.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:success",
                "2:bad usage or input, or a result that is not a finite number (a diverged run); nothing is written",
                "1:any other failure (one 'error:' line; JPRUNE_DEBUG=1 adds the stack trace)",
                "3:doctor only: no usable GPU"},
        subcommands = {DemoCommand.class, TrainCommand.class, PruneCommand.class, EvalCommand.class,
                ExportCommand.class, InfoCommand.class, DoctorCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /**
     * Runs the command line and returns the exit code: 0 ok, 2 bad usage or input (including results that are not
     * finite numbers), 1 any other failure; {@code doctor} returns 3 when there is no usable GPU. Never throws:
     * every exception and error (OutOfMemoryError included) becomes one line on stderr.
     */
    public static int run(String... args) {
        try {
            CommandLine cl = new CommandLine(new Main());
            cl.registerConverter(java.nio.file.Path.class, Main::path); // every subcommand's Path options
            cl.setParameterExceptionHandler((ex, a) -> {
                String name = ex.getCommandLine().getCommandName();
                String help = "jprune " + (name.equals("jprune") ? "" : name + " ") + "--help";
                System.err.println("error: " + ex.getMessage() + " (see '" + help + "')");
                return Errors.BAD_INPUT;
            });
            cl.setExecutionExceptionHandler((ex, c, parsed) -> report(ex));
            return cl.execute(args);
        } catch (Throwable t) { // Errors (OutOfMemoryError, ...) pass picocli's handler by
            return report(t);
        }
    }

    /** A path option's value: an empty one would mean the working folder, never what was meant. */
    static java.nio.file.Path path(String s) {
        if (s.isEmpty()) throw new CommandLine.TypeConversionException("the path is empty; expected a file or folder");
        return java.nio.file.Path.of(s);
    }

    /** A text option's value that must not be empty (picocli converter; subclasses say what was expected). */
    abstract static class NonEmpty implements CommandLine.ITypeConverter<String> {
        private final String expected;

        NonEmpty(String expected) { this.expected = expected; }

        @Override
        public String convert(String s) {
            if (s.isBlank()) throw new CommandLine.TypeConversionException("it is empty; expected " + expected);
            return s;
        }
    }

    /** --model: a built-in name or a model file. */
    static final class ModelName extends NonEmpty {
        ModelName() { super("a built-in model name or a .json model file"); }
    }

    /** --data: a data set specification. */
    static final class DataName extends NonEmpty {
        DataName() { super("embedded, fashion-mnist, a folder, csv:FILE or synthetic-regression/-cifar10[:...]"); }
    }

    private static int report(Throwable t) {
        System.err.println("error: " + Errors.describe(t));
        if (Errors.debug()) t.printStackTrace(System.err);
        return Errors.exitCode(t);
    }

    /** --version: the library's version as the build recorded it. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() { return new String[] {"jprune " + dev.jprune.Version.get()}; }
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(run(args));
    }
}
