package dev.jprune.cli;

import dev.jprune.io.Checkpoint;
import dev.jprune.io.InputFiles;
import dev.jprune.io.Layout;
import dev.jprune.models.Architecture;
import dev.jprune.models.CheckpointModels;
import dev.jprune.models.Models;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * --model NAME|FILE.json and the model a --weights checkpoint carries: which architecture a command builds, whether
 * the two agree, and the lines that say where it came from and how the weights were stored.
 */
final class ModelArgs {
    /** The model of the training commands when --model is not given. */
    static final String DEFAULT_MODEL = "lenet-300-100";

    private ModelArgs() {}

    /** --model's architecture: a built-in name or a model file (its errors name the file, layer and field). */
    static Architecture named(String arg) throws IOException {
        return Models.resolve(arg);
    }

    /** --weights FILE exists and is a file (checked before anything reads it). */
    static void checkWeightsFile(Path weights, String option) {
        checkInputFile(weights, option, "a .safetensors file");
    }

    /**
     * {@code option FILE} is an existing regular file: a folder, a FIFO or a device (which would block or read as
     * empty) and a missing file are refused, saying which and that {@code expected} was expected.
     */
    static void checkInputFile(Path file, String option, String expected) {
        String bad = InputFiles.fault(file);
        if (bad != null) {
            throw new IllegalArgumentException(option + " " + file + ": " + bad
                    + (Files.exists(file) ? "; expected " + expected : ""));
        }
    }

    /**
     * The architecture for the checkpoint {@code weights}: --model when given (refused when the checkpoint carries a
     * different model), else the one the checkpoint carries or implies (a chain of Linear layers, stated on
     * {@code r}), else null: the checkpoint implies no model.
     *
     * @throws IllegalArgumentException when --model disagrees with the model the checkpoint carries, naming the layer
     */
    static Architecture forWeights(String modelArg, Path weights, Reporter r) throws IOException {
        CheckpointModels.Found found = CheckpointModels.find(weights);
        if (modelArg != null && DataLoading.sizedByData(modelArg)) {
            // linear-/logistic-regression have no fixed size: the checkpoint's one Linear layer gives it
            if (found != null && found.architecture().layers().size() == 1) return found.architecture();
            throw new IllegalArgumentException("--model " + modelArg + " is sized by tabular data, and " + weights
                    + " carries no one-layer model to size it; leave --model out or give a model file (.json)");
        }
        if (modelArg != null) {
            Architecture given = named(modelArg);
            if (found != null && found.source() != CheckpointModels.Source.LINEAR_CHAIN) {
                String diff = given.difference(found.architecture(), "--model", "the file");
                if (diff != null) {
                    throw new IllegalArgumentException("--model " + modelArg + " disagrees with the model "
                            + found.architecture().name() + " that " + weights + " carries: " + diff
                            + "; leave --model out to use the file's");
                }
            }
            return given;
        }
        if (found == null) return null;
        if (found.source() == CheckpointModels.Source.LINEAR_CHAIN) {
            r.line("model: " + found.architecture().name() + ", " + found.description() + ": "
                    + found.architecture().build(0).net().describe()
                    + " (if that is not the network, give --model FILE.json)");
        } else {
            r.line("model: " + found.architecture().name() + " (" + found.description() + ")");
        }
        return found.architecture();
    }

    /** As {@link #forWeights}, with the error that asks for --model when the checkpoint implies no model. */
    static Architecture requiredForWeights(String modelArg, Path weights, Reporter r) throws IOException {
        Architecture a = forWeights(modelArg, weights, r);
        if (a == null) throw CheckpointModels.noModel(weights);
        return a;
    }

    /** "read FILE: layout torch-prune, 3 masks" for what {@link Checkpoint#load} found. */
    static String describeLoaded(Path weights, Checkpoint.Loaded l) {
        String masks = l.masks() == 0 ? "no masks" : l.masks() == 1 ? "1 mask" : l.masks() + " masks";
        return "read " + weights + ": layout " + l.layout().cliName() + ", " + masks;
    }

    /** "FILE (layout L)", plus where the masks went for the plain layout. */
    static String describeWritten(Path file, Layout layout, Path masksOut) {
        if (layout != Layout.PLAIN) return file + " (layout " + layout.cliName() + ")";
        return file + " (layout plain" + (masksOut == null ? ", masks not written: --masks-out FILE keeps them)"
                : "; masks in " + masksOut + ")");
    }
}
