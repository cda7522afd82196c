package io.sensorflow.cluster;

import io.sensorflow.telemetry.Metrics;
import io.sensorflow.telemetry.Readiness;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/**
 * This daemon as a member of its Pekko Cluster, as the rest of it sees that: who the members are, whether this node
 * may do its work ({@code /health/ready}), and the membership gauges. Pekko keeps the membership; this only reads its
 * state, which Pekko keeps current on every node.
 */
public final class ClusterNode {

    private final Cluster cluster;
    private final String node;
    private volatile ShardedRules rules;

    private ClusterNode(Cluster cluster) {
        this.cluster = cluster;
        this.node = hostPort(cluster.selfMember().address());
    }

    /** Joins the seed nodes of the system's config (see {@link ClusterConfig#pekkoSettings}). */
    public static ClusterNode join(ActorSystem system, Metrics metrics) {
        ClusterNode node = new ClusterNode(Cluster.get(Adapter.toTyped(system)));
        metrics.cluster(node.node, node::countByStatus, () -> node.state().getUnreachable().size());
        return node;
    }

    /** This node's {@code host:port}, as other members and the {@code node} label of its metrics name it. */
    public String node() {
        return node;
    }

    /**
     * Ready while this member is Up and sees a majority of the members reachable. A node that has not joined yet, is
     * leaving, or is on the minority side of a partition (whom the Split Brain Resolver will down) is not.
     */
    public Readiness readiness() {
        Member self = cluster.selfMember();
        if (self.status() != MemberStatus.up()) {
            return Readiness.notReady("cluster", "this node is " + self.status() + " in the cluster, not Up"
                    + (self.status() == MemberStatus.joining() ? " (waiting for the seed nodes or the leader)" : ""));
        }
        ClusterEvent.CurrentClusterState state = state();
        int members = (int) StreamSupport.stream(state.getMembers().spliterator(), false).count();
        Set<Member> unreachable = state.getUnreachable();
        if (members - unreachable.size() <= members / 2) {
            return Readiness.notReady("cluster", "this node reaches only " + (members - unreachable.size()) + " of "
                    + members + " members, not a majority; unreachable: " + names(unreachable)
                    + ". The Split Brain Resolver downs the minority side");
        }
        return new Readiness("cluster", true, unreachable.isEmpty() ? "Up, " + members + " members"
                : "Up, " + members + " members, unreachable: " + names(unreachable));
    }

    /** From now on {@link #shardAllocation} asks {@code rules} where its shards are. */
    public void attach(ShardedRules rules) {
        this.rules = rules;
    }

    /**
     * Which node holds which shards of the sensors: node {@code host:port} to shard numbers; empty before the shards
     * started. Fails when the coordinator does not answer within {@code timeout}.
     */
    public CompletionStage<Map<String, List<Integer>>> shardAllocation(Duration timeout) {
        ShardedRules current = rules;
        return current == null ? CompletableFuture.completedFuture(Map.of()) : current.allocation(timeout);
    }

    /** Every member as this node sees it, this one marked, ordered by address. */
    public Membership membership() {
        ClusterEvent.CurrentClusterState state = state();
        Set<Member> unreachable = state.getUnreachable();
        List<MemberView> members = new ArrayList<>();
        for (Member member : state.getMembers()) {
            members.add(new MemberView(hostPort(member.address()), String.valueOf(member.status()),
                    !unreachable.contains(member), member.address().equals(cluster.selfMember().address()),
                    member.address().equals(state.getLeader())));
        }
        members.sort(Comparator.comparing(MemberView::node));
        return new Membership(node, List.copyOf(members));
    }

    private ClusterEvent.CurrentClusterState state() {
        return cluster.state();
    }

    private Map<String, Integer> countByStatus() {
        Map<String, Integer> counts = new TreeMap<>();
        for (Member member : state().getMembers()) {
            counts.merge(String.valueOf(member.status()), 1, Integer::sum);
        }
        return counts;
    }

    private static String names(Set<Member> members) {
        return members.stream().map(m -> hostPort(m.address())).sorted().collect(Collectors.joining(", "));
    }

    static String hostPort(Address address) {
        String host = address.getHost().orElse("?");
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort().map(String::valueOf)
                .orElse("?");
    }

    /** What {@code GET /api/v1/admin/cluster} shows. */
    public record Membership(String self, List<MemberView> members) {
    }

    /** One member: its address, its status (Joining, Up, Leaving, Exiting, Down), and how this node sees it. */
    public record MemberView(String node, String status, boolean reachable, boolean self, boolean leader) {
    }
}
