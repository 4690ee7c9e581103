package io.deliveryledger.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * The committed OpenAPI document ({@code service/src/main/resources/openapi.json}) and the check of a real
 * HTTP exchange against it: the operation and the status must be documented, the response's media type
 * listed, its body valid against the schema given for it (JSON Schema 2020-12 in OpenAPI 3.1's dialect,
 * formats asserted), its required headers present and valid; for a successful request also every query
 * parameter documented with a valid value, and the request body valid. Every checked response is
 * remembered, so a test can tell which documented responses it never met.
 */
final class OpenApiContract
{
    /** Where the document is found by the validator: a name only, nothing is fetched. */
    private static final String DOCUMENT_IRI = "https://delivery-ledger.invalid/openapi.json";
    private static final String CHECK_IRI = "https://delivery-ledger.invalid/check";
    /**
     * The official OpenAPI 3.1 meta-schemas (spec.openapis.org, Apache-2.0; copied from json-schema-validator's
     * test resources), kept under {@code src/test/resources/openapi/oas/3.1}, so nothing is fetched either.
     */
    private static final String OAS_PREFIX = "https://spec.openapis.org/oas/3.1";
    private static final String OAS_META_SCHEMA = OAS_PREFIX + "/schema-base/2022-10-07";
    private static final List<String> METHODS = List.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final byte[] bytes;
    private final JsonNode document;
    private final SchemaRegistry registry;
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();
    private final Set<String> met = ConcurrentHashMap.newKeySet();

