package io.deliveryledger.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import static java.util.Objects.requireNonNull;

/**
 * A load balancer in front of several service instances: each request goes to the next instance in
 * turn, and to the one after it when that instance refuses the connection, breaks it off or answers
 * 502/503 (as a balancer with retries on a dead upstream does). Forwards the path, query, body and the
 * headers Twilio sends; the instances check signatures against their {@code twilio.publicBaseUrl},
 * which is this proxy's address. Records which instances answered each {@code I-Twilio-Idempotency-Token}.
 */
public final class RoundRobinProxy
        implements AutoCloseable
{
    private static final List<String> FORWARDED_HEADERS = List.of("Content-Type", "X-Twilio-Signature", "I-Twilio-Idempotency-Token", "User-Agent", "Authorization");

    private final List<URI> instances;
    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient client;
    private final AtomicLong next = new AtomicLong();
    private final AtomicLongArray answeredBy;
    private final Map<String, Set<Integer>> instancesByToken = new ConcurrentHashMap<>();

    /** @param instances base URLs ({@code http://127.0.0.1:port}) */
    public RoundRobinProxy(List<URI> instances)
            throws IOException
    {
        this.instances = List.copyOf(instances);
        this.answeredBy = new AtomicLongArray(this.instances.size());
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        this.executor = Executors.newFixedThreadPool(32);
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        server.setExecutor(executor);
        server.createContext("/", this::forward);
        server.start();
    }

    public URI baseUrl()
    {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Requests the instance at {@code index} answered (any status but 502/503). */
    public long answeredBy(int index)
    {
        return answeredBy.get(index);
    }

    /** The instances that answered a request carrying this idempotency token. */
    public Set<Integer> instancesThatAnswered(String idempotencyToken)
    {
        return Set.copyOf(instancesByToken.getOrDefault(idempotencyToken, Set.of()));
    }

    private void forward(HttpExchange exchange)
            throws IOException
    {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Optional<String> token = Optional.ofNullable(exchange.getRequestHeaders().getFirst("I-Twilio-Idempotency-Token"));
            int first = (int) (next.getAndIncrement() % instances.size());
            for (int attempt = 0; attempt < instances.size(); attempt++) {
                int index = (first + attempt) % instances.size();
                Optional<HttpResponse<byte[]>> response = send(index, exchange, body);
                if (response.isEmpty() || response.get().statusCode() == 502 || response.get().statusCode() == 503) {
                    continue;
                }
                answeredBy.incrementAndGet(index);
                token.ifPresent(value -> instancesByToken.computeIfAbsent(value, key -> ConcurrentHashMap.newKeySet()).add(index));
                reply(exchange, response.get().statusCode(), response.get().headers().firstValue("Content-Type"), response.get().body());
                return;
            }
            reply(exchange, 502, Optional.of("text/plain"), "No instance answered".getBytes(StandardCharsets.UTF_8));
        }
    }

    private Optional<HttpResponse<byte[]>> send(int index, HttpExchange exchange, byte[] body)
    {
        HttpRequest.Builder request = HttpRequest.newBuilder(instances.get(index).resolve(exchange.getRequestURI().toString()))
                .timeout(Duration.ofSeconds(15))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        for (String header : FORWARDED_HEADERS) {
            String value = exchange.getRequestHeaders().getFirst(header);
            if (value != null) {
                request.header(header, value);
            }
        }
        try {
            return Optional.of(client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray()));
        }
        catch (IOException e) {
            // Refused, reset or cut off: the instance is down (or was killed while answering).
            return Optional.empty();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static void reply(HttpExchange exchange, int status, Optional<String> contentType, byte[] body)
            throws IOException
    {
        contentType.ifPresent(value -> exchange.getResponseHeaders().set("Content-Type", value));
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream output = exchange.getResponseBody()) {
            output.write(body);
        }
    }

    @Override
    public void close()
    {
        server.stop(0);
        executor.shutdownNow();
    }
}
