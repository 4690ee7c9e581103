package io.deliveryledger.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * docker-compose.yml's {@code cluster} profile, as Compose resolves it ({@code docker compose config},
 * which needs no Docker engine), wired to the files it mounts: the ClickHouse cluster of
 * docker/cluster/clickhouse.xml, its Keeper, HAProxy's backends, the users script. No Docker engine
 * runs here, so nothing is started.
 */
final class ClusterComposeTest
{
    private static final Path ROOT = Path.of(System.getProperty("ledger.repository.root", ".."));
    private static final Map<String, String> ENVIRONMENT = Map.of("CLICKHOUSE_PASSWORD", "check", "CLICKHOUSE_LEDGER_PASSWORD", "check",
            "CLICKHOUSE_GRAFANA_PASSWORD", "check", "GRAFANA_ADMIN_PASSWORD", "check", "TWILIO_ACCOUNT_SID", "AC" + "0".repeat(32), "TWILIO_AUTH_TOKEN", "check");
    private static final Pattern HAPROXY_SERVER = Pattern.compile("(?m)^\\s*server (\\S+) (\\S+):(\\d+)\\s*$");

    @Test
    void theClusterProfileConnectsTwoInstancesToTwoReplicasOfTheConfiguredClusterBehindOneBalancer()
            throws Exception
    {
        JsonNode services = compose("--profile", "cluster").get("services");
        Document clickhouse = xml(ROOT.resolve("docker/cluster/clickhouse.xml"));
        Element cluster = firstElement(clickhouse.getElementsByTagName("remote_servers").item(0));
        List<String> replicaHosts = texts(cluster, "host");

        assertThat(replicaHosts).containsExactly("clickhouse-1", "clickhouse-2");
        for (String replica : replicaHosts) {
            JsonNode server = services.get(replica);
            assertThat(server.get("image").asText()).startsWith("clickhouse/clickhouse-server:26.");
            assertThat(server.get("hostname").asText()).as("the name the other replica fetches parts from").isEqualTo(replica);
            assertThat(server.at("/environment/CLICKHOUSE_REPLICA").asText()).as("the {replica} macro").isEqualTo(replica);
            assertThat(volumeSources(server)).contains(ROOT.resolve("docker/cluster/clickhouse.xml").toRealPath().toString());
        }
        assertThat(volumeSources(services.get("clickhouse-1"))).doesNotContainAnyElementsOf(volumeSources(services.get("clickhouse-2")).stream()
                .filter(source -> !source.endsWith(".xml")).toList());
        assertThat(((Element) clickhouse.getElementsByTagName("replica").item(clickhouse.getElementsByTagName("replica").getLength() - 1)).getAttribute("from_env"))
                .isEqualTo("CLICKHOUSE_REPLICA");

        String keeperHost = texts((Element) clickhouse.getElementsByTagName("zookeeper").item(0), "host").get(0);
        assertThat(services.get(keeperHost).get("image").asText()).startsWith("clickhouse/clickhouse-keeper:26.");
        Document keeper = xml(ROOT.resolve("docker/cluster/keeper.xml"));
        assertThat(texts(keeper.getDocumentElement(), "hostname")).containsExactly(keeperHost);
        assertThat(texts(keeper.getDocumentElement(), "tcp_port")).containsExactly(texts((Element) clickhouse.getElementsByTagName("zookeeper").item(0), "port").get(0));

        List<String> ledgers = List.of("ledger-1", "ledger-2");
        for (int index = 0; index < ledgers.size(); index++) {
            JsonNode ledger = services.get(ledgers.get(index));
            assertThat(ledger.at("/environment/CLICKHOUSE_CLUSTER").asText()).as("the cluster of remote_servers").isEqualTo(cluster.getTagName());
            assertThat(URI.create(ledger.at("/environment/CLICKHOUSE_URL").asText()).getHost()).isEqualTo(replicaHosts.get(index));
            assertThat(ledger.at("/environment/ADMIN_BIND_HOST").asText()).as("the balancer checks the admin port").isEqualTo("0.0.0.0");
            assertThat(ledger.at("/environment/TWILIO_AUTH_TOKEN").asText()).isEqualTo("check");
        }
        assertThat(volumeSources(services.get("ledger-1"))).as("a journal each").doesNotContainAnyElementsOf(volumeSources(services.get("ledger-2")));

        JsonNode users = services.get("clickhouse-users-cluster");
        assertThat(users.at("/environment/CLICKHOUSE_HOST").asText().split(" ")).containsExactlyElementsOf(replicaHosts);
        assertThat(users.at("/environment/CLICKHOUSE_CLUSTER").asText()).isEqualTo(cluster.getTagName());

        JsonNode balancer = services.get("balancer");
        assertThat(balancer.get("image").asText()).startsWith("haproxy:");
        assertThat(balancer.get("ports")).hasSize(1);
        assertThat(balancer.get("ports").get(0).get("target").asInt()).isEqualTo(8080);
        String haproxy = Files.readString(ROOT.resolve("docker/cluster/haproxy.cfg"), StandardCharsets.UTF_8);
        Matcher server = HAPROXY_SERVER.matcher(haproxy);
        List<String> backends = new ArrayList<>();
        while (server.find()) {
            assertThat(server.group(1)).isEqualTo(server.group(2));
            assertThat(server.group(3)).isEqualTo("8080");
            backends.add(server.group(2));
        }
        assertThat(backends).containsExactlyElementsOf(ledgers);
        assertThat(haproxy).contains("bind :8080").contains("check port 8081").contains("option httpchk GET /healthcheck/live");
    }

