package io.sensorflow.rule.type;

import java.util.Arrays;

/** What a window rule computes over the samples of one window. */
public enum Aggregate {
    AVG, MIN, MAX, SUM, COUNT, STDDEV, P50, P90, P95, P99, FIRST, LAST, DELTA;

    /**
     * Computes over samples {@code [from, to)}, which hold at least one sample. {@code stddev} is the sample
     * standard deviation (n − 1), 0 for one sample; percentiles interpolate linearly between the closest ranks.
     */
    double compute(Samples samples, int from, int to) {
        int n = to - from;
        switch (this) {
            case COUNT:
                return n;
            case FIRST:
                return samples.value(from);
            case LAST:
                return samples.value(to - 1);
            case DELTA:
                return samples.value(to - 1) - samples.value(from);
            case P50:
                return percentile(samples, from, to, 0.50);
            case P90:
                return percentile(samples, from, to, 0.90);
            case P95:
                return percentile(samples, from, to, 0.95);
            case P99:
                return percentile(samples, from, to, 0.99);
            default:
                break;
        }
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) {
            double v = samples.value(i);
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return switch (this) {
            case SUM -> sum;
            case MIN -> min;
            case MAX -> max;
            case AVG -> sum / n;
            case STDDEV -> stddev(samples, from, to, sum / n);
            default -> throw new IllegalStateException(name());
        };
    }

    private static double stddev(Samples samples, int from, int to, double mean) {
        int n = to - from;
        if (n < 2) {
            return 0;
        }
        double squares = 0;
        for (int i = from; i < to; i++) {
            double d = samples.value(i) - mean;
            squares += d * d;
        }
        return Math.sqrt(squares / (n - 1));
    }

    private static double percentile(Samples samples, int from, int to, double q) {
        double[] sorted = new double[to - from];
        for (int i = from; i < to; i++) {
            sorted[i - from] = samples.value(i);
        }
        Arrays.sort(sorted);
        double rank = q * (sorted.length - 1);
        int lower = (int) Math.floor(rank);
        int upper = Math.min(sorted.length - 1, lower + 1);
        return sorted[lower] + (rank - lower) * (sorted[upper] - sorted[lower]);
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
