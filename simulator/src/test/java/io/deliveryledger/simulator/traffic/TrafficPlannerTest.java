package io.deliveryledger.simulator.traffic;

import io.deliveryledger.simulator.OutcomeMix;
import io.deliveryledger.simulator.SimulationSettings;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.deliveryledger.simulator.traffic.MessageStatus.ACCEPTED;
import static io.deliveryledger.simulator.traffic.MessageStatus.CANCELED;
import static io.deliveryledger.simulator.traffic.MessageStatus.DELIVERED;
import static io.deliveryledger.simulator.traffic.MessageStatus.FAILED;
import static io.deliveryledger.simulator.traffic.MessageStatus.QUEUED;
import static io.deliveryledger.simulator.traffic.MessageStatus.READ;
import static io.deliveryledger.simulator.traffic.MessageStatus.SCHEDULED;
import static io.deliveryledger.simulator.traffic.MessageStatus.SENT;
import static io.deliveryledger.simulator.traffic.MessageStatus.UNDELIVERED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

final class TrafficPlannerTest
{
    private static final String ACCOUNT = "AC" + "a".repeat(32);
    private static final String OTHER_ACCOUNT = "AC" + "b".repeat(32);
    private static final Instant START = Instant.parse("2026-01-31T12:00:00Z");
    private static final int MESSAGES = 5000;
    private static final Set<Integer> ERROR_CODES = Set.of(30001, 30003, 30004, 30005, 30006, 30007, 30008, 30010, 30032, 30034, 21610);

    @Test
    void everyLifecycleFollowsTwiliosRules()
    {
        List<PlannedMessage> messages = plan(settings(0.1, 0.1, 0.2, 7));
        for (PlannedMessage message : messages) {
            List<MessageStatus> statuses = message.steps().stream().map(StatusStep::status).toList();
            assertThat(message.sid()).matches("SM[0-9a-f]{32}");
            assertThat(message.steps().get(0).faults()).as("no callback for the initial status").isEmpty();
            assertThat(message.steps().subList(1, message.steps().size())).allSatisfy(step -> assertThat(step.faults()).isPresent());
            assertThat(message.steps()).isSortedAccordingTo((left, right) -> left.at().compareTo(right.at()));
            if (message.messagingServiceSid().isPresent()) {
                assertThat(message.messagingServiceSid().get()).matches("MG[0-9a-f]{32}");
                assertThat(statuses.get(0)).isIn(ACCEPTED, SCHEDULED);
            }
            else {
                assertThat(statuses.get(0)).isEqualTo(QUEUED);
            }
            assertThat(statuses).isIn(
                    List.of(ACCEPTED, QUEUED, SENT, DELIVERED), List.of(QUEUED, SENT, DELIVERED),
                    List.of(ACCEPTED, QUEUED, SENT, UNDELIVERED), List.of(QUEUED, SENT, UNDELIVERED),
                    List.of(ACCEPTED, QUEUED, FAILED), List.of(QUEUED, FAILED),
                    List.of(ACCEPTED, QUEUED, SENT, DELIVERED, READ), List.of(QUEUED, SENT, DELIVERED, READ),
                    List.of(SCHEDULED, CANCELED));
            for (StatusStep step : message.steps()) {
                if (step.status() == FAILED || step.status() == UNDELIVERED) {
                    assertThat(step.errorCode()).get().isIn(ERROR_CODES);
                }
                else {
                    assertThat(step.errorCode()).isEmpty();
                }
            }
            if (statuses.contains(READ)) {
                assertThat(message.channel()).isEqualTo(Channel.WHATSAPP);
            }
            if (message.channel() == Channel.WHATSAPP) {
                assertThat(message.from()).matches("whatsapp:\\+\\d{8,15}");
                assertThat(message.to()).matches("whatsapp:\\+\\d{8,15}");
            }
            else {
                assertThat(message.from()).matches("\\+\\d{8,15}");
                assertThat(message.to()).matches("\\+\\d{8,15}");
            }
            StatusStep last = message.finalStep();
            assertThat(last.faults().orElseThrow().reorder()).as("the last callback has no next one to arrive after").isFalse();
        }
        assertThat(messages.stream().map(PlannedMessage::sid).distinct()).hasSize(MESSAGES);
    }

