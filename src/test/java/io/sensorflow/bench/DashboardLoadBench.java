package io.sensorflow.bench;

import io.sensorflow.testing.Browser;
import io.sensorflow.testing.MosquittoBroker;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How long the dashboard takes to show what a big plant has, in Debian's headless Chromium against the daemon's jar:
 * the overview with {@code sensors} series (first page of rows on screen), and a sensor's chart over 30 days of one
 * reading a minute (chart and raw table on screen). Each is loaded {@code loads} times from a blank page; the time is
 * the wall clock from asking the browser for the page to the element on screen (WebDriver's polling every 5 ms
 * included).
 *
 * <p>Run: {@code mvn -B -Pdashboard-bench package -DskipTests} (options via {@code -Dbench.args="--sensors 10000"}).
 */
public final class DashboardLoadBench {

    private static final long MINUTE = 60_000;

    public static void main(String[] args) throws Exception {
        Path jar = null;
        Path out = Path.of("target/dashboard-bench");
        int sensors = 10_000;
        int days = 30;
        int loads = 7;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--jar" -> jar = Path.of(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                case "--sensors" -> sensors = Integer.parseInt(args[i + 1]);
                case "--days" -> days = Integer.parseInt(args[i + 1]);
                case "--loads" -> loads = Math.min(50, Integer.parseInt(args[i + 1]));
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; known: --jar --out --sensors --days --loads");
            }
        }
        if (jar == null) {
            throw new IllegalArgumentException("--jar is required");
        }
        Files.createDirectories(out);
        Path dir = Files.createTempDirectory("sensorflow-dashboard-bench");
        int port = MosquittoBroker.freePort();
        Path config = DaemonProcess.writePushConfig(dir, port, "max-past-skew = 0s", "");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<String> report = new ArrayList<>(List.of("| measure | value |", "|---|---|"));
        try (DaemonProcess daemon = new DaemonProcess(jar, config, port, dir,
                Arrays.asList("-Xms64m -Xmx160m -XX:+UseG1GC".split(" ")))) {
            long now = System.currentTimeMillis();
            StringBuilder body = new StringBuilder();
            int inBody = 0;
            for (int s = 0; s < sensors; s++) {
                body.append(inBody++ == 0 ? "[" : ",").append(reading("sensor-" + s, 20 + s % 7, now - s));
                if (inBody == 1000 || s == sensors - 1) {
                    post(http, port, body.append(']').toString());
                    body.setLength(0);
                    inBody = 0;
                }
            }
            long from = now - days * 86_400_000L;
            long history = 0;
            for (long ts = from; ts < now; ts += MINUTE) {
                body.append(inBody++ == 0 ? "[" : ",").append(reading("boiler", 60 + 10 * Math.sin(ts / 3.6e6), ts));
                history++;
                if (inBody == 1000) {
                    post(http, port, body.append(']').toString());
                    body.setLength(0);
                    inBody = 0;
                }
            }
            if (inBody > 0) {
                post(http, port, body.append(']').toString());
            }
            report.add(row("data", String.format(Locale.ROOT, "%,d sensors with a latest value; boiler: %,d "
                    + "readings over %d days", sensors, history, days)));
            String base = "http://127.0.0.1:" + port + "/";
            try (Browser browser = new Browser()) {
                double[] overview = times(browser, base + "#/", "tr[data-sensor]", loads);
                double[] chart = times(browser, base + "#/sensor/boiler/temperature?range=30d",
                        "main table tbody tr", loads);
                double[] day = times(browser, base + "#/sensor/boiler/temperature?range=24h",
                        "main table tbody tr", loads);
                report.add(row("overview, " + sensors + " series: first page of rows shown", summary(overview)));
                report.add(row("sensor page, 30 d chart (1 h step from the rollups) and raw table shown",
                        summary(chart)));
                report.add(row("sensor page, 24 h chart (2 min step) and raw table shown", summary(day)));
                report.add(row("browser console errors", String.valueOf(browser.consoleErrors().size())));
            }
        }
        report.forEach(System.out::println);
        Files.write(out.resolve("results.md"), report);
    }

    /** Wall-clock milliseconds from asking for the page to the element on screen, polled every 5 ms. */
    private static double[] times(Browser browser, String url, String shown, int loads) {
        ChromeDriver driver = browser.driver();
        double[] times = new double[loads];
        for (int i = 0; i < loads; i++) {
            driver.get("about:blank");
            long started = System.nanoTime();
            driver.get(url);
            WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
            wait.pollingEvery(Duration.ofMillis(5));
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(shown)));
            if (url.contains("/sensor/")) {
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".uplot canvas")));
            }
            times[i] = (System.nanoTime() - started) / 1e6;
        }
        return times;
    }

    private static String summary(double[] times) {
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        StringBuilder each = new StringBuilder();
        for (double t : times) {
            each.append(each.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", t));
        }
        return String.format(Locale.ROOT, "median %.0f ms, max %.0f ms (loads in order: %s ms)",
                sorted[sorted.length / 2], sorted[sorted.length - 1], each);
    }

    private static String reading(String sensor, double value, long ts) {
        return String.format(Locale.ROOT, "{\"sensor\":\"%s\",\"metric\":\"temperature\",\"value\":%.2f,"
                + "\"timestamp\":%d}", sensor, value, ts);
    }

    private static void post(HttpClient http, int port, String body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/api/v1/ingest")).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw new IllegalStateException("ingest answered " + response.statusCode() + ": " + response.body());
        }
    }

    private static String row(String measure, String value) {
        return "| " + measure + " | " + value + " |";
    }
}
