package io.deliveryledger.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static io.deliveryledger.testing.TestingLedger.FIRST_ACCOUNT;
import static io.deliveryledger.testing.TestingLedger.SECOND_ACCOUNT;
import static java.util.Objects.requireNonNull;

/**
 * Registration requests ({@code POST /api/v1/messages}) with strange content: Message resources whose
 * dates lie far in the past or future, whose numbers overflow, whose text comes from every Unicode
 * plane, whose fields have the wrong JSON type; arrays that are empty or too long; bodies that are no
 * JSON at all.
 */
public final class FuzzedRegistrations
{
    /** The date format of Twilio's REST API, which twilio-java reads. */
    public static final DateTimeFormatter TWILIO_DATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.US);

    private static final String LONE_SURROGATE = "lone-surrogate-placeholder";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Integer> YEARS = List.of(1, 1000, 1899, 1900, 1969, 1970, 2007, 2008, 2106, 2262, 2299, 2300, 9999);
    private static final List<String> DATE_FIELDS = List.of("date_created", "date_updated", "date_sent");
    private static final List<String> STRING_FIELDS = List.of("body", "to", "from", "error_message", "price", "price_unit", "api_version", "direction", "num_segments", "num_media", "uri");
    private static final List<String> NOT_JSON = List.of("", "null", "42", "\"text\"", "{", "[", "{\"sid\": }", "\uFEFF{}", "{} {}", "[1, 2,]", "{\"a\": NaN}");

    private final HostileValues values;
    private final Instant now;

    public FuzzedRegistrations(HostileValues values, Instant now)
    {
        this.values = requireNonNull(values, "values is null");
        this.now = requireNonNull(now, "now is null");
    }

    /**
     * @param sids the SIDs of the messages in the body, each stored once if the request is accepted
     */
    public record Request(String caseId, String contentType, String body, List<String> sids, List<String> mutations)
    {
        public Request
        {
            requireNonNull(caseId, "caseId is null");
            requireNonNull(contentType, "contentType is null");
            requireNonNull(body, "body is null");
            sids = List.copyOf(sids);
            mutations = List.copyOf(mutations);
        }

        @Override
        public String toString()
        {
            return caseId + " " + contentType + " mutations " + mutations + ": " + (body.length() <= 300 ? body : body.substring(0, 300) + "...");
        }
    }

    public Request next(String caseId)
    {
        List<String> mutations = new ArrayList<>();
        if (values.chance(0.05)) {
            mutations.add("not JSON");
            return new Request(caseId, "application/json", values.pick(NOT_JSON), List.of(), mutations);
        }
        int messages = values.chance(0.05) ? values.pick(List.of(0, 1001)) : values.between(1, 4);
        List<String> sids = new ArrayList<>();
        ArrayNode array = NODES.arrayNode();
        for (int index = 0; index < messages; index++) {
            String sid = "SM" + values.hex(16);
            sids.add(sid);
            array.add(message(sid, index < 5 ? mutations : new ArrayList<>()));
        }
        JsonNode body = messages == 1 && values.chance(0.5) ? array.get(0) : array;
        String contentType = values.chance(0.05) ? values.pick(List.of("text/plain", "application/x-www-form-urlencoded", "application/json; charset=ISO-8859-1", "application/xml")) : "application/json";
        if (!contentType.equals("application/json")) {
            mutations.add("Content-Type " + contentType);
        }
        return new Request(caseId, contentType, write(body).replace(LONE_SURROGATE, values.pick(List.of("\\ud800", "x\\udfff", "\\ude00\\ud83d"))), sids, mutations);
    }

    private ObjectNode message(String sid, List<String> mutations)
    {
        String created = TWILIO_DATE.format(now.atZone(ZoneOffset.UTC));
        ObjectNode message = NODES.objectNode();
        message.put("account_sid", values.chance(0.8) ? FIRST_ACCOUNT : SECOND_ACCOUNT);
        message.put("api_version", "2010-04-01");
        message.put("body", "Hello");
        message.put("date_created", created);
        message.putNull("date_sent");
        message.put("date_updated", created);
        message.put("direction", "outbound-api");
        message.putNull("error_code");
        message.putNull("error_message");
        message.put("from", "+15017122661");
        message.putNull("messaging_service_sid");
        message.put("num_media", "0");
        message.put("num_segments", "1");
        message.putNull("price");
        message.put("price_unit", "USD");
        message.put("sid", sid);
        message.put("status", values.pick(List.of("accepted", "queued", "scheduled")));
        message.put("to", "+15558675310");
        message.put("uri", "/2010-04-01/Accounts/" + FIRST_ACCOUNT + "/Messages/" + sid + ".json");
        // Most messages stay valid: one bad message refuses its whole request.
        int count = values.chance(0.6) ? 0 : values.between(1, 2);
        for (int index = 0; index < count; index++) {
            // Dates first: a message's time is the one value of a registration that ClickHouse itself must hold.
            int mutation = values.chance(0.3) ? 0 : values.between(0, 9);
            mutations.add(String.valueOf(mutation));
            switch (mutation) {
                case 0 -> message.put(values.chance(0.7) ? "date_created" : values.pick(DATE_FIELDS), date());
                case 1 -> message.set("error_code", number());
                case 2 -> message.set(values.pick(List.of("num_segments", "num_media", "price")), number());
                case 3 -> message.put(values.pick(STRING_FIELDS), values.text());
                case 4 -> message.set(values.pick(List.of("sid", "account_sid", "status", "date_created", "to", "body", "error_code")), wrongType());
                case 5 -> message.put("status", values.text());
                case 6 -> message.put(values.pick(List.of("sid", "account_sid", "messaging_service_sid")), values.chance(0.5) ? values.text() : values.pick(List.of("AC", "MG", "SM")) + values.hex(16));
                case 7 -> message.set(values.unicode(values.between(1, 10)), NODES.objectNode().put(values.text(), values.text()));
                case 8 -> message.put(values.pick(DATE_FIELDS), values.text());
                // JSON can escape half a surrogate pair, which is no text at all (no UTF-8 can carry it).
                default -> message.put(values.pick(List.of("to", "from", "error_message", "price_unit", "status", "direction")), LONE_SURROGATE);
            }
        }
        return message;
    }

    /** A date Twilio's format can carry (with its true weekday), from year 1 to 9999, or one it cannot. */
    private String date()
    {
        if (values.chance(0.2)) {
            return values.pick(List.of("Thu, 26 Nov 2026 25:61:61 +0000", "Thu, 26 Nov 2026 09:15:02 +9999", "2026-11-26T09:15:02Z", "Mon, 26 Nov 2026 09:15:02 +0000", ""));
        }
        ZonedDateTime date = ZonedDateTime.of(values.pick(YEARS), values.between(1, 12), values.between(1, 28), values.between(0, 23), values.between(0, 59), values.between(0, 59), 0, ZoneOffset.ofHours(values.between(-12, 14)));
        return TWILIO_DATE.format(date);
    }

    private JsonNode number()
    {
        return switch (values.between(0, 5)) {
            case 0 -> NODES.numberNode(new BigInteger("99999999999999999999999999"));
            case 1 -> NODES.numberNode(values.pick(List.of(-1L, 2147483648L, 4294967296L, Long.MAX_VALUE, Long.MIN_VALUE)));
            case 2 -> NODES.numberNode(new BigDecimal("1.5e400"));
            case 3 -> NODES.numberNode(1.5);
            default -> NODES.textNode(values.number());
        };
    }

    private JsonNode wrongType()
    {
        return switch (values.between(0, 4)) {
            case 0 -> NODES.arrayNode().add(values.text());
            case 1 -> NODES.objectNode().put("nested", values.text());
            case 2 -> NODES.booleanNode(true);
            case 3 -> NODES.numberNode(values.between(0, 1_000_000));
            default -> NODES.nullNode();
        };
    }

    private static String write(JsonNode body)
    {
        try {
            return JSON.writeValueAsString(body);
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
