package io.sensorflow.config;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Resolves {@code include "x"} and {@code include file("x")} against the directory of the file that holds the
 * include, and makes a missing file an error. Typesafe Config on its own resolves against the including file's
 * parent only when the path it was given has one: for {@code --config sensorflow.conf} it looked on the class path,
 * found nothing and went on without the include, so the rules a config included vanished when the daemon was started
 * from the config's own directory. An optional include that silently adds nothing is the same trap, so sensorflow
 * has none. {@code include classpath(...)} and {@code include url(...)} keep Typesafe's behaviour.
 */
final class FileIncluder implements ConfigIncluder, ConfigIncluderFile {

    /** Typesafe's own limit on nesting is the stack; a file that includes itself would find it. */
    private static final int MAX_DEPTH = 16;
    private static final List<String> EXTENSIONS = List.of(".conf", ".json", ".properties");

    private final Path file;
    private final List<Path> chain;
    private final List<ConfigProblem> problems;

    /**
     * @param chain    the files whose includes led here, outermost first, this one last
     * @param problems where missing includes are reported, shared by every file of one parse
     */
    private FileIncluder(Path file, List<Path> chain, List<ConfigProblem> problems) {
        this.file = file;
        this.chain = chain;
        this.problems = problems;
    }

    /** The includer for the top file of a parse, collecting into {@code problems}. */
    static FileIncluder forFile(Path file, List<ConfigProblem> problems) {
        return new FileIncluder(file, List.of(file.normalize()), problems);
    }

    @Override
    public ConfigIncluder withFallback(ConfigIncluder fallback) {
        return this;
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
        return includeFile(context, new File(what));
    }

    @Override
    public ConfigObject includeFile(ConfigIncludeContext context, File what) {
        String name = what.getPath();
        Path wanted = resolve(name);
        Optional<Path> found = candidates(wanted).stream().filter(Files::isRegularFile).findFirst();
        if (found.isEmpty()) {
            problem(name, "includes " + wanted + ", which does not exist (an include is relative to the directory of "
                    + "the file that holds it, " + directory() + ")");
            return ConfigFactory.empty().root();
        }
        Path target = found.get().normalize();
        if (chain.contains(target)) {
            problem(name, "includes " + target + ", which is already being included: an include cycle");
            return ConfigFactory.empty().root();
        }
        if (chain.size() >= MAX_DEPTH) {
            problem(name, "includes are nested more than " + MAX_DEPTH + " deep");
            return ConfigFactory.empty().root();
        }
        List<Path> deeper = new ArrayList<>(chain);
        deeper.add(target);
        ConfigParseOptions options = context.parseOptions().setAllowMissing(false).setSyntax(null)
                .setOriginDescription(null).setIncluder(new FileIncluder(target, List.copyOf(deeper), problems));
        return ConfigFactory.parseFile(target.toFile(), options).root();
    }

    /** Relative to this file's directory, kept relative when this file's path is, so messages read as typed. */
    private Path resolve(String name) {
        Path path = Path.of(name);
        if (path.isAbsolute()) {
            return path.normalize();
        }
        Path parent = file.getParent();
        return (parent == null ? path : parent.resolve(path)).normalize();
    }

    private String directory() {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? "/" : parent.toString();
    }

    /** As Typesafe's heuristic include: a name without an extension may mean any of the three syntaxes. */
    private static List<Path> candidates(Path wanted) {
        String name = wanted.getFileName() == null ? "" : wanted.getFileName().toString();
        if (EXTENSIONS.stream().anyMatch(name::endsWith)) {
            return List.of(wanted);
        }
        List<Path> all = new ArrayList<>(List.of(wanted));
        EXTENSIONS.forEach(ext -> all.add(wanted.resolveSibling(name + ext)));
        return all;
    }

    /**
     * The include context knows no line, so the line is found in the text: the first {@code include} line that
     * names the file and has not been reported yet.
     */
    private void problem(String name, String message) {
        String shown = file.toString();
        int line = -1;
        try {
            List<String> lines = Files.readAllLines(file);
            Pattern statement = Pattern.compile("^\\s*include\\b.*[\"']" + Pattern.quote(name) + "[\"']");
            for (int i = 0; i < lines.size() && line < 0; i++) {
                int candidate = i + 1;
                if (statement.matcher(lines.get(i)).find() && problems.stream()
                        .noneMatch(p -> p.file().equals(shown) && p.line() == candidate)) {
                    line = candidate;
                }
            }
        } catch (IOException | RuntimeException e) {
            // The file was just parsed; if it cannot be read again, the problem goes without its line.
        }
        problems.add(new ConfigProblem(shown, line, "include", message));
    }
}
