package io.deliveryledger.analytics;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

final class AnalyticsFilterTest
{
    private static final Instant NOW = Instant.parse("2026-11-27T10:15:00Z");

    @Test
    void defaultsToTheLastSevenDays()
    {
        AnalyticsFilter filter = parse(Optional.empty(), Optional.empty(), List.of());

        assertThat(filter.to()).isEqualTo(NOW);
        assertThat(filter.from()).isEqualTo(Instant.parse("2026-11-20T10:15:00Z"));
    }

    @Test
    void datesAreUtcMidnightsAndOffsetsAreHonoured()
    {
        AnalyticsFilter filter = parse(Optional.of("2026-11-01"), Optional.of("2026-11-02T01:00:00+02:00"), List.of("campaign:spring", "customer:42"));

        assertThat(filter.from()).isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
        assertThat(filter.to()).isEqualTo(Instant.parse("2026-11-01T23:00:00Z"));
        assertThat(filter.tags()).isEqualTo(Map.of("campaign", "spring", "customer", "42"));
    }

    @Test
    void everyValueIsBoundAndNoneIsWrittenIntoTheText()
    {
        String hostile = "x') OR 1=1 --";
        AnalyticsFilter filter = parse(Optional.empty(), Optional.empty(), List.of("campaign:" + hostile));
        Sql sql = new MessageCounts(filter, List.of(Dimension.parse("groupBy", "tag:customer")), NOW).countBy();

        assertThat(sql.text()).doesNotContain(hostile).doesNotContain("campaign")
                .contains("tags[{p0:String}] AS `tag:customer`").contains("tags[{p4:String}] = {p5:String}");
        assertThat(sql.parameters()).containsEntry("p0", "customer").containsEntry("p2", "2026-11-20 10:15:00").containsEntry("p3", "2026-11-27 10:15:00")
                .containsEntry("p4", "campaign").containsEntry("p5", hostile);
    }

    @Test
    void malformedValuesNameTheirParameter()
    {
        assertThatThrownBy(() -> parse(Optional.of("27/11/2026"), Optional.empty(), List.of()))
                .isInstanceOfSatisfying(InvalidParameterException.class, e -> assertThat(e.parameter()).isEqualTo("from"));
        assertThatThrownBy(() -> parse(Optional.of("2026-11-28"), Optional.of("2026-11-27"), List.of()))
                .isInstanceOfSatisfying(InvalidParameterException.class, e -> assertThat(e.parameter()).isEqualTo("from"));
        assertThatThrownBy(() -> parse(Optional.empty(), Optional.empty(), List.of("no separator")))
                .isInstanceOfSatisfying(InvalidParameterException.class, e -> assertThat(e.parameter()).isEqualTo("tag"));
    }

    @Test
    void dimensionsComeFromAFixedListAndTagKeysAreBound()
    {
        Sql.Builder builder = new Sql.Builder();

        assertThat(Dimension.parse("groupBy", "tag:campaign").expression(builder)).isEqualTo("tags[{p0:String}]");
        assertThat(builder.build().parameters()).containsEntry("p0", "campaign");
        assertThat(Dimension.parse("groupBy", "day").isTime()).isTrue();
        assertThat(Dimension.breakdown("by", "error_code").expression(builder)).isEqualTo("ifNull(toString(error_code), '')");
        assertThatThrownBy(() -> Dimension.breakdown("by", "status")).hasMessageStartingWith("Parameter 'by' must be one of error_code, country");
        assertThatThrownBy(() -> Dimension.parse("groupBy", "tag:a]b")).hasMessageStartingWith("Parameter 'groupBy' must name a tag");
        assertThatThrownBy(() -> Dimension.parse("groupBy", "status; DROP TABLE x")).hasMessageStartingWith("Parameter 'groupBy' must be one of minute, hour");
    }

    private static AnalyticsFilter parse(Optional<String> from, Optional<String> to, List<String> tags)
    {
        return AnalyticsFilter.parse(from, to, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), tags, NOW);
    }
}
