package dev.jprune.prune;

import static org.junit.jupiter.api.Assertions.*;

import dev.jprune.testutil.Properties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The text forms of a {@link ScoreMix}: {@link ScoreMix#describe} is what {@link ScoreMix#parse} reads back to the
 * same mix, for any terms; {@code --mix-norm} words parse case-insensitively; a bad term's message quotes it.
 */
class ScoreMixTextTest {
    private static final Criterion[] TERMS = {Criterion.MAGNITUDE, Criterion.GRADIENT, Criterion.TAYLOR,
        Criterion.TAYLOR_SQUARED};

    @Test
    void describeParsesBackToTheSameMix() {
        Properties.forAll("parse(describe(mix)) = mix", 0, Duration.ofSeconds(5), r -> {
            List<Criterion> order = new ArrayList<>(List.of(TERMS));
            Collections.shuffle(order, new java.util.Random(r.nextLong()));
            int n = 1 + r.nextInt(TERMS.length);
            List<ScoreMix.Term> terms = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                double w = r.nextInt(4) == 0 ? 0 : r.nextDouble() * Math.pow(10, r.nextInt(7) - 3);
                terms.add(new ScoreMix.Term(order.get(i), i == 0 ? w + 0.5 : w));
            }
            ScoreMix.Normalization norm = ScoreMix.Normalization.values()[r.nextInt(3)];
            ScoreMix mix = new ScoreMix(terms, norm);
            String text = mix.describe();
            assertFalse(text.startsWith(",") || text.endsWith(",") || text.contains(",,"), text);
            assertEquals(n, text.split(",").length, text);
            assertEquals(mix, ScoreMix.parse(text, norm), text);
        });
        assertEquals("taylor2=1.0", new ScoreMix(List.of(new ScoreMix.Term(Criterion.TAYLOR_SQUARED, 1)),
                ScoreMix.Normalization.MAX).describe());
    }

    @Test
    void normalisationWordsParseInAnyCase() {
        assertEquals(ScoreMix.Normalization.MEAN, ScoreMix.parseNormalization("mean"));
        assertEquals(ScoreMix.Normalization.MAX, ScoreMix.parseNormalization(" MAX "));
        assertEquals(ScoreMix.Normalization.RANK, ScoreMix.parseNormalization("Rank"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ScoreMix.parseNormalization("median"));
        assertEquals("--mix-norm must be mean, max or rank; got 'median'", e.getMessage());
    }

    @Test
    void aBadTermIsQuotedInTheMessage() {
        assertEquals("--mix: the weight of gradient is not a number: 'abc'", message("gradient=abc"));
        assertEquals("--mix: the weight of taylor is not a number: ''", message("taylor= "));
        assertTrue(message("=0.5").startsWith("--mix: unknown criterion ''"), "an empty name is an unknown criterion");
        assertTrue(message("magnitude").startsWith("--mix term 'magnitude' must look like criterion=weight"));
        assertTrue(message("taylor-squared=1,taylor2=1").contains("taylor2 appears twice"));
    }

    private static String message(String mix) {
        return assertThrows(IllegalArgumentException.class, () -> ScoreMix.parse(mix, ScoreMix.Normalization.MEAN))
                .getMessage();
    }
}
