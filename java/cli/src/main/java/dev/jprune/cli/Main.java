package dev.jprune.cli;

import java.io.IOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** jprune's command line. The only class that exits the JVM. */
@Command(name = "jprune", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Gradient-based pruning of neural networks: train, rank weights by gradient information, prune, fine-tune, export.",
        subcommands = {DemoCommand.class, TrainCommand.class, PruneCommand.class, EvalCommand.class, ExportCommand.class,
                InfoCommand.class, DoctorCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Runs the command line and returns the exit code (0 ok, 2 bad usage or input, 1 failure). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, a) -> {
            System.err.println("error: " + ex.getMessage() + " (see 'jprune " + (ex.getCommandLine().getCommandName().equals("jprune") ? "" : ex.getCommandLine().getCommandName() + " ") + "--help')");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof IOException || ex instanceof IllegalStateException || ex instanceof ArithmeticException) {
                System.err.println("error: " + ex.getMessage());
                return 2;
            }
            System.err.println("error: unexpected " + ex);
            ex.printStackTrace(System.err);
            return 1;
        });
        return cl.execute(args);
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
