package io.sensorflow.telemetry;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * How a configured URL is shown in logs, metrics, health details, dead letters and API answers. Services put keys
 * in URLs (a weather API's {@code ?appid=}, a chat webhook's {@code ?token=}, {@code user:password@host}); whoever
 * reads a log or the dead letters must not get them. The values of parameters whose names say they are secret are
 * hidden, and user info always; the others stay, so that feeds of one API that differ by a station or a sensor id
 * can still be told apart (they are metric labels too).
 */
public final class Redact {

    static final String HIDDEN = "***";
    /** Parts of a parameter's name that mark its value secret (api_key, access_token, client_secret, sig, ...). */
    private static final Pattern SECRET = Pattern.compile(
            "key|token|secret|pass|pwd|auth|sig|appid|credential|session|code", Pattern.CASE_INSENSITIVE);

    private Redact() {
    }

    /** {@code uri} with its user info and secret query values replaced by {@value #HIDDEN}, and no fragment. */
    public static String url(URI uri) {
        if (uri.getRawQuery() == null && uri.getRawUserInfo() == null && uri.getRawFragment() == null) {
            return uri.toString();
        }
        if (uri.getHost() == null) {
            // Not a URL with an authority (a typo in the config): show nothing after the scheme's part.
            String text = uri.toString();
            int cut = text.indexOf('?');
            return (cut < 0 ? text : text.substring(0, cut)) + (cut < 0 ? "" : "?" + HIDDEN);
        }
        StringBuilder shown = new StringBuilder();
        shown.append(uri.getScheme()).append("://");
        if (uri.getRawUserInfo() != null) {
            shown.append(HIDDEN).append('@');
        }
        shown.append(uri.getHost());
        if (uri.getPort() >= 0) {
            shown.append(':').append(uri.getPort());
        }
        shown.append(uri.getRawPath() == null ? "" : uri.getRawPath());
        if (uri.getRawQuery() != null) {
            shown.append('?');
            String[] parameters = uri.getRawQuery().split("&", -1);
            for (int i = 0; i < parameters.length; i++) {
                int equals = parameters[i].indexOf('=');
                boolean secret = equals >= 0 && SECRET.matcher(parameters[i].substring(0, equals)).find();
                shown.append(i == 0 ? "" : "&").append(secret ? parameters[i].substring(0, equals + 1) + HIDDEN
                        : parameters[i]);
            }
        }
        return shown.toString();
    }
}
