package io.sensorflow.source;

import io.sensorflow.config.Section;

import java.util.List;
import java.util.Map;

/**
 * What a source's {@link SourceConfig#check} sees of the rest of the config.
 *
 * @param section    the source's own section, with its type's defaults: where its problems are recorded
 * @param before     the sources defined before it, in file order (a clash is reported at the later one)
 * @param apiPaths   the first path segments under {@code /api/v1/} that the HTTP API serves itself
 * @param maxPayload {@code pipeline.max-payload}: the largest payload the decode stage takes
 */
public record SourceChecks(Section section, Map<String, SourceConfig> before, List<String> apiPaths, int maxPayload) {
}
