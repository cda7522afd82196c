package io.sensorflow.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A loopback TCP proxy in front of a broker that holds the broker's first answer (CONNACK) back for a while, to
 * catch a client in the middle of connecting. One connection at a time is enough for the tests.
 */
public final class SlowBrokerProxy implements AutoCloseable {

    private final ServerSocket server;
    private final CountDownLatch accepted = new CountDownLatch(1);
    private final CountDownLatch answered = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);

    public SlowBrokerProxy(int brokerPort, Duration holdAnswer) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            try {
                Socket client = server.accept();
                Socket broker = new Socket(InetAddress.getLoopbackAddress(), brokerPort);
                accepted.countDown();
                pump(client.getInputStream(), broker.getOutputStream(), Duration.ZERO, null, broker);
                pump(broker.getInputStream(), client.getOutputStream(), holdAnswer, answered, client);
            } catch (IOException e) {
                // closed
            }
        }, "slow-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String url() {
        return "tcp://127.0.0.1:" + server.getLocalPort();
    }

    private void pump(InputStream in, OutputStream out, Duration hold, CountDownLatch firstForwarded, Socket target) {
        Thread pump = new Thread(() -> {
            byte[] buffer = new byte[8192];
            boolean first = true;
            try {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    if (first && !hold.isZero()) {
                        // Simulates a slow network, not a wait for a condition.
                        TimeUnit.MILLISECONDS.sleep(hold.toMillis());
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                    if (first && firstForwarded != null) {
                        firstForwarded.countDown();
                    }
                    first = false;
                }
            } catch (IOException | InterruptedException e) {
                // connection over
            }
            try {
                target.close();
            } catch (IOException ignored) {
                // already closed
            }
            closed.countDown();
        }, "slow-proxy-pump");
        pump.setDaemon(true);
        pump.start();
    }

    /** Waits until a client has connected through the proxy. */
    public boolean awaitClient(Duration timeout) throws InterruptedException {
        return accepted.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits until the held-back answer has been forwarded to the client. */
    public boolean awaitAnswered(Duration timeout) throws InterruptedException {
        return answered.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits until one side has closed the proxied connection. */
    public boolean awaitClosed(Duration timeout) throws InterruptedException {
        return closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
