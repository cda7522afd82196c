package io.sensorflow.codec;

/** Writing CSV that {@link ReadingFile} reads back exactly. */
public final class Csv {

    private Csv() {
    }

    /**
     * One cell; quoted when it holds a separator, a quote or a line break, or spaces at either end (ReadingFile trims
     * unquoted cells).
     */
    public static String cell(String text) {
        boolean plain = text.indexOf(',') < 0 && text.indexOf('"') < 0 && text.indexOf('\n') < 0
                && text.indexOf('\r') < 0
                && (text.isEmpty() || !Character.isWhitespace(text.charAt(0))
                && !Character.isWhitespace(text.charAt(text.length() - 1)));
        return plain ? text : '"' + text.replace("\"", "\"\"") + '"';
    }
}
