package io.sensorflow.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Answers a range query on one series from the cheapest data that answers it exactly: raw readings when no step is
 * asked for, hour rollups for steps that are whole hours, minute rollups for whole minutes, and raw readings
 * aggregated here for anything finer.
 *
 * <p>Steps are aligned to the epoch (a 5m step has buckets at :00, :05, ...): {@code from} is rounded down to a whole
 * step, and a step bucket holds the rollup buckets that start in it.
 */
public final class SeriesQuery {

    /** The most raw readings one step query aggregates in memory; beyond, it must use a step of whole minutes. */
    public static final int MAX_RAW_SCAN = 200_000;

    /**
     * @param step zero for raw readings
     */
    public record Request(String sensor, String metric, long from, long to, long step, int limit) {
    }

    /**
     * @param source    raw, 1m or 1h
     * @param points    raw readings (step zero)
     * @param buckets   one per step that has readings (step queries)
     * @param truncated whether there were more raw readings than the limit; the next page starts after the last
     */
    public record Result(String source, List<Point> points, List<Bucket> buckets, boolean truncated) {
    }

    private SeriesQuery() {
    }

    /** @throws IllegalArgumentException when the query would be too big, with what to change */
    public static Result run(ReadingStore store, Request request) {
        if (request.step() == 0) {
            List<Point> points = store.readings(request.sensor(), request.metric(), request.from(), request.to(),
                    request.limit() + 1);
            boolean truncated = points.size() > request.limit();
            return new Result("raw", truncated ? points.subList(0, request.limit()) : points, List.of(), truncated);
        }
        long step = request.step();
        long start = Math.floorDiv(request.from(), step) * step;
        long steps = request.to() <= start ? 0 : (request.to() - start + step - 1) / step;
        if (steps > request.limit()) {
            throw new IllegalArgumentException("a step of " + step + " ms over this range gives " + steps
                    + " buckets, more than limit=" + request.limit() + "; use a larger step or a shorter range");
        }
        long end = start + steps * step;
        Optional<Resolution> resolution = Resolution.forStep(step);
        if (resolution.isPresent()) {
            Resolution r = resolution.get();
            int rows = (int) Math.min(Integer.MAX_VALUE, steps * (step / r.millis()));
            List<Bucket> rollups = store.rollups(request.sensor(), request.metric(), r, start, end, rows);
            return new Result(r.label(), List.of(), downsample(rollups, step), false);
        }
        List<Point> points = store.readings(request.sensor(), request.metric(), start, end, MAX_RAW_SCAN + 1);
        if (points.size() > MAX_RAW_SCAN) {
            throw new IllegalArgumentException("more than " + MAX_RAW_SCAN + " raw readings in this range; use a "
                    + "step of whole minutes (answered from rollups) or a shorter range");
        }
        List<Bucket> single = new ArrayList<>(points.size());
        for (Point p : points) {
            single.add(Bucket.of(p.timestamp(), p.timestamp(), p.value()));
        }
        return new Result("raw", List.of(), downsample(single, step), false);
    }

    /** Merges buckets (rollups, or single readings) into epoch-aligned buckets of {@code step}, oldest first. */
    public static List<Bucket> downsample(List<Bucket> buckets, long step) {
        TreeMap<Long, Bucket> merged = new TreeMap<>();
        for (Bucket b : buckets) {
            long start = Math.floorDiv(b.start(), step) * step;
            merged.merge(start, new Bucket(start, b.min(), b.max(), b.sum(), b.count(), b.lastTs(), b.last()),
                    (x, y) -> x.merge(start, y));
        }
        return new ArrayList<>(merged.values());
    }
}
