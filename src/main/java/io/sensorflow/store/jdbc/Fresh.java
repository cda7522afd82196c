package io.sensorflow.store.jdbc;

/**
 * What an insert of readings did: the first {@code count} rows of the arrays were new, and so belong in the rollups;
 * {@code afterCommit} is what the dialect keeps in memory about them once the transaction has committed.
 */
record Fresh(int[] series, long[] timestamps, double[] values, int count, Runnable afterCommit) {

    static final Runnable NOTHING = () -> { };

    static Fresh none() {
        return new Fresh(new int[0], new long[0], new double[0], 0, NOTHING);
    }
}
