package io.sensorflow.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reading HOCON files, with every failure a {@link ConfigException} that names the file and line. */
public final class Hocon {

    private Hocon() {
    }

    /**
     * Parses a file, not resolving substitutions yet. Its includes are files relative to the directory of the file
     * that holds them, whatever the working directory, and each must exist ({@link FileIncluder}).
     *
     * @param what what the file is, for the message when there is none ("config file", "test file")
     * @throws ConfigException if it or a file it includes is missing or not HOCON
     */
    public static Config parseFile(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(List.of(new ConfigProblem(file.toString(), 0, "-", "no such " + what)));
        }
        List<ConfigProblem> missing = new ArrayList<>();
        try {
            Config parsed = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults()
                    .setSyntax(ConfigSyntax.CONF).setAllowMissing(false)
                    .setIncluder(FileIncluder.forFile(file, missing)));
            if (!missing.isEmpty()) {
                throw new ConfigException(missing);
            }
            return parsed;
        } catch (com.typesafe.config.ConfigException e) {
            throw failure(e);
        }
    }

    /** Parses a resource of the jar. @throws ConfigException if it is missing or not HOCON */
    public static Config parseResource(String resource) {
        try {
            return ConfigFactory.parseResources(Hocon.class.getClassLoader(), resource,
                    ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (com.typesafe.config.ConfigException e) {
            throw failure(e);
        }
    }

    /**
     * Resolves {@code ${...}} substitutions of {@code parsed} over {@code fallback}; system properties and
     * environment variables take part in {@code ${?ENV}} substitution only.
     *
     * @throws ConfigException naming the substitution that does not resolve
     */
    public static Config resolve(Config parsed, Config fallback) {
        try {
            return parsed.withFallback(fallback).resolve(ConfigResolveOptions.defaults().setAllowUnresolved(false));
        } catch (com.typesafe.config.ConfigException e) {
            throw failure(e);
        }
    }

    private static ConfigException failure(com.typesafe.config.ConfigException e) {
        return new ConfigException(List.of(ConfigProblem.at(e.origin(), "-", Section.cleanMessage(e))));
    }
}
