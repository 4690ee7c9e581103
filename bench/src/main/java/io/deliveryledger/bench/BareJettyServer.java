package io.deliveryledger.bench;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The ceiling for bench/run: the Jetty that Dropwizard runs on, with a handler that reads and discards
 * the request body and answers 200 with an empty body. Whatever the service reaches is measured
 * against what this reaches on the same machine, in the same run, with the same requests.
 *
 * <pre>java -XX:+UseParallelGC -jar bench/target/bare-jetty.jar PORT [HOST]</pre>
 */
public final class BareJettyServer
{
    private BareJettyServer() {}

    public static void main(String[] args)
            throws Exception
    {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: java -jar bare-jetty.jar PORT [HOST]   (HOST defaults to 127.0.0.1)");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String host = args.length == 2 ? args[1] : "127.0.0.1";

        QueuedThreadPool threadPool = new QueuedThreadPool();
        threadPool.setName("bare-jetty");
        Server server = new Server(threadPool);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new DiscardingHandler());
        server.setStopAtShutdown(true);
        server.start();
        System.out.println("bare-jetty: listening on http://" + host + ":" + connector.getLocalPort());
        server.join();
    }

    /** Consumes the body without looking at it, then completes an empty 200. */
    static final class DiscardingHandler
            extends Handler.Abstract
    {
        @Override
        public boolean handle(Request request, Response response, Callback callback)
        {
            Content.Source.consumeAll(request, Callback.from(() -> {
                response.setStatus(HttpStatus.OK_200);
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0L);
                callback.succeeded();
            }, callback::failed));
            return true;
        }
    }
}
