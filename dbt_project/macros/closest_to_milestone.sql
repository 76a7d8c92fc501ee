{#- Per hire and milestone of `hire_milestones`, the `value_column` of the `events` row (a relation with
    `employee_id`, `date_column` and `id_column`) dated closest to the milestone date and within
    `milestone_window_days` of it (ties: the later date, then the higher id). A milestone with no such
    row has none: an event of another milestone never stands in for it. -#}
{% macro closest_to_milestone(events, value_column, date_column, id_column) %}
    select hire_id, milestone_month, {{ value_column }}
    from (
        select
            hire_milestones.hire_id,
            hire_milestones.milestone_month,
            events.{{ value_column }},
            row_number() over (
                partition by hire_milestones.hire_id, hire_milestones.milestone_month
                order by abs({{ dbt.datediff('hire_milestones.milestone_date', 'events.' ~ date_column, 'day') }}),
                    events.{{ date_column }} desc, events.{{ id_column }} desc
            ) as closest
        from hire_milestones
        inner join {{ events }} as events
            on events.employee_id = hire_milestones.employee_id
            and events.{{ date_column }}
                between hire_milestones.milestone_date - {{ var('milestone_window_days') }}
                and hire_milestones.milestone_date + {{ var('milestone_window_days') }}
    ) as ranked
    where closest = 1
{% endmacro %}
