package io.sensorflow.telemetry;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;

class RedactTest {

    @Test
    void secretQueryValuesAndUserInfoAreHiddenTheRestShown() {
        assertThat(Redact.url(URI.create("https://api.example.com/data/2.5/weather?q=Berlin&appid=abc123#x")))
                .isEqualTo("https://api.example.com/data/2.5/weather?q=Berlin&appid=***");
        assertThat(Redact.url(URI.create("http://user:pw@10.0.0.5:8080/status?flag&station=7&api_key=s&X-Amz-"
                + "Signature=f&access_token=t&password=p"))).isEqualTo("http://***@10.0.0.5:8080/status?flag&station=7"
                + "&api_key=***&X-Amz-Signature=***&access_token=***&password=***");
        assertThat(Redact.url(URI.create("http://[::1]:9/hook?token=t"))).isEqualTo("http://[::1]:9/hook?token=***");
    }

    @Test
    void aUrlWithNothingSecretIsShownAsItIs() {
        assertThat(Redact.url(URI.create("http://10.0.0.21/status.json"))).isEqualTo("http://10.0.0.21/status.json");
    }
}
