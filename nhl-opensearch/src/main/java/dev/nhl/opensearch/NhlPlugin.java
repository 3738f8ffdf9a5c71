package dev.nhl.opensearch;

import dev.nhl.index.Hits;
import dev.nhl.lucene.NestedHammingQuery;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.lucene.codecs.Codec;
import org.opensearch.index.IndexSettings;
import org.opensearch.index.codec.AdditionalCodecs;
import org.opensearch.index.mapper.Mapper;
import org.opensearch.index.mapper.MapperService;
import org.opensearch.plugins.EnginePlugin;
import org.opensearch.plugins.MapperPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.SearchPlugin;
import org.opensearch.search.profile.ProfileMetric;

/**
 * nhl in OpenSearch: the {@value NestedCodeFieldMapper#CONTENT_TYPE} field type, the {@value
 * NestedHammingQueryBuilder#NAME} and {@value NestedHammingRadiusQueryBuilder#NAME} queries, and
 * the codec named {@value #CODEC} in {@code index.codec} (added beside OpenSearch's codecs, so
 * that it works with other plugins that add theirs).
 */
public final class NhlPlugin extends Plugin implements MapperPlugin, SearchPlugin, EnginePlugin {

  /** The name of nhl's codec in the {@code index.codec} setting. */
  public static final String CODEC = "nhl";

  /** Made by OpenSearch when a node loads the plugin. */
  public NhlPlugin() {}

  @Override
  public Map<String, Mapper.TypeParser> getMappers() {
    return Map.of(NestedCodeFieldMapper.CONTENT_TYPE, NestedCodeFieldMapper.PARSER);
  }

  @Override
  public List<QuerySpec<?>> getQueries() {
    return List.of(
        new QuerySpec<>(NestedHammingQueryBuilder.NAME, NestedHammingQueryBuilder::new, NestedHammingQueryBuilder::fromXContent),
        new QuerySpec<>(NestedHammingRadiusQueryBuilder.NAME, NestedHammingRadiusQueryBuilder::new,
            NestedHammingRadiusQueryBuilder::fromXContent));
  }

  /**
   * The profile API's breakdown of a {@code nested_hamming} query gains, per code length {@code
   * L} the search ran at, {@code nhl_L_candidates} (codes ranked), {@code nhl_L_kept}, {@code
   * nhl_L_time_in_nanos} and {@code nhl_L_bytes_read}, summed over the shard's segments.
   */
  @Override
  public Optional<ProfileMetricsProvider> getQueryProfileMetricsProvider() {
    return Optional.of((context, query) -> NestedHammingQuery.stagesOf(query)
        .<java.util.Collection<java.util.function.Supplier<ProfileMetric>>>map(stages -> List.of(() -> new ProfileMetric("nhl") {
          @Override
          public Map<String, Long> toBreakdownMap() {
            Map<String, Long> out = new java.util.LinkedHashMap<>();
            for (Hits.StageStats s : stages) {
              String at = "nhl_" + s.length() + "_";
              out.put(at + "candidates", s.candidates());
              out.put(at + "kept", (long) s.kept());
              out.put(at + "time_in_nanos", s.nanos());
              out.put(at + "bytes_read", s.bytesRead());
            }
            return out;
          }
        }))
        .orElse(List.of()));
  }

  @Override
  public Optional<AdditionalCodecs> getAdditionalCodecs(IndexSettings indexSettings) {
    return Optional.of((MapperService mapperService, IndexSettings settings, java.util.function.Supplier<Codec> defaultCodec) ->
        Map.of(CODEC, new NhlOpenSearchCodec(defaultCodec.get(),
            field -> mapperService != null && mapperService.fieldType(field) instanceof NestedCodeFieldMapper.NestedCodeFieldType)));
  }
}
