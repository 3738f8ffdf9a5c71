package dev.nhl.opensearch;

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

  @Override
  public Optional<AdditionalCodecs> getAdditionalCodecs(IndexSettings indexSettings) {
    return Optional.of((MapperService mapperService, IndexSettings settings, java.util.function.Supplier<Codec> defaultCodec) ->
        Map.of(CODEC, new NhlOpenSearchCodec(defaultCodec.get(),
            field -> mapperService != null && mapperService.fieldType(field) instanceof NestedCodeFieldMapper.NestedCodeFieldType)));
  }
}
