{#- The latest version of every record of a raw table, which keeps each version it was sent:
    the highest `version_column` per key, ties broken by the later extract, then the later row
    within the extract (a duplicate export). -#}
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
    ) as versions
    where _version_rank = 1
{% endmacro %}
