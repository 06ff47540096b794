package dev.jprune.data;

import dev.jprune.io.InputFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Tabular data from a CSV file: a header row of column names, then one row per sample of numeric cells. One column is
 * the target (regression: any number; classification: a class label, a whole number ≥ 0); every other column is a
 * feature, so a sample has shape [features].
 *
 * <p><b>Format</b> (RFC 4180 without line breaks in fields): cells separated by commas; a cell may be enclosed in
 * double quotes ({@code ""} inside for a quote); spaces around a cell are ignored; lines end in LF or CRLF; a leading
 * UTF-8 byte-order mark and blank lines are ignored. A number is a decimal like {@code -1}, {@code 2.5},
 * {@code .5e-3} and must be finite as a float: NaN, Infinity, hex and Java suffixes ({@code 1f}) are refused.
 *
 * <p><b>Faults</b> — an empty file, no data row, a ragged row, an empty or non-numeric cell, a non-integer or negative
 * class label, an unknown target column, duplicate column names — throw {@link DatasetFormatException} naming the
 * file and the line (1-based, the header is line 1) and column (name and 1-based position).
 *
 * <p><b>Split</b>: the rows are permuted with {@code new Rng(splitSeed).shuffle} and the last
 * {@code round(testFraction · n)} (at least 1, at most n − 1) become the test split: the split depends only on the
 * file, the fraction and the seed, so train, prune and eval see the same test rows.
 */
public final class CsvData {
    private CsvData() {}

    /**
     * How a CSV becomes a data set.
     *
     * @param target         the target column's name (null: the last column)
     * @param classification the target holds class labels (else real values: regression)
     * @param testFraction   fraction of the rows held out as the test split, in (0, 1)
     * @param splitSeed      seed of the row permutation before the split
     */
    public record Options(String target, boolean classification, double testFraction, long splitSeed) {
        /** Regression on the last column, 20% of the rows held out, split seed 0. */
        public static final Options DEFAULT = new Options(null, false, 0.2, 0);

        /** @throws IllegalArgumentException for a test fraction outside (0, 1) */
        public Options {
            if (!(testFraction > 0 && testFraction < 1)) {
                throw new IllegalArgumentException("--test-fraction must be in (0, 1), got " + testFraction);
            }
        }
    }

    /** A parsed table: column names and the cells as floats, row-major [rows × columns]. */
    public record Table(List<String> columns, float[] cells, int rows, int[] lines) {}

