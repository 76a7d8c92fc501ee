{#- For each row of `rows` (a relation with `row_key`, `key` and `known_at`), the version of
    `versions` (every version of a record: `key`, `updated_at`, `_extract_date`, `_row_number`)
    current at `known_at`: the latest updated on or before it, ties broken by the later extract,
    then the later row. Rows without such a version are left out. -#}
{% macro version_known_at(rows, row_key, versions, key) %}
    select *
    from (
        select
            {{ rows }}.{{ row_key }},
            versions.*,
            row_number() over (
                partition by {{ rows }}.{{ row_key }}
                order by versions.updated_at desc, versions._extract_date desc, versions._row_number desc
            ) as version_rank
        from {{ rows }}
        inner join {{ versions }} as versions
            on versions.{{ key }} = {{ rows }}.{{ key }}
            and versions.updated_at <= {{ rows }}.known_at
    ) as ranked
    where version_rank = 1
{% endmacro %}
