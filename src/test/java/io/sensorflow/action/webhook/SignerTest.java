package io.sensorflow.action.webhook;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SignerTest {

    @Test
    void signsTheStandardWebhooksTestVector() {
        Signer signer = Signer.of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assertThat(signer.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assertThat(Signer.of("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8)))
                .as("the whsec_ prefix is optional").startsWith("v1,g0hM9SsE");
    }

    @Test
    void refusesASecretThatIsNotBase64OrTooShortWithoutShowingIt() {
        assertThatThrownBy(() -> Signer.of("whsec_not base64!")).hasMessageStartingWith("must be base64")
                .hasMessageNotContaining("not base64!");
        assertThatThrownBy(() -> Signer.of("whsec_c2hvcnQ=")).hasMessageStartingWith("must hold at least 16 bytes");
    }
}
