package dev.jprune.spark;

import dev.jprune.models.ModelSpec;
import dev.jprune.models.Models;
import java.io.Serializable;

/**
 * Builds the model on the driver and on every executor (a {@code Sequential} is not serialisable; its weights travel
 * in a {@link ModelState}). Every call must build the same architecture: executors check it against the driver's
 * ({@link ModelState#requireSameArchitecture}). The initial weights matter only on the driver.
 */
@FunctionalInterface
public interface ModelFactory extends Serializable {
    /** A fresh model. */
    ModelSpec create();

    /** One of the library's models by name ({@link Models#build}), weights drawn from {@code seed}. */
    static ModelFactory named(String name, long seed) {
        Models.build(name, seed); // fail on the driver, with the list of names, before any job runs
        return () -> Models.build(name, seed);
    }
}
