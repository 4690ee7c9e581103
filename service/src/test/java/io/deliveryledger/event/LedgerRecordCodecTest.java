package io.deliveryledger.event;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class LedgerRecordCodecTest
{
    /** Jackson's defaults with times as ISO-8601 text, as versions before this codec's own settings wrote records. */
    private static final ObjectMapper EARLIER_VERSIONS = new ObjectMapper().registerModule(new Jdk8Module()).registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final LedgerRecordCodec codec = new LedgerRecordCodec();

    @Test
    void generatedTextFromEveryPlaneRoundTripsInKeysAndValues()
            throws Exception
    {
        Random random = new Random(20261201);
        for (int round = 0; round < 2000; round++) {
            Map<String, String> tags = generatedMap(random);
            Map<String, String> parameters = generatedMap(random);
            StatusEvent event = new StatusEvent(text(random), Source.CALLBACK, Instant.parse("2026-12-01T10:15:30.123456Z"), Instant.parse("2026-12-01T10:15:29Z"),
                    text(random), text(random), Optional.of(text(random)), MessageStatus.DELIVERED, OptionalInt.of(30003), text(random), text(random), text(random),
                    Optional.of(text(random)), Optional.of(text(random)), tags, parameters);
            RejectedRequest rejected = new RejectedRequest(Instant.parse("2026-12-01T10:15:30Z"), text(random), text(random), text(random), text(random), text(random), text(random), parameters);

            assertThat(codec.decode(codec.encode(event))).isEqualTo(event);
            assertThat(codec.decode(codec.encode(rejected))).isEqualTo(rejected);
        }
    }

    @Test
    void emojiInATagNameIsWrittenAsOneFourByteSequence()
            throws Exception
    {
        RejectedRequest rejected = rejected(Map.of("\uD83D\uDE80", "launch"));

        byte[] encoded = codec.encode(rejected);

        assertThat(encoded).containsSequence(0xF0, 0x9F, 0x9A, 0x80);
        assertThat(codec.decode(encoded)).isEqualTo(rejected);
    }

    @Test
    void recordsWithEscapedSurrogatePairsInKeysAreRepaired()
            throws Exception
    {
        RejectedRequest rejected = rejected(Map.of("\uD83D\uDE80campaign", "\uD83D\uDE80launch", "\u4e2d", "\uD840\uDC00", "back\\uD83D\\uDE80slash", "x"));
        // How earlier versions wrote it: Jackson's default writer escapes the pairs, and its parser refuses them in keys.
        byte[] written = EARLIER_VERSIONS.writerFor(LedgerRecord.class).writeValueAsBytes(rejected);
        assertThatThrownBy(() -> EARLIER_VERSIONS.readerFor(LedgerRecord.class).readValue(written)).hasMessageContaining("Illegal surrogate character");

        assertThat(codec.decode(written)).isEqualTo(rejected);
    }

    @Test
    void timesAreSecondsWithNanosecondsAndEarlierIsoTextStillReads()
            throws Exception
    {
        RejectedRequest rejected = new RejectedRequest(Instant.parse("2026-12-01T10:15:30.123456789Z"), "status", "invalid_message_sid", "detail", "", "", "", Map.of());

        assertThat(new String(codec.encode(rejected), StandardCharsets.UTF_8)).contains("\"receivedAt\":1796120130.123456789");
        // How earlier versions wrote times: ISO-8601 text.
        byte[] written = EARLIER_VERSIONS.writerFor(LedgerRecord.class).writeValueAsBytes(rejected);
        assertThat(new String(written, StandardCharsets.UTF_8)).contains("\"receivedAt\":\"2026-12-01T10:15:30.123456789Z\"");
        assertThat(codec.decode(written)).isEqualTo(rejected);
    }

    @Test
    void timesOfEveryFormRoundTripOrReadAsJacksonReadsThem()
            throws Exception
    {
        Random random = new Random(20261202);
        for (int round = 0; round < 10_000; round++) {
            long seconds = random.nextLong(4_102_444_800L);
            int nanos = switch (random.nextInt(4)) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            RejectedRequest rejected = new RejectedRequest(Instant.ofEpochSecond(seconds, nanos), "status", "reason", "detail", "", "", "", Map.of());
            assertThat(codec.decode(codec.encode(rejected))).isEqualTo(rejected);
        }

        String written = new String(codec.encode(rejected(Map.of())), StandardCharsets.UTF_8);
        assertThat(written).contains("\"receivedAt\":1796120130.000000000");
        Map<String, Instant> forms = Map.of(
                "1796120130.5", Instant.parse("2026-12-01T10:15:30.5Z"),
                "1796120130.000000001", Instant.parse("2026-12-01T10:15:30.000000001Z"),
                "1796120130", Instant.parse("2026-12-01T10:15:30Z"),
                "1.7961201305E9", Instant.parse("2026-12-01T10:15:30.5Z"),
                "1796120130.1234567891", Instant.parse("2026-12-01T10:15:30.123456789Z"),
                "0.25", Instant.parse("1970-01-01T00:00:00.25Z"));
        forms.forEach((form, instant) -> {
            byte[] record = written.replace("1796120130.000000000", form).getBytes(StandardCharsets.UTF_8);
            try {
                assertThat(((RejectedRequest) codec.decode(record)).receivedAt()).as(form).isEqualTo(instant);
                assertThat(((RejectedRequest) EARLIER_VERSIONS.readerFor(LedgerRecord.class).readValue(record)).receivedAt()).as("Jackson's reading of " + form).isEqualTo(instant);
            }
            catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        for (String other : List.of(".5", "5.", "-1.5", "1.5e3", "1234567890123.5", "1.1234567891")) {
            assertThat(EpochSecondsDeserializer.fromDigits(other.toCharArray(), 0, other.length())).as(other).isNull();
        }
    }

    @Test
    void statusEventsGoInBinaryAndThoseOfEarlierVersionsInJsonStillRead()
            throws Exception
    {
        Random random = new Random(20261203);
        for (int round = 0; round < 2000; round++) {
            Source source = Source.values()[random.nextInt(Source.values().length)];
            MessageStatus status = MessageStatus.values()[random.nextInt(MessageStatus.values().length)];
            Instant receivedAt = Instant.ofEpochSecond(random.nextLong(-4_102_444_800L, 4_102_444_800L), random.nextInt(1_000_000_000));
            StatusEvent event = new StatusEvent(text(random), source, receivedAt, receivedAt.minusNanos(random.nextLong(1L << 50)), text(random), text(random),
                    optional(random), status, random.nextBoolean() ? OptionalInt.empty() : OptionalInt.of(random.nextInt()), text(random), text(random), text(random),
                    optional(random), optional(random), generatedMap(random), generatedMap(random));

            byte[] binary = codec.encode(event);
            assertThat(binary[0]).as("the binary format's first byte").isEqualTo((byte) 1);
            assertThat(codec.decode(binary)).isEqualTo(event);
            // As earlier versions wrote it, and as json() gives it.
            assertThat(codec.decode(EARLIER_VERSIONS.writerFor(LedgerRecord.class).writeValueAsBytes(event))).isEqualTo(event);
            assertThat(codec.decode(codec.json(event).getBytes(StandardCharsets.UTF_8))).isEqualTo(event);
        }
        StatusEvent event = event();
        assertThat(codec.json(event)).startsWith("{\"type\":\"status_event\"").contains("\"status\":\"DELIVERED\"");
        assertThat(LedgerRecordCodec.printable(codec.encode(event))).isEqualTo("base64:" + Base64.getEncoder().encodeToString(codec.encode(event)));
        assertThat(LedgerRecordCodec.printable(codec.encode(rejected(Map.of())))).isEqualTo(new String(codec.encode(rejected(Map.of())), StandardCharsets.UTF_8));
    }

    @Test
    void aBinaryRecordCutShortOrFollowedByMoreIsRefused()
    {
        byte[] whole = codec.encode(event());
        for (int length = 1; length < whole.length; length++) {
            byte[] cut = Arrays.copyOf(whole, length);
            assertThatThrownBy(() -> codec.decode(cut)).as("cut to %d of %d bytes", length, whole.length).isInstanceOf(IOException.class);
        }
        byte[] longer = Arrays.copyOf(whole, whole.length + 1);
        assertThatThrownBy(() -> codec.decode(longer)).isInstanceOf(IOException.class).hasMessage("1 bytes follow the status event");
        // A status that no version has: the name is in the record as text.
        byte[] unknownStatus = new String(whole, StandardCharsets.ISO_8859_1).replace("DELIVERED", "DELIVERER").getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> codec.decode(unknownStatus)).isInstanceOf(IOException.class).hasMessageContaining("DELIVERER");
    }

    private static StatusEvent event()
    {
        return new StatusEvent("0123456789abcdef0123456789abcdef", Source.CALLBACK, Instant.parse("2026-12-01T10:15:30.123456789Z"), Instant.parse("2026-12-01T10:15:29Z"),
                "AC" + "1".repeat(32), "SM" + "2".repeat(32), Optional.empty(), MessageStatus.DELIVERED, OptionalInt.empty(), "+15017122661", "+15558675310", "outbound-api",
                Optional.of("2010-04-01"), Optional.empty(), Map.of("campaign", "spring"), Map.of("MessageStatus", "delivered", "SmsStatus", "delivered"));
    }

    private static Optional<String> optional(Random random)
    {
        return random.nextBoolean() ? Optional.empty() : Optional.of(text(random));
    }

    private static RejectedRequest rejected(Map<String, String> parameters)
    {
        return new RejectedRequest(Instant.parse("2026-12-01T10:15:30Z"), "status", "invalid_message_sid", "detail", "", "", "", parameters);
    }

    private static Map<String, String> generatedMap(Random random)
    {
        Map<String, String> map = new HashMap<>();
        for (int entry = random.nextInt(6); entry > 0; entry--) {
            map.put(text(random), text(random));
        }
        return map;
    }

    /** Code points from every plane, ASCII and control characters often, never half a surrogate pair. */
    private static String text(Random random)
    {
        StringBuilder text = new StringBuilder();
        for (int length = random.nextInt(24); length > 0; length--) {
            int codePoint;
            do {
                codePoint = switch (random.nextInt(4)) {
                    case 0 -> random.nextInt(0x80);
                    case 1 -> random.nextInt(0x800);
                    case 2 -> 0x10000 + random.nextInt(0x100000);
                    default -> random.nextInt(Character.MAX_CODE_POINT + 1);
                };
            }
            while (Character.isSurrogate((char) codePoint) && codePoint <= 0xFFFF);
            text.appendCodePoint(codePoint);
        }
        return text.toString();
    }
}
