package io.deliveryledger.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.deliveryledger.testing.TestingLedger.FIRST_ACCOUNT;
import static io.deliveryledger.testing.TestingLedger.FIRST_TOKEN;
import static io.deliveryledger.testing.TestingLedger.SECOND_ACCOUNT;
import static io.deliveryledger.testing.TestingLedger.SECOND_NEW_TOKEN;
import static java.util.Objects.requireNonNull;

/**
 * Correctly signed webhooks with strange content: status callbacks and inbound messages whose
 * parameters and tags hold text from every Unicode plane, control characters, overflowing numbers,
 * empty values, duplicate keys, thousands of parameters or huge values. Each carries a
 * {@value #CASE_PARAMETER} parameter, so whatever the service stored for it can be found.
 */
public final class FuzzedWebhooks
{
    public static final String CASE_PARAMETER = "FuzzCase";
    /** Beyond these the request line or body may be refused for its size (Jetty's 8 KiB headers, the intake's 64 KiB form). */
    private static final int MAX_URL_LENGTH = 7 * 1024;
    private static final int MAX_FORM_LENGTH = 60 * 1024;

    private static final List<String> STATUSES = List.of(
            "accepted", "scheduled", "queued", "sending", "sent", "delivered", "undelivered", "failed", "canceled", "read", "partially_delivered", "receiving", "received");
    private static final List<String> KNOWN_PARAMETERS = List.of(
            "MessageSid", "SmsSid", "SmsMessageSid", "AccountSid", "MessagingServiceSid", "MessageStatus", "SmsStatus", "ErrorCode", "From", "To", "ApiVersion", "Body", "RawDlrDoneDate", "ChannelPrefix");
    private static final List<String> DLR_DATES = List.of("2611271530", "0001010000", "9912312359", "0000000000", "2613451299", "99999999999999999999", "-1");

    /** What each mutation does, for failure messages. */
    private static final List<String> MUTATIONS = List.of(
            "strange parameter", "strange tag", "strange ErrorCode", "strange address", "empty known parameter", "hundreds of parameters",
            "hundreds of tags", "Body from every plane", "huge value", "strange MessageSid", "strange AccountSid", "strange known parameter",
            "odd RawDlrDoneDate", "duplicate key");

    private final HostileValues values;
    private final String baseUrl;

    /** @param baseUrl what Twilio would sign, e.g. {@code http://localhost:8080} */
    public FuzzedWebhooks(HostileValues values, String baseUrl)
    {
        this.values = requireNonNull(values, "values is null");
        this.baseUrl = requireNonNull(baseUrl, "baseUrl is null");
    }

    /**
     * One signed request.
     *
     * @param parameters the parameters the service reads (the first of duplicates)
     * @param tags the query parameters of a POST, which the service stores as tags
     * @param mayBeForbidden whether the account could be one without a configured token
     * @param mayBeTooLarge whether it may exceed the size limits of a request or a URL
     */
    public record Request(
            String caseId,
            String method,
            String pathAndQuery,
            String form,
            String signature,
            Optional<String> idempotencyToken,
            Map<String, String> parameters,
            Map<String, String> tags,
            boolean mayBeForbidden,
            boolean mayBeTooLarge,
            List<String> mutations)
    {
        public Request
        {
            requireNonNull(caseId, "caseId is null");
            requireNonNull(method, "method is null");
            requireNonNull(pathAndQuery, "pathAndQuery is null");
            requireNonNull(form, "form is null");
            requireNonNull(signature, "signature is null");
            requireNonNull(idempotencyToken, "idempotencyToken is null");
            parameters = Map.copyOf(parameters);
            tags = Map.copyOf(tags);
            mutations = List.copyOf(mutations);
        }

        @Override
        public String toString()
        {
            return caseId + " " + method + " " + abbreviate(pathAndQuery) + " mutations " + mutations;
        }

        private static String abbreviate(String text)
        {
            return text.length() <= 200 ? text : text.substring(0, 200) + "...";
        }
    }

