package io.sensorflow.model;

import java.util.Map;

/**
 * What the rule engine keeps durably about one alert of one rule, so that a restart neither re-fires nor forgets an
 * alert, and a running {@code for} resumes. Written in the same transaction as the readings that changed it. Window
 * contents and baselines are not in here: they are rebuilt from the stored readings.
 *
 * @param rule          the rule's name
 * @param kind          the rule's type, match and derivation settings when this was written; state written under
 *                      another kind (the rule changed what it remembers or looks at) is not restored
 * @param phase         inactive, pending or firing
 * @param since         event time the condition started to hold (Long.MIN_VALUE: none)
 * @param clearSince    event time the clearing condition started to hold while firing (Long.MIN_VALUE: none)
 * @param lastTimestamp event time of the newest observation judged
 * @param lastArrival   processing time at which it was judged
 * @param episodeId     the id of the current or last episode
 * @param lastNotified  event time of the last firing whose actions ran, for cooldown (Long.MIN_VALUE: never)
 * @param firedAt       processing time the current episode fired, for repeat-every
 * @param repeats       per action of the rule, how many repeats have run in this episode
 * @param muted         why the current episode's actions are held back, or null
 * @param value         the last derived value judged
 * @param tags          the tags of the alert
 */
public record RuleState(String rule, String kind, String sensor, String metric, String group, AlertState phase,
                        long since, long clearSince, long lastTimestamp, long lastArrival, String episodeId,
                        long lastNotified, long firedAt, long[] repeats, String muted, double value,
                        Map<String, String> tags) {
}
