{#- For each row of `spine` (a relation with `employee_id` and the `keys` columns), the
    `value_columns` of the latest row of `events` (a relation with `employee_id`, `date_column` and
    `id_column`) dated on or before `as_of_date`; spine rows without any such row yet are left out.
    Each event holds from its date until the next one's (ties: the higher id holds), so every spine
    row meets one event through an interval join instead of ranking all earlier events. -#}
{% macro latest_as_of(spine, keys, events, value_columns, date_column, id_column, as_of_date) %}
    select
        {% for key in keys %}{{ spine }}.{{ key }},
        {% endfor %}{% for column in value_columns %}dated.{{ column }}{{ ", " if not loop.last }}{% endfor %}
    from {{ spine }}
    inner join (
        select
            employee_id,
            {{ date_column }} as valid_from,
            lead({{ date_column }}) over (
                partition by employee_id order by {{ date_column }}, {{ id_column }}
            ) as valid_until,
            {{ value_columns | join(', ') }}
        from {{ events }}
        where {{ date_column }} is not null
    ) as dated
        on dated.employee_id = {{ spine }}.employee_id
        and dated.valid_from <= {{ as_of_date }}
        and (dated.valid_until is null or dated.valid_until > {{ as_of_date }})
{% endmacro %}
