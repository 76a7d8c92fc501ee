{#- The fairness audit for BI: monitoring.fairness_audit (written by the Python asset, the only
    reader of the protected schema) with a period label, the quarter's end, whether the quarter is
    still running, and rates named with their unit. One row per period, decision, attribute and group. -#}
select
    case
        when audit.quarter_start is null then 'whole history'
        else cast(extract(year from audit.quarter_start) as {{ dbt.type_string() }})
            || '-Q' || cast(extract(quarter from audit.quarter_start) as {{ dbt.type_string() }})
    end as period_label,
    audit.quarter_start is null as is_whole_history,
    audit.quarter_start,
    {{ dbt.last_day('audit.quarter_start', 'quarter') }} as quarter_end,
    coalesce({{ dbt.last_day('audit.quarter_start', 'quarter') }} > as_of.as_of_date, false) as is_partial,
    audit.decision,
    audit.model_version,
    audit.attribute,
    audit.group_value,
    audit.group_size,
    audit.selected,
    audit.selection_rate as selection_share,
    audit.reference_group,
    audit.impact_ratio,
    audit.not_ratioed_because,
    audit.flagged,
    audit.run_at as audited_at,
    as_of.as_of_date
from {{ source('monitoring', 'fairness_audit') }} as audit
cross join {{ ref('int_as_of') }} as as_of
