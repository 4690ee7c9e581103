package io.deliveryledger.simulator.api;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.net.URI;

import static java.util.Objects.requireNonNull;

/** Serves a {@link MessagesApiHandler} over HTTP on one host and port (0 picks a free one). */
public final class ApiServer
        implements AutoCloseable
{
    private final Server server;
    private final ServerConnector connector;
    private final String host;

    public ApiServer(MessagesApiHandler handler, String host, int port)
    {
        requireNonNull(handler, "handler is null");
        this.host = requireNonNull(host, "host is null");
        QueuedThreadPool threads = new QueuedThreadPool(200, 8);
        threads.setName("simulator-api");
        this.server = new Server(threads);
        this.connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(handler);
    }

    public void start()
    {
        try {
            server.start();
        }
        catch (Exception e) {
            throw new IllegalStateException("Cannot start the simulated Twilio API on %s:%d".formatted(host, connector.getPort()), e);
        }
    }

    public URI baseUrl()
    {
        String visibleHost = "0.0.0.0".equals(host) ? "127.0.0.1" : host;
        return URI.create("http://%s:%d".formatted(visibleHost, connector.getLocalPort()));
    }

    @Override
    public void close()
    {
        try {
            server.stop();
        }
        catch (Exception e) {
            throw new IllegalStateException("Cannot stop the simulated Twilio API", e);
        }
    }
}