    public Request next(String caseId)
    {
        boolean inbound = values.chance(0.2);
        boolean get = inbound && values.chance(0.5);
        boolean secondAccount = values.chance(0.3);
        String sid = (values.chance(0.9) ? "SM" : "MM") + values.hex(16);
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put(CASE_PARAMETER, caseId);
        parameters.put("MessageSid", sid);
        parameters.put("SmsSid", sid);
        parameters.put("AccountSid", secondAccount ? SECOND_ACCOUNT : FIRST_ACCOUNT);
        parameters.put("From", "+15017122661");
        parameters.put("To", "+15558675310");
        parameters.put("ApiVersion", "2010-04-01");
        if (inbound) {
            parameters.put("Body", "Hello");
            parameters.put("NumMedia", "0");
        }
        else {
            String status = values.pick(STATUSES);
            parameters.put("MessageStatus", status);
            parameters.put("SmsStatus", status);
        }
        Map<String, String> tags = new LinkedHashMap<>();
        List<String> mutations = new ArrayList<>();
        boolean mayBeForbidden = false;
        boolean mayBeTooLarge = false;
        String duplicates = "";
        int count = values.between(1, 3);
        for (int index = 0; index < count; index++) {
            int mutation = values.between(0, 13);
            mutations.add(MUTATIONS.get(mutation));
            switch (mutation) {
                case 0 -> parameters.put(nonEmptyName(), values.text());
                case 1 -> tags.put(nonEmptyName(), values.text());
                case 2 -> parameters.put("ErrorCode", values.number());
                case 3 -> parameters.put(values.pick(List.of("From", "To")), values.text());
                case 4 -> {
                    String emptied = values.pick(KNOWN_PARAMETERS);
                    parameters.put(emptied, "");
                    // Without an account the signature cannot be checked.
                    mayBeForbidden |= emptied.equals("AccountSid");
                }
                case 5 -> {
                    int many = values.between(100, 1100);
                    for (int parameter = 0; parameter < many; parameter++) {
                        parameters.put("P" + parameter, values.chance(0.1) ? values.unicode(2) : "");
                    }
                    mayBeTooLarge = true;
                }
                case 6 -> {
                    int many = values.between(50, 700);
                    for (int tag = 0; tag < many; tag++) {
                        tags.put("t" + tag, String.valueOf(tag));
                    }
                    mayBeTooLarge = true;
                }
                case 7 -> parameters.put("Body", values.unicode(values.between(1, 1600)));
                case 8 -> {
                    parameters.put("Huge", values.unicode(1).repeat(values.between(10_000, 70_000)));
                    mayBeTooLarge = true;
                }
                case 9 -> {
                    String strange = values.chance(0.5) ? values.text() : "SM" + values.hex(16) + values.text();
                    parameters.put("MessageSid", strange);
                }
                case 10 -> {
                    parameters.put("AccountSid", values.chance(0.5) ? values.text() : "AC" + values.hex(16));
                    mayBeForbidden = true;
                }
                case 11 -> parameters.put(values.pick(List.of("MessagingServiceSid", "ApiVersion", "ChannelPrefix", "SmsStatus")), values.text());
                case 12 -> parameters.put("RawDlrDoneDate", values.pick(DLR_DATES));
                default -> {
                    String name = values.pick(List.copyOf(parameters.keySet()));
                    duplicates += "&" + WebhookClient.form(Map.of(name, values.text()));
                }
            }
        }
        String endpoint = inbound ? "/twilio/inbound" : "/twilio/status";
        String authToken = parameters.get("AccountSid").equals(SECOND_ACCOUNT) ? SECOND_NEW_TOKEN : FIRST_TOKEN;
        TwilioSigner signer = new TwilioSigner(authToken);
        Optional<String> idempotencyToken = values.chance(0.3) ? Optional.of(values.hex(values.between(1, 40))) : Optional.empty();
        if (get) {
            String pathAndQuery = endpoint + "?" + WebhookClient.form(parameters) + duplicates;
            return new Request(caseId, "GET", pathAndQuery, "", signer.sign(baseUrl + pathAndQuery, Map.of()), idempotencyToken, parameters, Map.of(), mayBeForbidden, mayBeTooLarge || pathAndQuery.length() > MAX_URL_LENGTH, mutations);
        }
        String pathAndQuery = tags.isEmpty() ? endpoint : endpoint + "?" + WebhookClient.form(tags);
        String form = WebhookClient.form(parameters) + duplicates;
        boolean tooLarge = mayBeTooLarge || pathAndQuery.length() > MAX_URL_LENGTH || form.length() > MAX_FORM_LENGTH;
        return new Request(caseId, "POST", pathAndQuery, form, signer.sign(baseUrl + pathAndQuery, parameters), idempotencyToken, parameters, tags, mayBeForbidden, tooLarge, mutations);
    }

    /** A parameter name that is not {@value #CASE_PARAMETER}: the one name the fuzzer keeps for itself. */
    private String nonEmptyName()
    {
        String name = values.text();
        return name.isEmpty() || name.equals(CASE_PARAMETER) ? "x" + values.hex(2) : name;
    }
}
