package io.deliveryledger.intake;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.twilio.rest.api.v2010.account.Message;
import io.deliveryledger.event.LedgerRecordCodec;
import io.deliveryledger.event.Source;
import io.deliveryledger.event.StatusEvent;
import io.deliveryledger.journal.Journal;
import io.deliveryledger.journal.JournalFullException;
import io.deliveryledger.twilio.MessageResourceConverter;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.util.Objects.requireNonNull;

/**
 * {@code POST /api/v1/messages}: the sender hands over what Twilio's create call returned (one Message
 * resource or an array), Twilio's first best practice. The ledger then knows the message before any
 * callback, and reconciliation finds it if none ever comes. All or nothing: a request with one invalid
 * message stores none.
 */
@Path("/api/v1/messages")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public final class RegistrationResource
{
    public static final int MAX_MESSAGES_PER_REQUEST = 1000;

    private final Set<String> accounts;
    private final MessageResourceConverter converter;
    private final Journal journal;
    private final LedgerRecordCodec codec;
    private final ObjectMapper mapper;
    private final Duration appendTimeout;
    private final Duration retryAfter;
    private final Clock clock;
    private final Meter registered;

    public RegistrationResource(Set<String> accounts, MessageResourceConverter converter, Journal journal, LedgerRecordCodec codec, ObjectMapper mapper, Duration appendTimeout, Duration retryAfter, Clock clock, MetricRegistry metrics)
    {
        this.accounts = Set.copyOf(accounts);
        this.converter = requireNonNull(converter, "converter is null");
        this.journal = requireNonNull(journal, "journal is null");
        this.codec = requireNonNull(codec, "codec is null");
        this.mapper = requireNonNull(mapper, "mapper is null");
        this.appendTimeout = requireNonNull(appendTimeout, "appendTimeout is null");
        this.retryAfter = requireNonNull(retryAfter, "retryAfter is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.registered = metrics.meter("intake.registered");
    }

    @POST
    public Response register(JsonNode body)
            throws InterruptedException
    {
        List<StatusEvent> events;
        try {
            events = events(body);
        }
        catch (IllegalArgumentException e) {
            return answer(Response.Status.BAD_REQUEST, Map.of("code", 400, "message", e.getMessage()));
        }
        List<CompletableFuture<Long>> appends = new ArrayList<>(events.size());
        try {
            for (StatusEvent event : events) {
                appends.add(journal.append(codec.encode(event)));
            }
            for (CompletableFuture<Long> append : appends) {
                append.get(appendTimeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        catch (JournalFullException | ExecutionException | TimeoutException e) {
            // Some may be stored; registering them again is harmless, their event ids are the same.
            return Response.status(Response.Status.SERVICE_UNAVAILABLE)
                    .header("Retry-After", retryAfter.toSeconds())
                    .type(MediaType.APPLICATION_JSON)
                    .entity(Map.of("code", 503, "message", "Cannot store the messages now, retry later: " + e.getMessage()))
                    .build();
        }
        registered.mark(events.size());
        return answer(Response.Status.OK, Map.of("registered", events.size()));
    }

    private List<StatusEvent> events(JsonNode body)
    {
        if (body == null || !(body.isObject() || body.isArray())) {
            throw new IllegalArgumentException("The body must be a Message resource (a JSON object) as Twilio's create call returns it, or an array of them");
        }
        List<JsonNode> resources = new ArrayList<>();
        if (body.isObject()) {
            resources.add(body);
        }
        else {
            body.forEach(resources::add);
        }
        if (resources.isEmpty()) {
            throw new IllegalArgumentException("The array holds no message");
        }
        if (resources.size() > MAX_MESSAGES_PER_REQUEST) {
            throw new IllegalArgumentException("At most " + MAX_MESSAGES_PER_REQUEST + " messages per request, got " + resources.size());
        }
        Instant receivedAt = clock.instant();
        List<StatusEvent> events = new ArrayList<>(resources.size());
        for (int index = 0; index < resources.size(); index++) {
            String where = body.isArray() ? "Message [" + index + "]: " : "";
            JsonNode resource = resources.get(index);
            if (!resource.isObject()) {
                throw new IllegalArgumentException(where + "must be a JSON object");
            }
            StatusEvent event;
            try {
                Message message = Message.fromJson(resource.toString(), mapper);
                checkDates(resource, message);
                event = converter.toEvent(message, Source.REGISTRATION, receivedAt);
            }
            catch (RuntimeException e) {
                throw new IllegalArgumentException(where + rootMessage(e), e);
            }
            if (!accounts.contains(event.accountSid())) {
                throw new IllegalArgumentException(where + "account_sid " + event.accountSid() + " is not one of the configured Twilio accounts");
            }
            events.add(event);
        }
        return events;
    }

    /** twilio-java reads a date it cannot parse as null; a registration's times must not silently become "now". */
    private static void checkDates(JsonNode resource, Message message)
    {
        Map<String, Object> parsed = new LinkedHashMap<>();
        parsed.put("date_created", message.getDateCreated());
        parsed.put("date_sent", message.getDateSent());
        parsed.put("date_updated", message.getDateUpdated());
        parsed.forEach((field, value) -> {
            if (resource.hasNonNull(field) && value == null) {
                throw new IllegalArgumentException("Field '" + field + "' must be an RFC 2822 date as Twilio writes it (Thu, 26 Nov 2026 09:15:02 +0000), got '" + resource.get(field).asText() + "'");
            }
        });
    }

    private static String rootMessage(Throwable failure)
    {
        Throwable cause = failure;
        while (cause.getCause() != null && !(cause instanceof IllegalArgumentException)) {
            cause = cause.getCause();
        }
        String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        // Jackson appends the whole source document; the caller has it already.
        int source = message.indexOf("\n at [Source");
        return source < 0 ? message : message.substring(0, source);
    }

    private static Response answer(Response.Status status, Map<String, Object> body)
    {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body).build();
    }
}
