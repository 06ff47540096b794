package dev.jprune.cli;

import dev.jprune.data.CsvData;
import dev.jprune.data.Datasets;
import dev.jprune.data.Split;
import dev.jprune.data.SyntheticRegression;
import dev.jprune.models.ModelOptions;
import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import java.io.IOException;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Which data a command reads and which model it builds for it: the CSV options, the default data of a regression
 * model, and the models whose size comes from tabular data (linear-regression, logistic-regression).
 */
final class DataLoading {
    private DataLoading() {}

    /** Loads {@code spec} with the CSV options of {@code d}. */
    static Split load(String spec, Options.Data d) throws IOException {
        String task = d.task.toLowerCase(Locale.ROOT);
        if (!spec.startsWith("csv:")) {
            // CSV options with other data would be silently ignored.
            String unused = d.target != null ? "--target" : !task.equals("regression") ? "--task"
                    : d.testFraction != 0.2 ? "--test-fraction" : null;
            if (unused != null) {
                throw new IllegalArgumentException(unused + " applies to csv: data only; --data " + spec
                        + " is not a CSV file");
            }
        }
        if (!task.equals("regression") && !task.equals("classification")) {
            throw new IllegalArgumentException("--task must be regression or classification; got '" + d.task + "'");
        }
        if (!(d.testFraction > 0 && d.testFraction < 1)) {
            throw new IllegalArgumentException("--test-fraction must be in (0, 1), got " + d.testFraction);
        }
        return Datasets.load(spec, new CsvData.Options(d.target, task.equals("classification"), d.testFraction, 0));
    }

    /** Whether {@code spec} names tabular data (samples of shape [features]). */
    static boolean tabular(String spec) {
        return spec.startsWith("csv:") || spec.equals(SyntheticRegression.NAME)
                || spec.startsWith(SyntheticRegression.NAME + ":");
    }

    /** Whether model {@code name} takes its input and output count from tabular data. */
    static boolean sizedByData(String name) {
        return name.equals("linear-regression") || name.equals("linear-regression-1")
                || name.equals(Models.LOGISTIC_REGRESSION);
    }

    /**
     * The data spec a command reads: --data when given; for a regression model without --data, the generated
     * linear problem with the model's feature count (linear-regression: 10, linear-regression-1: 1).
     */
    static String dataSpec(CommandSpec spec, Options.Data d, String model) {
        if (OptionChecks.given(spec, "--data")) return d.data;
        if (model.equals("linear-regression")) return SyntheticRegression.NAME + ":features=10";
        if (model.equals("linear-regression-1")) return SyntheticRegression.NAME;
        return d.data;
    }

    /**
     * Builds {@code name} (a built-in name, {@code logistic-regression} or a model file) with the model options; a
     * model sized by data gets the tabular data's feature and output count (the data is loaded now, once).
     */
    static ModelSpec build(String name, long seed, ModelOptionArgs args, Options.Data d, String dataSpec)
            throws IOException {
        ModelOptions o = args.options();
        if (sizedByData(name) && tabular(dataSpec)) {
            Split s = d.load(dataSpec);
            int out = s.train().isRegression() ? s.train().targetSize() : s.train().numClasses();
            o = o.withSizes(s.train().sampleSize(), out);
        }
        if (sizedByData(name)) return Models.build(name, seed, o);
        return Models.build(ModelArgs.named(name), seed, o);
    }
}
