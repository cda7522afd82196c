package io.sensorflow.http;

import io.sensorflow.app.Daemon;
import io.sensorflow.testing.Browser;
import io.sensorflow.testing.DaemonExtension;
import io.sensorflow.testing.Http;
import io.sensorflow.testing.TestConfig;
import io.sensorflow.testing.TestMqttClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real browser against a real daemon, broker and store: sign in, live values, a 24 h chart from
 * stored readings, an alert that fires, acknowledge and silence, and not one error in the browser's console.
 * Screenshots go to target/screenshots, or where {@code -Dscreenshots.dir=docs/screenshots} says.
 */
class DashboardIT {

    @RegisterExtension
    static final DaemonExtension DAEMONS = DaemonExtension.withBroker();

    private static final String ADMIN = "dashboard-admin-token-0123456789";
    private static final Path SHOTS = Path.of(System.getProperty("screenshots.dir", "target/screenshots"));

    private static String reading(double value, long ts) {
        return "{\"value\": " + value + ", \"ts\": " + ts + "}";
    }

    /** A day of lab-1's temperature, one reading a minute, through the push source. */
    private static void storeADay(int port, long now) {
        for (int batch = 0; batch < 6; batch++) {
            StringBuilder body = new StringBuilder("[");
            for (int i = 0; i < 240; i++) {
                long minute = batch * 240L + i;
                long ts = now - 86_400_000L + minute * 60_000L;
                double value = 22 + 3 * Math.sin(minute / 120.0);
                body.append(i == 0 ? "" : ",").append("{\"sensor\": \"lab-1\", \"metric\": \"temperature\", ")
                        .append("\"value\": ").append(Math.round(value * 100) / 100.0).append(", \"timestamp\": ")
                        .append(ts).append(", \"tags\": {\"room\": \"lab\"}}");
            }
            Http.Response response = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/api/v1/ingest")).header("Authorization", "Bearer " + ADMIN)
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString(body.append("]").toString())).build());
            assertThat(response.status()).as(response.body()).isEqualTo(202);
        }
    }

    @Test
    void anOperatorWatchesAValueChangeAnAlertFireAndHandlesIt(TestConfig config) throws Exception {
        Daemon daemon = DAEMONS.start(config.named("dashboard").with("""
                http.auth.tokens { admin { token = "%s", scopes = [admin, ingest] } }
                sources.push { type = http-push }
                # A pager nobody answers, tried once: a failed delivery for the sources page to retry.
                actions.pager { type = webhook, url = "http://127.0.0.1:9/nobody-listens", timeout = 2s }
                rules.too-hot.actions = [ fan, pager ]
                pipeline.action-retry.max-attempts = 1
                pipeline.sequence-tag = seq
                """.formatted(ADMIN)));
        int port = daemon.httpPort();
        long now = System.currentTimeMillis();
        storeADay(port, now);
        try (TestMqttClient mqtt = new TestMqttClient(DAEMONS.broker()); Browser browser = new Browser()) {
            mqtt.publish("sensors/lab-2/humidity", reading(41, now));
            org.openqa.selenium.chrome.ChromeDriver driver = browser.driver();
            WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(10));
            driver.get("http://127.0.0.1:" + port + "/");

            // Sign in: the page holds a session cookie afterwards, never the token.
            WebElement token = wait.until(ExpectedConditions.visibilityOfElementLocated(By.name("token")));
            token.sendKeys(ADMIN);
            driver.findElement(By.cssSelector("#signin button[type=submit]")).click();
            By lab1 = By.cssSelector("tr[data-sensor='lab-1'][data-metric='temperature']");
            wait.until(ExpectedConditions.visibilityOfElementLocated(lab1));
            assertThat(driver.manage().getCookieNamed("sensorflow_session").isHttpOnly()).isTrue();

            // A reading published over MQTT shows on the overview within 2 s.
            WebDriverWait twoSeconds = new WebDriverWait(driver, Duration.ofSeconds(2));
            mqtt.publish("sensors/lab-1/temperature", reading(26.5, System.currentTimeMillis()));
            twoSeconds.until(ExpectedConditions.textToBePresentInElementLocated(lab1, "26.5"));
            browser.screenshot(SHOTS.resolve("overview-desktop.png"));

            // Its chart over the last 24 h of stored readings.
            driver.findElement(lab1).click();
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".uplot canvas")));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("main"), "Raw readings of"));
            assertThat(driver.getCurrentUrl()).contains("#/sensor/lab-1/temperature");
            Object points = driver.executeScript(
                    "return document.querySelectorAll('main table tbody tr').length");
            assertThat(((Number) points).intValue()).as("raw readings listed").isGreaterThan(50);
            browser.screenshot(SHOTS.resolve("sensor-desktop.png"));

            // A reading over the threshold: the alert shows as firing within 1 s.
            driver.get("http://127.0.0.1:" + port + "/#/alerts");
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("current-alerts")));
            wait.until(d -> d.findElement(By.id("live")).getAttribute("class").contains("on"));
            mqtt.publish("sensors/lab-1/temperature", reading(35, System.currentTimeMillis()));
            long published = System.nanoTime();
            By firing = By.cssSelector("#current-alerts tr[data-id] td.state-firing");
            new WebDriverWait(driver, Duration.ofSeconds(5)).until(ExpectedConditions.visibilityOfElementLocated(firing));
            Duration shown = Duration.ofNanos(System.nanoTime() - published);
            assertThat(shown).as("reading to firing alert on the page").isLessThan(Duration.ofSeconds(1));

            // Acknowledge it, then silence it, from the page.
            driver.findElement(By.xpath("//table[@id='current-alerts']//button[text()='Acknowledge']")).click();
            WebElement ackDialog = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("dialog[open]")));
            ackDialog.findElement(By.name("comment")).sendKeys("fan checked");
            ackDialog.findElement(By.cssSelector("button[type=submit]")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("current-alerts"), "acked by admin"));
            // Someone else acknowledges too, through the API: the row shows both, oldest first (the page polls).
            String episode = driver.findElement(By.cssSelector("#current-alerts tr[data-id]")).getAttribute("data-id");
            assertThat(Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/alerts/"
                    + episode + "/ack")).header("Authorization", "Bearer " + ADMIN)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"by\": \"night-shift\", \"comment\": \"still hot\"}")).build()).status()).isEqualTo(200);
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("current-alerts"),
                    "acked by night-shift"));
            assertThat(driver.findElement(By.id("current-alerts")).getText())
                    .containsSubsequence("acked by admin", "acked by night-shift");
            driver.findElement(By.xpath("//table[@id='current-alerts']//button[text()='Silence']")).click();
            WebElement silenceDialog = wait.until(ExpectedConditions.visibilityOfElementLocated(
                    By.cssSelector("dialog[open]")));
            silenceDialog.findElement(By.name("comment")).sendKeys("maintenance");
            silenceDialog.findElement(By.cssSelector("button[type=submit]")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("main"), "maintenance"));
            browser.screenshot(SHOTS.resolve("alerts-desktop.png"));
            assertThat(Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/silences"))
                    .header("Authorization", "Bearer " + ADMIN).build()).body()).contains("maintenance");

            // The episode's page lists every acknowledgement: who, when and why.
            driver.get("http://127.0.0.1:" + port + "/#/alerts/" + episode);
            WebElement acks = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("episode-acks")));
            assertThat(acks.getText()).containsSubsequence("admin", "fan checked", "night-shift", "still hot");

            // The other pages load, and everything reads on a phone.
            for (String page : List.of("rules", "sources")) {
                driver.get("http://127.0.0.1:" + port + "/#/" + page);
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("main .panel")));
                if (page.equals("sources")) {
                    // A numbered sender whose messages 3 and 4 never arrived: the page names the sensor.
                    StringBuilder numbered = new StringBuilder("[");
                    for (int seq : new int[] {1, 2, 5}) {
                        numbered.append(seq == 1 ? "" : ",").append("{\"sensor\": \"pump-1\", \"metric\": "
                                + "\"flow\", \"value\": 1, \"timestamp\": ").append(now - 10_000 + seq)
                                .append(", \"tags\": {\"seq\": \"").append(seq).append("\"}}");
                    }
                    Http.Response pushed = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                    + "/api/v1/ingest")).header("Authorization", "Bearer " + ADMIN)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(numbered + "]")).build());
                    assertThat(pushed.status()).as(pushed.body()).isEqualTo(202);
                    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(
                            "#sequence-gaps tr[data-sensor='pump-1']"), "pump-1"));
                    assertThat(driver.findElement(By.cssSelector("#sequence-gaps tr[data-sensor='pump-1'] td.num"))
                            .getText()).as("missing").isEqualTo("2");
                    // The pager's failed delivery, queued again from its button; it fails again, a second attempt.
                    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(
                            "#failed-deliveries .retry-delivery"))).click();
                    new WebDriverWait(driver, Duration.ofSeconds(10)).until(d -> Http.send(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + port + "/api/v1/deliveries?state=failed"))
                            .header("Authorization", "Bearer " + ADMIN).build()).body().contains("\"attempts\":2"));
                }
                browser.screenshot(SHOTS.resolve(page + "-desktop.png"));
            }
            browser.size(390, 844);
            for (String page : List.of("", "alerts", "sensor/lab-1/temperature")) {
                driver.get("http://127.0.0.1:" + port + "/#/" + page);
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("main table")));
                Object overflow = driver.executeScript(
                        "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
                assertThat(((Number) overflow).intValue()).as(page + " fits a phone's width").isLessThanOrEqualTo(0);
                browser.screenshot(SHOTS.resolve((page.isEmpty() ? "overview" : page.split("/")[0]) + "-phone.png"));
            }
            browser.size(1280, 900);
            // A sensor with state readings shows them as a timeline.
            Http.Response door = Http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/api/v1/ingest")).header("Authorization", "Bearer " + ADMIN)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "[{\"sensor\": \"door-1\", \"metric\": \"position\", \"state\": \"open\", \"timestamp\": "
                                    + (now - 600_000) + "}, {\"sensor\": \"door-1\", \"metric\": \"position\", "
                                    + "\"state\": \"closed\", \"timestamp\": " + (now - 60_000) + "}]")).build());
            assertThat(door.status()).as(door.body()).isEqualTo(202);
            driver.get("http://127.0.0.1:" + port + "/#/sensor/door-1/position?range=1h");
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("canvas.timeline")));

            // The API's browsable description.
            driver.get("http://127.0.0.1:" + port + "/ui/api.html");
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".swagger-ui .opblock")));
            assertThat(driver.findElements(By.cssSelector(".swagger-ui .opblock"))).hasSizeGreaterThan(20);
            browser.screenshot(SHOTS.resolve("api-desktop.png"));

            // Dark, as the theme button leaves it.
            driver.get("http://127.0.0.1:" + port + "/#/");
            wait.until(ExpectedConditions.visibilityOfElementLocated(lab1));
            driver.findElement(By.id("theme")).click();
            assertThat(driver.executeScript("return document.documentElement.dataset.theme")).isEqualTo("dark");
            driver.get("http://127.0.0.1:" + port + "/#/sensor/lab-1/temperature");
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".uplot canvas")));
            browser.screenshot(SHOTS.resolve("sensor-dark.png"));
            List<String> errors = new ArrayList<>(browser.consoleErrors());
            assertThat(errors).as("errors in the browser's console").isEmpty();
        }
    }
}
