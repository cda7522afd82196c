package io.sensorflow.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.sensorflow.config.Section;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code sensorflow.cluster}: this node's place in a Pekko Cluster. Without the block the daemon runs alone, exactly
 * as it always has: no remoting, no cluster code.
 *
 * @param bind        the host and port other nodes reach this one at (Pekko's canonical address)
 * @param seedNodes   the nodes a starting node asks to join; the first one listed forms the cluster when none runs
 * @param stableAfter how long membership must stay unchanged with a member unreachable before the Split Brain
 *                    Resolver decides which side stays up (keep-majority) and downs the other
 * @param shards      how many shards the sensors are cut into, the unit that moves between nodes; the same on every
 *                    node
 */
public record ClusterConfig(HostPort bind, List<HostPort> seedNodes, Duration stableAfter, int shards) {

    /** The name of the ActorSystem on every node; Pekko joins only systems of the same name. */
    public static final String SYSTEM_NAME = "sensorflow";

    /** A {@code host:port} of the config. */
    public record HostPort(String host, int port) {

        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }

        String pekkoAddress() {
            return "pekko://" + SYSTEM_NAME + "@" + this;
        }
    }

    /** Binds {@code sensorflow.cluster} (with {@code sensorflow.defaults.cluster} under it). */
    public static ClusterConfig parse(Section s) {
        HostPort bind = hostPort(s, "bind", s.string("bind"));
        List<HostPort> seeds = new ArrayList<>();
        for (String seed : s.stringList("seed-nodes")) {
            seeds.add(hostPort(s, "seed-nodes", seed));
        }
        if (seeds.isEmpty() && s.has("seed-nodes")) {
            s.problem("seed-nodes", "must name at least one node (\"host:port\"); list this node's own bind address "
                    + "first on the node that may form the cluster alone");
        }
        return new ClusterConfig(bind, List.copyOf(seeds), s.positiveDuration("stable-after"),
                s.integer("shards", 1, 10_000));
    }

    private static HostPort hostPort(Section s, String key, String value) {
        int colon = value.lastIndexOf(':');
        String host = colon <= 0 ? "" : value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = -1;
        try {
            port = colon < 0 ? -1 : Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            // Reported below.
        }
        if (host.isBlank() || port < 1 || port > 65_535) {
            s.problem(key, "must be \"host:port\" with a port from 1 to 65535, got \"" + value + "\"");
            return new HostPort("127.0.0.1", 1);
        }
        return new HostPort(host, port);
    }

    /**
     * This block as Pekko's own keys. They sit under the user's file, so a {@code pekko { }} block may still tune any
     * of them (a bind hostname of 0.0.0.0 in a container, the failure detector), and over Pekko's defaults.
     */
    public Config pekkoSettings() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("pekko.actor.provider", "cluster");
        settings.put("pekko.remote.artery.canonical.hostname", bind.host());
        settings.put("pekko.remote.artery.canonical.port", bind.port());
        settings.put("pekko.cluster.seed-nodes", seedNodes.stream().map(HostPort::pekkoAddress).toList());
        // Pekko's own resolver, so that a partition never leaves two owners of one sensor: the side with the
        // majority of the members stays up, the other downs itself (and a supervisor restarts it to join again).
        settings.put("pekko.cluster.downing-provider-class", "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider");
        settings.put("pekko.cluster.split-brain-resolver.active-strategy", "keep-majority");
        settings.put("pekko.cluster.split-brain-resolver.stable-after", stableAfter.toMillis() + "ms");
        // A node that is downed, or cannot join, stops the daemon (coordinated shutdown) instead of running on alone.
        settings.put("pekko.cluster.run-coordinated-shutdown-when-down", "on");
        // Readings cross nodes in a format of ours (Pekko refuses Java serialization, and Jackson would cost more).
        settings.put("pekko.actor.serializers.sensorflow", ClusterSerializer.class.getName());
        settings.put("pekko.actor.serialization-bindings.\"" + ClusterMessage.class.getName() + "\"", "sensorflow");
        // One Pekko shard per shard of sensors (ShardedRules gives each entity its own shard id).
        settings.put("pekko.cluster.sharding.number-of-shards", shards);
        // Balance in one round: Pekko's default moves one shard per 10 s, so three nodes that start together took
        // over three minutes to even out, and a node that died in that time could hold a shard mid-move.
        settings.put("pekko.cluster.sharding.least-shard-allocation-strategy.rebalance-absolute-limit", shards);
        settings.put("pekko.cluster.sharding.least-shard-allocation-strategy.rebalance-relative-limit", 1.0);
        // A move whose old owner died before it acknowledged waits this long (Pekko's default, 60 s, left a shard
        // without an owner that long in ClusterIT). A shard's own hand-over commits what it holds: well within.
        settings.put("pekko.cluster.sharding.handoff-timeout", "15s");
        // The Cluster MBean named by the node's address: several nodes in one JVM (the tests) each register theirs.
        settings.put("pekko.cluster.jmx.multi-mbeans-in-same-jvm", "on");
        return ConfigFactory.parseMap(settings, "sensorflow.cluster");
    }

    @Override
    public String toString() {
        return "node " + bind + ", seed nodes " + seedNodes;
    }
}