    /** The accepted number syntax (decimal, optional exponent). */
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    /**
     * Reads {@code file} as a train/test split (see the class comment).
     *
     * @throws DatasetFormatException for any fault of the file's contents, naming line and column
     * @throws java.nio.file.NoSuchFileException when the file does not exist
     */
    public static Split read(Path file, Options o) throws IOException {
        String fault = InputFiles.fault(file);
        if (fault != null && Files.exists(file)) {
            throw new DatasetFormatException(file + ": " + fault + "; expected a .csv file");
        }
        Table t;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            t = parse(r, file.toString());
        } catch (java.nio.charset.MalformedInputException e) {
            throw new DatasetFormatException(file + ": not UTF-8 text (a CSV file was expected)");
        }
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        return split(t, o, file.toString(), name);
    }

    /**
     * Parses CSV text from {@code in} (see the class comment); {@code source} names it in messages.
     *
     * @throws DatasetFormatException for a fault, naming the line and column
     */
    public static Table parse(Reader in, String source) throws IOException {
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        List<String> header = null;
        FloatList cells = new FloatList();
        List<Integer> lines = new ArrayList<>();
        int lineNo = 0;
        String line;
        while ((line = r.readLine()) != null) {
            lineNo++;
            if (lineNo == 1 && !line.isEmpty() && line.charAt(0) == '\uFEFF') line = line.substring(1);
            if (line.isBlank()) continue;
            List<String> fields = fields(line, source, lineNo);
            if (header == null) {
                header = header(fields, source, lineNo);
                continue;
            }
            if (fields.size() != header.size()) {
                throw new DatasetFormatException(source + ": line " + lineNo + " has " + fields.size()
                        + " cells but the header has "
                        + header.size() + " columns (a ragged row)");
            }
            for (int c = 0; c < fields.size(); c++) cells.add(number(fields.get(c), source, lineNo, header, c));
            lines.add(lineNo);
        }
        if (header == null) throw new DatasetFormatException(source
                + ": empty file; expected a header row of column names, then data rows");
        if (lines.isEmpty()) throw new DatasetFormatException(source + ": no data rows after the header (line 1)");
        return new Table(List.copyOf(header), cells.toArray(), lines.size(),
                lines.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The table as a split: target column out, features in, rows permuted and split (see the class comment). */
    static Split split(Table t, Options o, String source, String name) throws DatasetFormatException {
        int cols = t.columns().size();
        if (cols < 2) {
            throw new DatasetFormatException(source + ": " + cols
                    + " column; need a target column and at least one feature column");
        }
        int target = cols - 1;
        if (o.target() != null) {
            target = t.columns().indexOf(o.target());
            if (target < 0) {
                throw new DatasetFormatException(source + ": no column named '" + o.target() + "' (--target); columns: "
                        + String.join(", ", t.columns()));
            }
        }
        int n = t.rows(), features = cols - 1;
        if (n < 2) throw new DatasetFormatException(source + ": " + n
                + " data row; need at least 2 (one for training, one for the test split)");
        float[] x = new float[n * features];
        float[] y = new float[n];
        int[] labels = o.classification() ? new int[n] : null;
        int maxLabel = 0;
        for (int i = 0; i < n; i++) {
            for (int c = 0, f = 0; c < cols; c++) {
                float v = t.cells()[i * cols + c];
                if (c == target) y[i] = v; else x[i * features + f++] = v;
            }
            if (labels != null) {
                float v = y[i];
                if (v < 0 || v != Math.rint(v) || v > 1_000_000) {
                    throw new DatasetFormatException(source + ": line " + t.lines()[i] + ", column '"
                            + t.columns().get(target) + "' ("
                            + (target + 1) + "): " + v
                                    + " is not a class label (a whole number from 0 to 1000000), as --task"
                            + " classification needs");
                }
                labels[i] = (int) v;
                maxLabel = Math.max(maxLabel, labels[i]);
            }
        }
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        new dev.jprune.util.Rng(o.splitSeed()).shuffle(perm);
        int test = (int) Math.max(1, Math.min(n - 1, Math.round(o.testFraction() * n)));
        int[] trainRows = java.util.Arrays.copyOfRange(perm, 0, n - test),
                testRows = java.util.Arrays.copyOfRange(perm, n - test, n);
        Dataset all = labels != null ? new Dataset(name, x, labels, new int[] {features}, maxLabel + 1)
                : Dataset.regression(name, x, y, new int[] {features}, 1);
        return new Split(all.select(trainRows, name + "/train"), all.select(testRows, name + "/test"));
    }

    private static List<String> header(List<String> fields, String source, int lineNo) throws DatasetFormatException {
        Map<String, Integer> seen = new HashMap<>();
        List<String> out = new ArrayList<>();
        for (int c = 0; c < fields.size(); c++) {
            String f = fields.get(c);
            if (f.isEmpty()) throw new DatasetFormatException(source + ": line " + lineNo + ": column " + (c + 1)
                    + " has no name (header row)");
            Integer before = seen.put(f, c);
            if (before != null) {
                throw new DatasetFormatException(source + ": line " + lineNo + ": column name '" + f
                        + "' appears twice (columns "
                        + (before + 1) + " and " + (c + 1) + ")");
            }
            out.add(f);
        }
        return out;
    }

    private static float number(String cell, String source, int lineNo, List<String> header,
            int c) throws DatasetFormatException {
        String where = source + ": line " + lineNo + ", column '" + header.get(c) + "' (" + (c + 1) + "): ";
        if (cell.isEmpty()) throw new DatasetFormatException(where + "empty cell; every cell must hold a number");
        if (!NUMBER.matcher(cell).matches()) {
            String shown = cell.length() > 40 ? cell.substring(0, 40) + "..." : cell;
            throw new DatasetFormatException(where + "'" + shown + "' is not a number");
        }
        float v = (float) Double.parseDouble(cell);
        if (!Float.isFinite(v)) throw new DatasetFormatException(where + cell + " is beyond the float range");
        return v;
    }

    /** The cells of one line, unquoted and trimmed. */
    static List<String> fields(String line, String source, int lineNo) throws DatasetFormatException {
        List<String> out = new ArrayList<>();
        int i = 0, n = line.length();
        while (true) {
            while (i < n && line.charAt(i) == ' ' || i < n && line.charAt(i) == '\t') i++;
            StringBuilder b = new StringBuilder();
            if (i < n && line.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) throw new DatasetFormatException(source + ": line " + lineNo
                            + ": a quoted cell has no closing quote");
                    char ch = line.charAt(i++);
                    if (ch == '"') {
                        if (i < n && line.charAt(i) == '"') { b.append('"'); i++; } else break;
                    } else {
                        b.append(ch);
                    }
                }
                while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) i++;
                if (i < n && line.charAt(i) != ',') {
                    throw new DatasetFormatException(source + ": line " + lineNo + ": text after a quoted cell (cell "
                            + (out.size() + 1) + ")");
                }
                out.add(b.toString().trim());
            } else {
                int comma = line.indexOf(',', i);
                int end = comma < 0 ? n : comma;
                out.add(line.substring(i, end).trim());
                i = end;
            }
            if (i >= n) break;
            i++;  // the comma
            if (i == n) { out.add(""); break; }
        }
        return out;
    }

    /** A growable float array. */
    private static final class FloatList {
        private float[] a = new float[1024];
        private int n;

        void add(float v) {
            if (n == a.length) {
                if (a.length > Integer.MAX_VALUE / 2 - 16) throw new IllegalArgumentException("CSV: more than 2^30 "
                        + "cells");
                a = java.util.Arrays.copyOf(a, a.length * 2);
            }
            a[n++] = v;
        }

        float[] toArray() { return java.util.Arrays.copyOf(a, n); }
    }
}