    @Test
    void outcomesChannelsAccountsAndCountriesFollowTheSettings()
    {
        List<PlannedMessage> messages = plan(settings(0, 0, 0, 11));
        Map<MessageStatus, Long> finals = messages.stream().collect(Collectors.groupingBy(message -> message.finalStep().status(), Collectors.counting()));
        OutcomeMix mix = OutcomeMix.DEFAULT;
        assertThat(share(finals.get(DELIVERED))).isCloseTo(mix.share(OutcomeMix.Outcome.DELIVERED), offset(0.02));
        assertThat(share(finals.get(UNDELIVERED))).isCloseTo(mix.share(OutcomeMix.Outcome.UNDELIVERED), offset(0.01));
        assertThat(share(finals.get(FAILED))).isCloseTo(mix.share(OutcomeMix.Outcome.FAILED), offset(0.01));
        assertThat(share(finals.get(READ))).isCloseTo(mix.share(OutcomeMix.Outcome.READ), offset(0.01));
        assertThat(share(finals.get(CANCELED))).isCloseTo(mix.share(OutcomeMix.Outcome.CANCELED), offset(0.01));
        long whatsapp = messages.stream().filter(message -> message.channel() == Channel.WHATSAPP).count();
        // Read messages are always WhatsApp, 20 % of the rest.
        assertThat(share(whatsapp)).isCloseTo(0.07 + 0.93 * 0.2, offset(0.02));
        assertThat(messages.stream().map(message -> message.account().sid()).collect(Collectors.toSet())).containsExactlyInAnyOrder(ACCOUNT, OTHER_ACCOUNT);
        assertThat(messages.stream().filter(message -> message.messagingServiceSid().isEmpty()).count()).isPositive();
        Set<String> countryCodes = messages.stream().map(message -> message.to().replace("whatsapp:", "").substring(0, 3)).collect(Collectors.toSet());
        assertThat(countryCodes).contains("+12", "+44", "+49", "+33", "+55", "+91");
        assertThat(messages.get(1).createdAt()).isEqualTo(START.plus(Duration.ofMillis(1)));
    }

    @Test
    void faultRatesAreNearTheSettings()
    {
        List<CallbackFaults> faults = plan(settings(0.1, 0.05, 0.2, 3)).stream()
                .flatMap(message -> message.steps().stream())
                .flatMap(step -> step.faults().stream())
                .toList();
        long dropped = faults.stream().filter(CallbackFaults::drop).count();
        List<CallbackFaults> sent = faults.stream().filter(fault -> !fault.drop()).toList();
        assertThat((double) dropped / faults.size()).isCloseTo(0.1, offset(0.01));
        assertThat((double) sent.stream().filter(CallbackFaults::duplicate).count() / sent.size()).isCloseTo(0.05, offset(0.01));
        // Every message's last callback has no next one, so the reorder share of all sent callbacks is lower than 0.2.
        assertThat((double) sent.stream().filter(CallbackFaults::reorder).count() / sent.size()).isBetween(0.08, 0.2);
        assertThat(faults.stream().map(CallbackFaults::idempotencyToken).distinct().count()).isEqualTo(faults.size());
    }

    @Test
    void sameSeedGivesTheSameTrafficAndAnotherSeedDifferentTraffic()
    {
        assertThat(plan(settings(0.1, 0.1, 0.1, 5))).isEqualTo(plan(settings(0.1, 0.1, 0.1, 5)));
        Set<String> sids = new HashSet<>(plan(settings(0.1, 0.1, 0.1, 5)).stream().map(PlannedMessage::sid).toList());
        assertThat(plan(settings(0.1, 0.1, 0.1, 6))).noneMatch(message -> sids.contains(message.sid()));
    }

    private static double share(long count)
    {
        return (double) count / MESSAGES;
    }

    private static SimulationSettings settings(double drop, double duplicate, double reorder, long seed)
    {
        return SimulationSettings.builder()
                .target(URI.create("http://127.0.0.1:1/twilio/status"))
                .account(ACCOUNT, "token-a")
                .account(OTHER_ACCOUNT, "token-b")
                .messages(MESSAGES)
                .rate(1000)
                .drop(drop)
                .duplicate(duplicate)
                .reorder(reorder)
                .seed(seed)
                .build();
    }

    private static List<PlannedMessage> plan(SimulationSettings settings)
    {
        TrafficPlanner planner = new TrafficPlanner(settings, START);
        List<PlannedMessage> messages = new ArrayList<>();
        while (planner.hasNext()) {
            messages.add(planner.next());
        }
        assertThat(messages).hasSize(settings.messages());
        return messages;
    }
}
