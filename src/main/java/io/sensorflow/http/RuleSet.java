package io.sensorflow.http;

import io.sensorflow.config.ConfigProblem;
import io.sensorflow.rule.Rule;

import java.util.List;
import java.util.concurrent.CompletionStage;

/** The rules in force, as the API lists them and reloads them; the daemon's reloader is one. */
public interface RuleSet {

    List<Rule> rules();

    /** Reads the config again and swaps its rules and actions in; never fails: every failure is in the result. */
    CompletionStage<Reload> reload();

    /**
     * What a reload did.
     *
     * @param kept    rules whose state carried over
     * @param reset   rules that are new, or whose type, match or memory changed (their state starts afresh)
     * @param removed rules that are gone (their alerts left the board)
     * @param notes   settings that changed but need a restart
     */
    record Reload(boolean ok, List<ConfigProblem> problems, List<String> kept, List<String> reset,
                  List<String> removed, List<String> notes) {

        public static Reload failed(List<ConfigProblem> problems) {
            return new Reload(false, problems, List.of(), List.of(), List.of(), List.of());
        }
    }
}