    @Test
    void theSingleServerServicesStayAsTheyWere()
            throws Exception
    {
        JsonNode services = compose().get("services");

        assertThat(services.get("ledger").at("/environment/CLICKHOUSE_URL").asText()).isEqualTo("http://clickhouse:8123");
        assertThat(services.get("ledger").at("/environment/CLICKHOUSE_CLUSTER").isMissingNode()).isTrue();
        assertThat(services.get("clickhouse").get("volumes").toString()).doesNotContain("cluster");
        Set<String> clusterServices = Set.of("keeper", "clickhouse-1", "clickhouse-2", "clickhouse-users-cluster", "ledger-1", "ledger-2", "balancer");
        services.fields().forEachRemaining(entry -> assertThat(entry.getValue().path("profiles").toString().contains("cluster"))
                .as("%s in the cluster profile", entry.getKey())
                .isEqualTo(clusterServices.contains(entry.getKey())));
    }

    private static JsonNode compose(String... options)
            throws IOException, InterruptedException
    {
        List<String> command = new ArrayList<>(composeCommand());
        command.addAll(List.of(options));
        command.add("config");
        ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile());
        builder.environment().putAll(ENVIRONMENT);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(errors).isZero();
        return new ObjectMapper(new YAMLFactory()).readTree(output);
    }

    /** Compose v2's plugin, or v1.29; the test needs one of them (scripts/test checks the file with it too). */
    private static List<String> composeCommand()
            throws InterruptedException
    {
        for (List<String> candidate : List.of(List.of("docker", "compose"), List.of("docker-compose"))) {
            List<String> version = new ArrayList<>(candidate);
            version.add("version");
            try {
                if (new ProcessBuilder(version).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0) {
                    return candidate;
                }
            }
            catch (IOException notInstalled) {
                // Try the next.
            }
        }
        assumeThat(false).as("neither 'docker compose' nor docker-compose is installed").isTrue();
        throw new AssertionError("unreachable");
    }

    private static List<String> volumeSources(JsonNode service)
    {
        List<String> sources = new ArrayList<>();
        // Compose v1.29 writes SOURCE:TARGET[:MODE], v2 the long form.
        service.get("volumes").forEach(volume -> sources.add(volume.isTextual() ? volume.asText().split(":")[0] : volume.get("source").asText()));
        return sources;
    }

    private static Document xml(Path file)
            throws Exception
    {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    }

    private static Element firstElement(Node parent)
    {
        for (Node child = parent.getFirstChild(); child != null; child = child.getNextSibling()) {
            if (child instanceof Element element) {
                return element;
            }
        }
        throw new AssertionError("no element in " + parent.getNodeName());
    }

    private static List<String> texts(Element parent, String tag)
    {
        return IntStream.range(0, parent.getElementsByTagName(tag).getLength())
                .mapToObj(index -> parent.getElementsByTagName(tag).item(index).getTextContent().strip())
                .collect(Collectors.toList());
    }
}
