package io.deliveryledger.simulator.traffic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.deliveryledger.simulator.SimulationSettings.Registration;
import io.deliveryledger.simulator.api.MessageJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Registers created messages the way an application following Twilio's best practice 1 would: the
 * Message resource the create call returned, POSTed as a JSON array in batches of up to
 * {@value #BATCH_SIZE}. One sender thread keeps batches in order; a non-2xx answer is an error,
 * counted and logged.
 */
public final class Registrar
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(Registrar.class);
    private static final int BATCH_SIZE = 500;

    private final Registration registration;
    private final TrafficCounters counters;
    private final HttpClient httpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper objectMapper = new ObjectMapper();
    private final ExecutorService sender = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "simulator-registrar");
        thread.setDaemon(true);
        return thread;
    });
    private List<Map<String, Object>> pending = new ArrayList<>();

    public Registrar(Registration registration, TrafficCounters counters)
    {
        this.registration = requireNonNull(registration, "registration is null");
        this.counters = requireNonNull(counters, "counters is null");
    }

    public double probability()
    {
        return registration.probability();
    }

    public void register(PlannedMessage message)
    {
        Map<String, Object> created = MessageJson.at(message, message.createdAt());
        List<Map<String, Object>> full = null;
        synchronized (this) {
            pending.add(created);
            if (pending.size() >= BATCH_SIZE) {
                full = pending;
                pending = new ArrayList<>();
            }
        }
        if (full != null) {
            submit(full);
        }
    }

    /** Sends what is pending now; called periodically, so registrations trail creation by little. */
    public void flush()
    {
        List<Map<String, Object>> batch;
        synchronized (this) {
            batch = pending;
            pending = new ArrayList<>();
        }
        if (!batch.isEmpty()) {
            submit(batch);
        }
    }

    /** Sends the rest and waits until every batch is answered. */
    @Override
    public synchronized void close()
    {
        if (sender.isShutdown()) {
            return;
        }
        flush();
        sender.shutdown();
        try {
            if (!sender.awaitTermination(1, TimeUnit.MINUTES)) {
                log.warn("Registration batches still unsent after a minute; giving up on them");
                sender.shutdownNow();
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sender.shutdownNow();
        }
    }

    private void submit(List<Map<String, Object>> batch)
    {
        sender.execute(() -> post(batch));
    }

    private void post(List<Map<String, Object>> batch)
    {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(registration.url())
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(objectMapper.writeValueAsBytes(batch)));
            registration.bearerToken().ifPresent(token -> request.header("Authorization", "Bearer " + token));
            HttpResponse<String> response = httpClient.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                counters.registrationErrors.add(batch.size());
                log.error("Registration of {} messages at {} answered {}: {}", batch.size(), registration.url(), response.statusCode(), response.body());
                return;
            }
            counters.messagesRegistered.add(batch.size());
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot encode messages to register", e);
        }
        catch (IOException e) {
            counters.registrationErrors.add(batch.size());
            log.error("Cannot register {} messages at {}: {}", batch.size(), registration.url(), e.toString());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            counters.registrationErrors.add(batch.size());
        }
    }
}
