package io.deliveryledger.simulator.traffic;

import io.deliveryledger.simulator.Account;
import io.deliveryledger.simulator.OutcomeMix.Outcome;
import io.deliveryledger.simulator.SimulationSettings;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import static java.util.Objects.requireNonNull;

/**
 * Plans messages one after the other from the seed: the same seed gives the same accounts' services,
 * SIDs, numbers, outcomes, delays and callback faults (times are relative to the start instant).
 * Message {@code i} is created at {@code start + i / rate}. Not thread-safe: one caller draws the plans.
 */
public final class TrafficPlanner
{
    // Codes Twilio reports when it cannot send a message at all, and when the carrier does not deliver it.
    private static final List<Integer> FAILED_CODES = List.of(30001, 30004, 30007, 30008, 30010, 30032, 30034, 21610);
    private static final List<Integer> UNDELIVERED_CODES = List.of(30003, 30004, 30005, 30006, 30007, 30008);
    private static final List<String> BODIES = List.of(
            "Your verification code is 482913",
            "Your order has shipped and arrives tomorrow.",
            "Reminder: your appointment is at 10:30.",
            "Thanks for your payment.");
    private static final int LONG_CODES_PER_ACCOUNT = 3;

    private final SimulationSettings settings;
    private final Instant start;
    private final Random random;
    private final PhoneNumbers phoneNumbers;
    private final List<AccountSenders> senders;
    private final Set<String> issuedSids = new HashSet<>();
    private int planned;

    public TrafficPlanner(SimulationSettings settings, Instant start)
    {
        this.settings = requireNonNull(settings, "settings is null");
        this.start = requireNonNull(start, "start is null");
        this.random = new Random(settings.seed());
        this.phoneNumbers = new PhoneNumbers(random);
        List<AccountSenders> accountSenders = new ArrayList<>();
        for (int index = 0; index < settings.accounts().size(); index++) {
            Account account = settings.accounts().get(index);
            List<String> services = new ArrayList<>();
            int serviceCount = 1 + random.nextInt(2);
            for (int service = 0; service < serviceCount; service++) {
                services.add("MG" + hex32());
            }
            List<String> longCodes = new ArrayList<>();
            for (int code = 0; code < LONG_CODES_PER_ACCOUNT; code++) {
                longCodes.add(PhoneNumbers.longCode((index * LONG_CODES_PER_ACCOUNT + code) % 100));
            }
            accountSenders.add(new AccountSenders(account, services, longCodes));
        }
        this.senders = List.copyOf(accountSenders);
    }

    public boolean hasNext()
    {
        return planned < settings.messages();
    }

    public PlannedMessage next()
    {
        if (!hasNext()) {
            throw new IllegalStateException("All %d messages are planned".formatted(settings.messages()));
        }
        Instant createdAt = start.plusNanos(Math.round(planned * 1_000_000_000.0 / settings.rate()));
        planned++;
        AccountSenders account = senders.get(random.nextInt(senders.size()));
        Outcome outcome = settings.mix().pick(random.nextDouble());
        // Only WhatsApp reports reads; only a Messaging Service schedules messages.
        Channel channel = outcome == Outcome.READ || random.nextDouble() < settings.whatsapp() ? Channel.WHATSAPP : Channel.SMS;
        boolean viaService = outcome == Outcome.CANCELED || random.nextDouble() < settings.messagingServiceShare();
        Optional<String> service = viaService
                ? Optional.of(account.services().get(random.nextInt(account.services().size())))
                : Optional.empty();
        String longCode = account.longCodes().get(random.nextInt(account.longCodes().size()));
        String to = phoneNumbers.recipient();
        String body = BODIES.get(random.nextInt(BODIES.size()));
        String sid = uniqueMessageSid();
        List<StatusStep> steps = lifecycle(outcome, viaService, createdAt);
        if (channel == Channel.WHATSAPP) {
            return new PlannedMessage(sid, account.account(), service, channel, "whatsapp:" + longCode, "whatsapp:" + to, body, steps);
        }
        return new PlannedMessage(sid, account.account(), service, channel, longCode, to, body, steps);
    }

    private List<StatusStep> lifecycle(Outcome outcome, boolean viaService, Instant createdAt)
    {
        List<Status> statuses = new ArrayList<>();
        if (outcome == Outcome.CANCELED) {
            statuses.add(new Status(MessageStatus.SCHEDULED, Optional.empty()));
            statuses.add(new Status(MessageStatus.CANCELED, Optional.empty()));
        }
        else {
            if (viaService) {
                statuses.add(new Status(MessageStatus.ACCEPTED, Optional.empty()));
            }
            statuses.add(new Status(MessageStatus.QUEUED, Optional.empty()));
            switch (outcome) {
                case FAILED -> statuses.add(new Status(MessageStatus.FAILED, Optional.of(pick(FAILED_CODES))));
                case UNDELIVERED -> {
                    statuses.add(new Status(MessageStatus.SENT, Optional.empty()));
                    statuses.add(new Status(MessageStatus.UNDELIVERED, Optional.of(pick(UNDELIVERED_CODES))));
                }
                case DELIVERED -> {
                    statuses.add(new Status(MessageStatus.SENT, Optional.empty()));
                    statuses.add(new Status(MessageStatus.DELIVERED, Optional.empty()));
                }
                case READ -> {
                    statuses.add(new Status(MessageStatus.SENT, Optional.empty()));
                    statuses.add(new Status(MessageStatus.DELIVERED, Optional.empty()));
                    statuses.add(new Status(MessageStatus.READ, Optional.empty()));
                }
                case CANCELED -> throw new IllegalStateException("handled above");
            }
        }
        List<StatusStep> steps = new ArrayList<>();
        steps.add(new StatusStep(statuses.get(0).status(), statuses.get(0).errorCode(), createdAt, Optional.empty()));
        Instant at = createdAt;
        for (int index = 1; index < statuses.size(); index++) {
            at = at.plus(stepDelay());
            boolean hasNextCallback = index + 1 < statuses.size();
            steps.add(new StatusStep(statuses.get(index).status(), statuses.get(index).errorCode(), at, Optional.of(faults(hasNextCallback))));
        }
        return steps;
    }

    private CallbackFaults faults(boolean hasNextCallback)
    {
        String token = new UUID(random.nextLong(), random.nextLong()).toString();
        // Drawn in a fixed order whatever the outcome, so each rate applies independently.
        boolean drop = random.nextDouble() < settings.drop();
        boolean duplicate = random.nextDouble() < settings.duplicate();
        boolean reorder = random.nextDouble() < settings.reorder();
        if (drop) {
            return new CallbackFaults(true, false, false, token);
        }
        return new CallbackFaults(false, duplicate, reorder && hasNextCallback, token);
    }

    private Duration stepDelay()
    {
        long minimum = settings.stepDelayMin().toNanos();
        long spread = settings.stepDelayMax().toNanos() - minimum;
        return Duration.ofNanos(minimum + (spread == 0 ? 0 : (long) (random.nextDouble() * spread)));
    }

    private String uniqueMessageSid()
    {
        String sid = "SM" + hex32();
        while (!issuedSids.add(sid)) {
            sid = "SM" + hex32();
        }
        return sid;
    }

    private String hex32()
    {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private int pick(List<Integer> codes)
    {
        return codes.get(random.nextInt(codes.size()));
    }

    private record Status(MessageStatus status, Optional<Integer> errorCode) {}

    private record AccountSenders(Account account, List<String> services, List<String> longCodes) {}
}