    private OpenApiContract(byte[] bytes)
    {
        this.bytes = bytes.clone();
        try {
            this.document = JSON.readTree(bytes);
        }
        catch (IOException e) {
            throw new UncheckedIOException("The OpenAPI document is not JSON", e);
        }
        // The document is loaded as a schema container to resolve its $refs: its top-level fields are known, not schema keywords.
        Dialect dialect = Dialect.builder(Dialects.getOpenApi31())
                .keywords(List.of("openapi", "info", "servers", "security", "tags", "paths", "components", "webhooks", "jsonSchemaDialect", "externalDocs").stream()
                        .map(NonValidationKeyword::new)
                        .toList())
                .build();
        this.registry = SchemaRegistry.withDialect(dialect, builder -> builder
                .schemas(Map.of(DOCUMENT_IRI, new String(bytes, StandardCharsets.UTF_8)))
                .schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    }

    static OpenApiContract load()
    {
        try (InputStream input = OpenApiContract.class.getResourceAsStream(OpenApiServlet.RESOURCE)) {
            return new OpenApiContract(requireNonNull(input, "openapi.json is not on the classpath").readAllBytes());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] bytes()
    {
        return bytes.clone();
    }

    /** Errors of the document against the OpenAPI 3.1 meta-schema (its schemas against the OAS dialect). */
    List<String> metaSchemaErrors()
    {
        Schema metaSchema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12, builder -> builder
                        .schemaIdResolvers(resolvers -> resolvers.mapPrefix(OAS_PREFIX, "classpath:openapi/oas/3.1")))
                .getSchema(SchemaLocation.of(OAS_META_SCHEMA));
        return metaSchema.validate(new String(bytes, StandardCharsets.UTF_8), InputFormat.JSON).stream().map(Error::toString).toList();
    }

    /** Every {@code $ref} of the document that does not lead to a node of it. */
    List<String> unresolvedReferences()
    {
        List<String> unresolved = new ArrayList<>();
        collectReferences(document, "", unresolved);
        return unresolved;
    }

    private void collectReferences(JsonNode node, String at, List<String> unresolved)
    {
        if (node.isObject() && node.has("$ref")) {
            String reference = node.get("$ref").asText();
            if (!reference.startsWith("#/") || document.at(reference.substring(1)).isMissingNode()) {
                unresolved.add(at + ": " + reference);
            }
        }
        if (node.isObject()) {
            node.fields().forEachRemaining(field -> collectReferences(field.getValue(), at + "/" + field.getKey(), unresolved));
        }
        for (int index = 0; node.isArray() && index < node.size(); index++) {
            collectReferences(node.get(index), at + "/" + index, unresolved);
        }
    }

    /** {@code "GET /api/v1/stats/summary"} for every operation. */
    Set<String> operations()
    {
        Set<String> operations = new TreeSet<>();
        document.get("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            if (METHODS.contains(method)) {
                operations.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
            }
        }));
        return operations;
    }

    /** {@code "GET /api/v1/stats/summary 200"} for every response of every operation. */
    Set<String> documentedResponses()
    {
        Set<String> responses = new TreeSet<>();
        for (String operation : operations()) {
            operation(operation).node().get("responses").fieldNames().forEachRemaining(status -> responses.add(operation + " " + status));
        }
        return responses;
    }

    /** The responses {@link #check} met so far, as {@link #documentedResponses} names them. */
    Set<String> metResponses()
    {
        return new TreeSet<>(met);
    }

    /** Checks a real exchange against the document; throws an {@link AssertionError} saying what differs. */
    void check(Exchange exchange)
    {
        String operation = findOperation(exchange.method(), exchange.uri().getPath());
        Located responses = operation(operation).child("responses");
        String status = String.valueOf(exchange.status());
        if (!responses.node().has(status)) {
            throw new AssertionError("%s answered %d, which the document does not list for %s (%s); body: %s"
                    .formatted(exchange, exchange.status(), operation, names(responses.node().fieldNames()), exchange.bodyText()));
        }
        Located response = resolve(responses.child(status));
        List<String> problems = new ArrayList<>();
        checkHeaders(response, exchange.headers(), problems);
        checkBody(response, exchange, problems);
        if (exchange.status() >= 200 && exchange.status() < 300) {
            checkRequest(operation, exchange, problems);
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("%s (%d) does not match the document at %s:%n  %s%nbody: %s"
                    .formatted(exchange, exchange.status(), response.pointer(), String.join("\n  ", problems), exchange.bodyText()));
        }
        met.add(operation + " " + status);
    }

    private void checkHeaders(Located response, HttpHeaders headers, List<String> problems)
    {
        JsonNode documented = response.node().path("headers");
        documented.fieldNames().forEachRemaining(name -> {
            Located header = resolve(response.child("headers").child(name));
            Optional<String> value = headers.firstValue(name);
            if (value.isEmpty()) {
                if (header.node().path("required").asBoolean()) {
                    problems.add("header " + name + " is missing");
                }
                return;
            }
            validate(header.child("schema"), scalar(header.node().get("schema"), value.get()), "header " + name, problems);
        });
    }

    private void checkBody(Located response, Exchange exchange, List<String> problems)
    {
        JsonNode content = response.node().path("content");
        if (content.isMissingNode()) {
            if (exchange.body().length > 0) {
                problems.add("a body, where the document has none");
            }
            return;
        }
        Optional<String> contentType = exchange.headers().firstValue("Content-Type").map(OpenApiContract::baseMediaType);
        if (contentType.isEmpty() || !content.has(contentType.get())) {
            problems.add("media type %s, where the document lists %s".formatted(contentType.orElse("(none)"), names(content.fieldNames())));
            return;
        }
        Located media = response.child("content").child(contentType.get());
        if (media.node().has("x-itemSchema")) {
            String[] lines = exchange.bodyText().split("\n");
            for (int index = 0; index < lines.length; index++) {
                if (!lines[index].isEmpty()) {
                    validate(media.child("x-itemSchema"), json(lines[index]), "line " + (index + 1), problems);
                }
            }
            return;
        }
        if (!media.node().has("schema")) {
            return;
        }
        if (contentType.get().equals("application/json")) {
            validate(media.child("schema"), json(exchange.bodyText()), "body", problems);
        }
        else if (contentType.get().startsWith("text/")) {
            validate(media.child("schema"), JsonNodeFactory.instance.textNode(exchange.bodyText()), "body", problems);
        }
        else if (exchange.body().length == 0) {
            // A binary body (Parquet): the schema says it is a string of that media type; there must be one.
            problems.add("an empty " + contentType.get() + " body");
        }
    }

    /** Every query parameter of a successful request is one the operation lists, with a value its schema allows; so is the body. */
    private void checkRequest(String operation, Exchange exchange, List<String> problems)
    {
        Located definition = operation(operation);
        Map<String, Located> parameters = new LinkedHashMap<>();
        for (Located list : List.of(pathItem(operation).child("parameters"), definition.child("parameters"))) {
            for (int index = 0; index < list.node().size(); index++) {
                Located parameter = resolve(list.child(String.valueOf(index)));
                if (parameter.node().path("in").asText().equals("query")) {
                    parameters.put(parameter.node().get("name").asText(), parameter);
                }
            }
        }
        queryParameters(exchange.uri()).forEach((name, values) -> {
            Located parameter = parameters.get(name);
            if (parameter == null) {
                problems.add("query parameter '%s' of a successful request is not documented".formatted(name));
                return;
            }
            JsonNode schema = parameter.node().get("schema");
            JsonNode value;
            if (schema.path("type").asText().equals("array")) {
                ArrayNode array = JsonNodeFactory.instance.arrayNode();
                boolean explode = parameter.node().path("explode").asBoolean(true);
                values.stream().flatMap(item -> explode ? List.of(item).stream() : Arrays.stream(item.split(",", -1)))
                        .forEach(item -> array.add(scalar(schema.get("items"), item)));
                value = array;
            }
            else {
                value = values.size() == 1 ? scalar(schema, values.get(0)) : JsonNodeFactory.instance.textNode("(given " + values.size() + " times)");
            }
            validate(parameter.child("schema"), value, "query parameter " + name, problems);
        });
        if (exchange.requestBody().isPresent()) {
            String contentType = baseMediaType(exchange.requestContentType().orElse(""));
            Located body = definition.child("requestBody").child("content").child(contentType);
            if (body.node().isMissingNode()) {
                problems.add("request body of type %s, where the document lists %s".formatted(contentType, names(definition.node().path("requestBody").path("content").fieldNames())));
                return;
            }
            validate(body.child("schema"), json(exchange.requestBody().get()), "request body", problems);
        }
    }

    private void validate(Located schema, JsonNode value, String what, List<String> problems)
    {
        Schema compiled = schemas.computeIfAbsent(schema.pointer(), pointer -> {
            ObjectNode wrapper = JsonNodeFactory.instance.objectNode().put("$ref", DOCUMENT_IRI + "#" + pointer.replace("{", "%7B").replace("}", "%7D"));
            return registry.getSchema(SchemaLocation.of(CHECK_IRI), wrapper);
        });
        for (Error error : compiled.validate(value)) {
            problems.add(what + ": " + error);
        }
    }

    private String findOperation(String method, String path)
    {
        Iterator<String> templates = document.get("paths").fieldNames();
        while (templates.hasNext()) {
            String template = templates.next();
            String pattern = Arrays.stream(template.split("/", -1))
                    .map(segment -> segment.startsWith("{") && segment.endsWith("}") ? "[^/]+" : Pattern.quote(segment))
                    .reduce((first, second) -> first + "/" + second)
                    .orElseThrow();
            if (path.matches(pattern) && document.get("paths").get(template).has(method.toLowerCase(Locale.ROOT))) {
                return method.toUpperCase(Locale.ROOT) + " " + template;
            }
        }
        throw new AssertionError("%s %s is not an operation of the document (%s)".formatted(method, path, operations()));
    }

    private Located pathItem(String operation)
    {
        return new Located(document, "").child("paths").child(operation.substring(operation.indexOf(' ') + 1));
    }

    private Located operation(String operation)
    {
        return pathItem(operation).child(operation.substring(0, operation.indexOf(' ')).toLowerCase(Locale.ROOT));
    }

    /** Follows a reference to a response, parameter or header object of the components. */
    private Located resolve(Located located)
    {
        if (!located.node().has("$ref")) {
            return located;
        }
        String pointer = located.node().get("$ref").asText().substring(1);
        return new Located(document.at(pointer), pointer);
    }

    /** A parameter's or header's text as the JSON value its schema describes. */
    private static JsonNode scalar(JsonNode schema, String text)
    {
        if (schema != null && schema.path("type").asText().equals("integer") && text.matches("-?[0-9]{1,18}")) {
            return JsonNodeFactory.instance.numberNode(Long.parseLong(text));
        }
        return JsonNodeFactory.instance.textNode(text);
    }

    private static JsonNode json(String text)
    {
        try {
            return JSON.readTree(text);
        }
        catch (IOException e) {
            throw new AssertionError("Not JSON: " + text, e);
        }
    }

    private static Map<String, List<String>> queryParameters(URI uri)
    {
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        if (uri.getRawQuery() == null || uri.getRawQuery().isEmpty()) {
            return parameters;
        }
        for (String pair : uri.getRawQuery().split("&")) {
            int equals = pair.indexOf('=');
            String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            parameters.computeIfAbsent(name, key -> new ArrayList<>()).add(value);
        }
        return parameters;
    }

    private static String baseMediaType(String contentType)
    {
        int parameters = contentType.indexOf(';');
        return (parameters < 0 ? contentType : contentType.substring(0, parameters)).strip().toLowerCase(Locale.ROOT);
    }

    private static List<String> names(Iterator<String> names)
    {
        List<String> list = new ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }

    /** A node of the document and its JSON pointer. */
    private record Located(JsonNode node, String pointer)
    {
        Located child(String name)
        {
            JsonNode child = node.isArray() && name.matches("[0-9]+") ? node.path(Integer.parseInt(name)) : node.path(name);
            return new Located(child, pointer + "/" + name.replace("~", "~0").replace("/", "~1"));
        }
    }

    /** One request and its answer, as sent and received over HTTP. */
    record Exchange(String method, URI uri, Optional<String> requestContentType, Optional<String> requestBody, int status, HttpHeaders headers, byte[] body)
    {
        Exchange
        {
            requireNonNull(method, "method is null");
            requireNonNull(uri, "uri is null");
            requireNonNull(requestContentType, "requestContentType is null");
            requireNonNull(requestBody, "requestBody is null");
            requireNonNull(headers, "headers is null");
            body = body.clone();
        }

        String bodyText()
        {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString()
        {
            return method + " " + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        }
    }
}
