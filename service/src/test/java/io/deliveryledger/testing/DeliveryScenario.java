package io.deliveryledger.testing;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;

import static io.deliveryledger.testing.TestingLedger.FIRST_ACCOUNT;
import static io.deliveryledger.testing.TestingLedger.FIRST_TOKEN;
import static io.deliveryledger.testing.TestingLedger.SECOND_ACCOUNT;
import static io.deliveryledger.testing.TestingLedger.SECOND_NEW_TOKEN;
import static java.util.Objects.requireNonNull;

/**
 * A known, generated set of messages and their status callbacks as Twilio sends them: two accounts,
 * two messaging services (and none), five destination countries, sms, mms and WhatsApp, every outcome,
 * callbacks shuffled out of order and some sent twice. Each message knows what it should come to, so
 * tests compute expected statistics from here, not from the service's SQL.
 */
public final class DeliveryScenario
{
    public static final String FIRST_SERVICE = "MG" + "a1".repeat(16);
    public static final String SECOND_SERVICE = "MG" + "b2".repeat(16);
    private static final DateTimeFormatter DLR_DATE = DateTimeFormatter.ofPattern("yyMMddHHmm").withZone(ZoneOffset.UTC);
    private static final List<Destination> DESTINATIONS = List.of(
            new Destination("GB", "+4474001234"),
            new Destination("DE", "+4915123456"),
            new Destination("FR", "+336123456"),
            new Destination("US", "+1201555"),
            new Destination("BR", "+55119612345"));

    private final List<Message> messages;
    private final List<Callback> callbacks;

    private DeliveryScenario(List<Message> messages, List<Callback> callbacks)
    {
        this.messages = List.copyOf(messages);
        this.callbacks = List.copyOf(callbacks);
    }

    /** @param now delivered messages carry carrier DLR dates a few minutes after it */
    public static DeliveryScenario generate(long seed, int messageCount, Instant now)
    {
        Random random = new Random(seed);
        List<Message> messages = new ArrayList<>();
        List<Callback> callbacks = new ArrayList<>();
        for (int index = 0; index < messageCount; index++) {
            boolean firstAccount = random.nextInt(3) != 0;
            String channel = List.of("sms", "sms", "whatsapp", "mms").get(random.nextInt(4));
            String sid = (channel.equals("mms") ? "MM" : "SM") + hex(random);
            Destination destination = DESTINATIONS.get(random.nextInt(DESTINATIONS.size()));
            String number = destination.prefix() + String.format("%02d", random.nextInt(100)) + (destination.country().equals("US") ? String.format("%02d", random.nextInt(100)) : "");
            String own = firstAccount ? "+15017122661" : "+15017122662";
            String prefix = channel.equals("whatsapp") ? "whatsapp:" : "";
            Optional<String> service = switch (random.nextInt(3)) {
                case 0 -> Optional.of(FIRST_SERVICE);
                case 1 -> Optional.of(SECOND_SERVICE);
                default -> Optional.empty();
            };
            String campaign = random.nextBoolean() ? "spring" : "autumn";
            Outcome outcome = Outcome.values()[random.nextInt(channel.equals("whatsapp") ? Outcome.values().length : Outcome.values().length - 1)];
            OptionalInt errorCode = switch (outcome) {
                case FAILED -> OptionalInt.of(List.of(30007, 21610, 30034).get(random.nextInt(3)));
                case UNDELIVERED -> OptionalInt.of(List.of(30003, 30005, 30006).get(random.nextInt(3)));
                case DELIVERED, QUEUED, SENT, READ -> OptionalInt.empty();
            };
            Message message = new Message(sid, firstAccount ? FIRST_ACCOUNT : SECOND_ACCOUNT, firstAccount ? FIRST_TOKEN : SECOND_NEW_TOKEN, service,
                    prefix + own, prefix + number, destination.country(), channel, campaign, outcome.finalStatus, errorCode);
            messages.add(message);
            for (String status : outcome.path) {
                Map<String, String> parameters = new LinkedHashMap<>(StatusCallbacks.callback(message.accountSid(), sid, status));
                parameters.put("From", message.from());
                parameters.put("To", message.to());
                service.ifPresent(value -> parameters.put("MessagingServiceSid", value));
                if (status.equals("failed") || status.equals("undelivered")) {
                    parameters.put("ErrorCode", String.valueOf(errorCode.getAsInt()));
                }
                if (status.equals("delivered")) {
                    parameters.put("RawDlrDoneDate", DLR_DATE.format(now.plusSeconds(60L * (1 + random.nextInt(30)))));
                }
                Callback callback = new Callback(message, "/twilio/status?campaign=" + campaign, parameters);
                callbacks.add(callback);
                // Twilio's retries and reconciliation re-reads: the same callback again.
                if (random.nextInt(5) == 0) {
                    callbacks.add(callback);
                }
            }
        }
        Collections.shuffle(callbacks, random);
        return new DeliveryScenario(messages, callbacks);
    }

    public List<Message> messages()
    {
        return messages;
    }

    /** In the order to send them: shuffled, duplicates included. */
    public List<Callback> callbacks()
    {
        return callbacks;
    }

    /** Distinct callbacks: what ClickHouse must store. */
    public long distinctCallbacks()
    {
        return callbacks.stream().map(Callback::parameters).distinct().count();
    }

    private static String hex(Random random)
    {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private enum Outcome
    {
        QUEUED("queued", List.of("queued")),
        SENT("sent", List.of("queued", "sent")),
        DELIVERED("delivered", List.of("queued", "sent", "delivered")),
        UNDELIVERED("undelivered", List.of("queued", "sent", "undelivered")),
        FAILED("failed", List.of("queued", "failed")),
        // Only WhatsApp has read receipts: last, so other channels never draw it.
        READ("read", List.of("queued", "sent", "delivered", "read"));

        private final String finalStatus;
        private final List<String> path;

        Outcome(String finalStatus, List<String> path)
        {
            this.finalStatus = finalStatus;
            this.path = path;
        }
    }

    private record Destination(String country, String prefix) {}

    /**
     * A message and what its callbacks must make of it.
     *
     * @param from the sender's address, with the channel prefix
     * @param to the recipient's address, with the channel prefix
     */
    public record Message(
            String sid,
            String accountSid,
            String authToken,
            Optional<String> messagingServiceSid,
            String from,
            String to,
            String country,
            String channel,
            String campaign,
            String finalStatus,
            OptionalInt errorCode)
    {
        public Message
        {
            requireNonNull(sid, "sid is null");
            requireNonNull(accountSid, "accountSid is null");
            requireNonNull(authToken, "authToken is null");
            requireNonNull(messagingServiceSid, "messagingServiceSid is null");
            requireNonNull(from, "from is null");
            requireNonNull(to, "to is null");
            requireNonNull(country, "country is null");
            requireNonNull(channel, "channel is null");
            requireNonNull(campaign, "campaign is null");
            requireNonNull(finalStatus, "finalStatus is null");
            requireNonNull(errorCode, "errorCode is null");
        }
    }

    public record Callback(Message message, String path, Map<String, String> parameters)
    {
        public Callback
        {
            requireNonNull(message, "message is null");
            requireNonNull(path, "path is null");
            parameters = Map.copyOf(parameters);
        }
    }
}
