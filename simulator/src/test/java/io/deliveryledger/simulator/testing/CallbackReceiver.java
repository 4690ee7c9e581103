package io.deliveryledger.simulator.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static java.util.Objects.requireNonNull;

/**
 * A status callback endpoint for tests: records every request with its form, headers and whether its
 * {@code X-Twilio-Signature} is right for the account's token (checked with {@link TestingTwilioSigner}
 * over the URL as requested). Answers 200, or {@code failureStatus} on paths starting with {@code /fail}.
 * Paths ending in {@code /register} record registration bodies instead.
 */
public final class CallbackReceiver
        implements AutoCloseable
{
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8);
    private final Map<String, TestingTwilioSigner> signers;
    private final List<ReceivedCallback> callbacks = new ArrayList<>();
    private final List<ReceivedRegistration> registrations = new ArrayList<>();
    private final int failureStatus;

    public CallbackReceiver(Map<String, String> authTokensByAccount, int failureStatus)
    {
        this.signers = new LinkedHashMap<>();
        requireNonNull(authTokensByAccount, "authTokensByAccount is null").forEach((account, token) -> signers.put(account, new TestingTwilioSigner(token)));
        this.failureStatus = failureStatus;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public URI url(String pathAndQuery)
    {
        return URI.create("http://127.0.0.1:%d%s".formatted(server.getAddress().getPort(), pathAndQuery));
    }

    public synchronized List<ReceivedCallback> callbacks()
    {
        return List.copyOf(callbacks);
    }

    public synchronized List<ReceivedRegistration> registrations()
    {
        return List.copyOf(registrations);
    }

    @Override
    public void close()
    {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange)
            throws IOException
    {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String url = "http://127.0.0.1:%d%s".formatted(server.getAddress().getPort(), exchange.getRequestURI().getRawPath()
                + Optional.ofNullable(exchange.getRequestURI().getRawQuery()).map(query -> "?" + query).orElse(""));
        int status = exchange.getRequestURI().getPath().startsWith("/fail") ? failureStatus : 200;
        if (exchange.getRequestURI().getPath().endsWith("/register")) {
            synchronized (this) {
                registrations.add(new ReceivedRegistration(body, Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization"))));
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
            return;
        }
        Map<String, String> form = decodeForm(body);
        String signature = exchange.getRequestHeaders().getFirst("X-Twilio-Signature");
        TestingTwilioSigner signer = signers.get(form.get("AccountSid"));
        boolean validSignature = signer != null && signature != null && signer.sign(url, form).equals(signature);
        synchronized (this) {
            callbacks.add(new ReceivedCallback(url, form, Optional.ofNullable(exchange.getRequestHeaders().getFirst("I-Twilio-Idempotency-Token")),
                    validSignature, exchange.getRequestHeaders().getFirst("Content-Type")));
        }
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    private static Map<String, String> decodeForm(String body)
    {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            String[] parts = pair.split("=", 2);
            form.put(URLDecoder.decode(parts[0], StandardCharsets.UTF_8), parts.length == 2 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : "");
        }
        return form;
    }

    public record ReceivedCallback(String url, Map<String, String> form, Optional<String> idempotencyToken, boolean validSignature, String contentType)
    {
        public String messageSid()
        {
            return form.get("MessageSid");
        }

        public String status()
        {
            return form.get("MessageStatus");
        }
    }

    public record ReceivedRegistration(String body, Optional<String> authorization) {}
}
