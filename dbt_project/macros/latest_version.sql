{#- The latest version of every record of a raw table, which keeps each version it was sent:
    the highest `version_column` per key, ties broken by the later extract, then the later row
    within the extract (a duplicate export).
    In an incremental model (`unique_key` = `key`, delete+insert) only the records with a version
    loaded after the newest `_loaded_at` the model already holds are recomputed, each from all of its
    versions, so the result equals a full refresh. By load time, not extract date: ingest also loads a
    late folder of an older week, or a file sent again with new content, under its own extract date. -#}
{% macro latest_version(relation, key, version_column) %}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key }}
                order by {{ version_column }} desc, _extract_date desc, _row_number desc
            ) as _version_rank
        from {{ relation }}
        {%- if is_incremental() %}
        where {{ key }} in (
            select {{ key }} from {{ relation }}
            where {{ loaded_since_last_build('_loaded_at') }}
        )
        {%- endif %}
    ) as versions
    where _version_rank = 1
{% endmacro %}
