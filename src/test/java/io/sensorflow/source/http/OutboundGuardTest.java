package io.sensorflow.source.http;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class OutboundGuardTest {

    private static InetAddress[] at(String... addresses) throws Exception {
        InetAddress[] all = new InetAddress[addresses.length];
        for (int i = 0; i < addresses.length; i++) {
            all[i] = InetAddress.getByName(addresses[i]);
        }
        return all;
    }

    @Test
    void metadataAndLinkLocalAddressesAreRefusedByDefaultLoopbackAndPrivateAllowed() throws Exception {
        OutboundGuard guard = OutboundGuard.DEFAULT;
        assertThat(guard.refusal("169.254.169.254", at("169.254.169.254"))).contains("cloud metadata");
        assertThat(guard.refusal("metadata.internal", at("169.254.169.254")))
                .startsWith("metadata.internal resolves to 169.254.169.254");
        assertThat(guard.refusal("fd00:ec2::254", at("fd00:ec2::254"))).contains("cloud metadata");
        assertThat(guard.refusal("100.100.100.200", at("100.100.100.200"))).contains("cloud metadata");
        assertThat(guard.refusal("169.254.3.4", at("169.254.3.4"))).contains("link-local");
        assertThat(guard.refusal("fe80::1", at("fe80::1"))).contains("link-local");
        assertThat(guard.refusal("0.0.0.0", at("0.0.0.0"))).contains("unspecified");
        assertThat(guard.refusal("ha.local", at("192.168.1.20"))).isNull();
        assertThat(guard.refusal("localhost", at("127.0.0.1", "::1"))).isNull();
        assertThat(guard.refusal("example.org", at("93.184.215.14"))).isNull();
        assertThat(guard.refusal("mixed", at("192.168.1.20", "169.254.169.254")))
                .as("any address of the name refused refuses it").contains("cloud metadata");
    }

    @Test
    void theAllowListWinsAndLoopbackAndPrivateCanBeSwitchedOff() throws Exception {
        OutboundGuard strict = new OutboundGuard(List.of(OutboundGuard.Cidr.parse("169.254.12.0/24"),
                OutboundGuard.Cidr.parse("10.1.2.3")), false, false);
        assertThat(strict.refusal("dev", at("169.254.12.7"))).isNull();
        assertThat(strict.refusal("dev", at("169.254.13.7"))).contains("link-local");
        assertThat(strict.refusal("plc", at("10.1.2.3"))).isNull();
        assertThat(strict.refusal("plc", at("10.1.2.4"))).contains("private-networks is off");
        assertThat(strict.refusal("x", at("172.20.0.1"))).contains("private");
        assertThat(strict.refusal("x", at("172.32.0.1"))).isNull();
        assertThat(strict.refusal("x", at("fd12::1"))).contains("private");
        assertThat(strict.refusal("localhost", at("127.0.0.1"))).contains("loopback is off");
        assertThat(strict.refusalAsync(URI.create("http://127.0.0.1:8080/x")).get())
                .as("an address is checked without a lookup").contains("loopback");
    }
}
