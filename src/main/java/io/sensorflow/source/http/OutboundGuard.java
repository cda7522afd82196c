package io.sensorflow.source.http;

import io.sensorflow.config.Section;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which addresses a webhook or an http-poll source may call: a guard against a URL (or a DNS name, or a config
 * written by someone less trusted than the machine) reaching what the daemon's host can reach and nobody should,
 * above all a cloud's metadata service (169.254.169.254, fd00:ec2::254), which hands out the machine's credentials.
 * Link-local addresses are refused unless listed in {@code allow}; loopback and private networks, where a
 * building's devices and Home Assistant live, are allowed unless switched off. Every address a name resolves to is
 * checked, at most once a minute per host. Redirects are never followed, so an allowed host cannot send a request
 * on to a refused one.
 *
 * @param allow     addresses or CIDR blocks allowed whatever else says
 * @param loopback  whether 127.0.0.0/8 and ::1 may be called
 * @param privateNetworks whether 10/8, 172.16/12, 192.168/16, 100.64/10 and fc00::/7 may be called
 */
public record OutboundGuard(List<Cidr> allow, boolean loopback, boolean privateNetworks) {

    /** Allows everything but link-local: for tests and tools. */
    public static final OutboundGuard DEFAULT = new OutboundGuard(List.of(), true, true);

    private static final long CACHE_MILLIS = 60_000;
    private static final Map<String, Verdict> CACHE = new ConcurrentHashMap<>();

    private record Verdict(String refusal, long until) {
    }

    /** An address block: a prefix of {@code bits} bits. */
    public record Cidr(byte[] prefix, int bits) {

        static Cidr parse(String text) throws UnknownHostException {
            int slash = text.indexOf('/');
            String address = slash < 0 ? text : text.substring(0, slash);
            if (!address.matches("[0-9a-fA-F:.]+")) {
                throw new UnknownHostException("'" + text + "' is not an address or CIDR block");
            }
            byte[] bytes = InetAddress.getByName(address).getAddress();
            int bits = slash < 0 ? bytes.length * 8 : Integer.parseInt(text.substring(slash + 1));
            if (bits < 0 || bits > bytes.length * 8) {
                throw new UnknownHostException("prefix length " + bits + " is out of range");
            }
            return new Cidr(bytes, bits);
        }

        boolean contains(InetAddress address) {
            byte[] bytes = address.getAddress();
            if (bytes.length != prefix.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >> (i % 8);
                if ((bytes[i / 8] & mask) != (prefix[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    public static OutboundGuard parse(Section s) {
        List<Cidr> allow = new ArrayList<>();
        for (String entry : s.stringList("allow")) {
            try {
                allow.add(Cidr.parse(entry.trim()));
            } catch (UnknownHostException | NumberFormatException e) {
                s.problem("allow", "'" + entry + "' is not an address or CIDR block (e.g. 169.254.10.2 or "
                        + "169.254.0.0/16)");
            }
        }
        return new OutboundGuard(List.copyOf(allow), s.bool("loopback"), s.bool("private-networks"));
    }

    /** Resolves names off the callers' threads; two, as DNS answers are cached for a minute. */
    private static final java.util.concurrent.ExecutorService RESOLVER = java.util.concurrent.Executors
            .newFixedThreadPool(2, task -> {
                Thread thread = new Thread(task, "sensorflow-outbound-guard");
                thread.setDaemon(true);
                return thread;
            });

    /** {@link #refusal(URI)} without blocking the caller: at once for an address or a host checked lately. */
    public java.util.concurrent.CompletableFuture<String> refusalAsync(URI url) {
        String host = url.getHost();
        Verdict cached = host == null ? null : CACHE.get(host + " " + hashCode());
        if (host == null || cached != null && cached.until() > System.currentTimeMillis()
                || host.matches("[0-9.]+|\\[?[0-9a-fA-F:.]+]?")) {
            return java.util.concurrent.CompletableFuture.completedFuture(refusal(url));
        }
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> refusal(url), RESOLVER);
    }

    /**
     * Why {@code url} must not be called, or null when it may. Resolves the host (blocking, at most once a minute
     * per host and policy): call it off any thread that must not wait.
     */
    public String refusal(URI url) {
        String host = url.getHost();
        if (host == null) {
            return "the URL has no host";
        }
        String key = host + " " + hashCode();
        long now = System.currentTimeMillis();
        Verdict cached = CACHE.get(key);
        if (cached != null && cached.until() > now) {
            return cached.refusal();
        }
        String refusal;
        try {
            refusal = refusal(host, InetAddress.getAllByName(host));
        } catch (UnknownHostException e) {
            // Not refused by the guard: the request fails on its own, as a connection error.
            return null;
        }
        if (CACHE.size() > 10_000) {
            CACHE.clear();
        }
        CACHE.put(key, new Verdict(refusal, now + CACHE_MILLIS));
        return refusal;
    }

    String refusal(String host, InetAddress[] addresses) {
        for (InetAddress address : addresses) {
            String why = refusal(address);
            if (why != null) {
                return host + (host.equals(address.getHostAddress()) ? "" : " resolves to " + address.getHostAddress())
                        + ", " + why + "; list it under guard.allow to call it anyway";
            }
        }
        return null;
    }

    private String refusal(InetAddress address) {
        for (Cidr cidr : allow) {
            if (cidr.contains(address)) {
                return null;
            }
        }
        if (isMetadata(address)) {
            return "a cloud metadata address";
        }
        if (address.isLinkLocalAddress()) {
            return "a link-local address";
        }
        if (address.isAnyLocalAddress()) {
            return "the unspecified address";
        }
        if (address.isLoopbackAddress() && !loopback) {
            return "a loopback address and guard.loopback is off";
        }
        if (isPrivate(address) && !privateNetworks) {
            return "a private address and guard.private-networks is off";
        }
        return null;
    }

    private static boolean isMetadata(InetAddress address) {
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            // AWS, GCP, Azure, OpenStack: 169.254.169.254; Alibaba: 100.100.100.200.
            return (b[0] & 0xff) == 169 && (b[1] & 0xff) == 254 && (b[2] & 0xff) == 169 && (b[3] & 0xff) == 254
                    || (b[0] & 0xff) == 100 && (b[1] & 0xff) == 100 && (b[2] & 0xff) == 100 && (b[3] & 0xff) == 200;
        }
        // AWS's IPv6 metadata endpoint fd00:ec2::254.
        return address instanceof Inet6Address && (b[0] & 0xff) == 0xfd && b[1] == 0 && (b[2] & 0xff) == 0x0e
                && (b[3] & 0xff) == 0xc2 && allZero(b, 4, 14) && b[14] == 0x02 && (b[15] & 0xff) == 0x54;
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isPrivate(InetAddress address) {
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first == 10 || first == 172 && second >= 16 && second < 32 || first == 192 && second == 168
                    || first == 100 && second >= 64 && second < 128;
        }
        return (b[0] & 0xfe) == 0xfc;
    }
}
