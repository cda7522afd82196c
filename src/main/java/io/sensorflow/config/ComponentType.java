package io.sensorflow.config;

import java.util.function.Function;

/**
 * One type of a component: the name that a config's {@code type} selects it by, and how a section of that type
 * becomes its validated config record. The section has the type's defaults applied, and the parser reads only the
 * keys it knows; the {@link Binding} reports the rest.
 */
public record ComponentType<C>(String name, Function<Section, ? extends C> parser) {

    public C parse(Section section) {
        return parser.apply(section);
    }
}
