package io.sensorflow.http;

import java.util.Iterator;

/**
 * Which part of the API a request is for, from its path alone, as one of a small fixed set: the scope a request
 * needs ({@link Authorizer}) and the label it is counted under follow from it, so strange paths can neither slip
 * past a check nor grow the metric's series.
 */
final class RouteLabel {

    static final String HEALTH = "health";
    static final String METRICS = "metrics";
    /** A push source's path under {@code /api/v1/}. */
    static final String SOURCE = "source";
    static final String OTHER = "other";
    /** The dashboard's page ({@code /}) and its files under {@code /ui/}. */
    static final String DASHBOARD = "dashboard";

    private RouteLabel() {
    }

    /** health, metrics, dashboard, a resource's own path (one of {@link HttpApi#OWN_PATHS}), source or other. */
    static String of(Iterable<String> path) {
        Iterator<String> segments = path.iterator();
        String first = segments.hasNext() ? segments.next() : "";
        if (first.equals(HEALTH) || first.equals(METRICS)) {
            return first;
        }
        if (first.isEmpty() && !segments.hasNext() || first.equals("ui")) {
            return DASHBOARD;
        }
        if (first.equals("api") && segments.hasNext() && segments.next().equals("v1") && segments.hasNext()) {
            String resource = segments.next();
            return HttpApi.OWN_PATHS.contains(resource) ? resource : SOURCE;
        }
        return OTHER;
    }
}
