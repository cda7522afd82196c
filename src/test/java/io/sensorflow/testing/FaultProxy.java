package io.sensorflow.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP proxy between the daemon and its broker that a test can break the way networks break: {@link #cut()}
 * closes every connection (a flap: both ends learn at once), {@link #stall()} keeps the connections open but lets
 * nothing through either way and accepts new ones into the same black hole (a half-open link, a partition: only a
 * keep-alive can tell), and {@link #heal()} forwards again for connections made from then on.
 */
public final class FaultProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int brokerPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean stalled;
    /** When the daemon last closed a connection the proxy held (nanoTime), 0 before. */
    private final AtomicLong clientClosedAt = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();

    public FaultProxy(int brokerPort) throws IOException {
        this.brokerPort = brokerPort;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "fault-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String url() {
        return "tcp://127.0.0.1:" + server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                connections.incrementAndGet();
                if (stalled) {
                    // Into the black hole: read and drop, never answer.
                    pump(client.getInputStream(), null, client, true);
                    continue;
                }
                Socket broker = new Socket(InetAddress.getLoopbackAddress(), brokerPort);
                sockets.add(broker);
                pump(client.getInputStream(), broker.getOutputStream(), broker, true);
                pump(broker.getInputStream(), client.getOutputStream(), client, false);
            } catch (IOException e) {
                // closed, or the broker is away: the client's connection attempt fails
            }
        }
    }

    private void pump(InputStream in, OutputStream out, Socket other, boolean fromClient) {
        Thread pump = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    if (!stalled && out != null) {
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                }
                if (fromClient) {
                    clientClosedAt.set(System.nanoTime());
                }
            } catch (IOException e) {
                if (fromClient) {
                    clientClosedAt.compareAndSet(0, System.nanoTime());
                }
            }
            try {
                other.close();
            } catch (IOException ignored) {
                // already closed
            }
        }, "fault-proxy-pump");
        pump.setDaemon(true);
        pump.start();
    }

    /** Closes every connection now; new ones are forwarded. */
    public void cut() {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
        sockets.clear();
    }

    /** From now on nothing passes, and nothing is closed: the daemon must find out by itself. */
    public void stall() {
        clientClosedAt.set(0);
        stalled = true;
    }

    /** Forwards again, for connections made from now on; the stalled ones stay dead. */
    public void heal() {
        stalled = false;
    }

    /** When the daemon closed a connection since the last {@link #stall()} (System.nanoTime), or 0. */
    public long clientClosedAt() {
        return clientClosedAt.get();
    }

    public long connections() {
        return connections.get();
    }

    @Override
    public void close() throws IOException {
        server.close();
        cut();
    }
}
