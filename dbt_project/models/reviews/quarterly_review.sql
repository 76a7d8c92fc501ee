{#- The quarterly review (DESIGN.md's slow KPIs), one row per calendar quarter from the quarter of the
    first application to the as-of quarter, every KPI beside its target and status (macro kpi_columns,
    targets from the kpi_targets seed). Outcome KPIs follow the hires whose milestone fell in the
    quarter: quality of hire, 12-month retention and ROI the hires completing 12 months in it, feedback
    completeness the AI-supported hires reaching 6 or 12 months in it. Costs, hires and leavers are the
    quarter's own. A quarter that ends after the warehouse's as-of date is partial. -#}
with as_of as (
    select as_of_date from {{ ref('int_as_of') }}
),

quarters as (
    select
        period_start as quarter_start,
        cast({{ dbt.last_day('period_start', 'quarter') }} as date) as quarter_end
    from ({{ periods_to_as_of('quarter', ref('fct_applications'), 'applied_at') }}) as periods
),

-- one row per hire: the ATS may book an application's hire twice (the quality gate counts those)
hires as (
    select *
    from {{ ref('fct_hires') }}
    qualify row_number() over (partition by application_id order by hire_id) = 1
),

started as (
    select
        cast({{ dbt.date_trunc('quarter', 'hires.start_date') }} as date) as quarter_start,
        count(*) as hires_started,
        sum(hires.cost_of_hire) as channel_cost_eur
    from hires
    cross join as_of
    where hires.start_date <= as_of.as_of_date
    group by 1
),

-- internal hours x rate of every application entering a costed stage in the quarter
stage_entries as (
    {% for stage in ['screening', 'interview', 'offer'] %}
    select '{{ stage }}' as stage, {{ stage }}_at as entered_at
    from {{ ref('fct_applications') }}
    where {{ stage }}_at is not null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

internal_costs as (
    select
        cast({{ dbt.date_trunc('quarter', 'stage_entries.entered_at') }} as date) as quarter_start,
        sum(recruiting_hours.hours * recruiting_hours.hourly_rate_eur) as internal_cost_eur
    from stage_entries
    inner join {{ ref('recruiting_hours') }} as recruiting_hours
        on recruiting_hours.stage = stage_entries.stage
    group by 1
),

-- the hires completing 12 months in the quarter; a component a hire lacks (no rating after an exit, no
-- survey answer) is left out of that hire's mean, the retention score is always there
twelve_months as (
    select
        cast({{ dbt.date_trunc('quarter', dbt.dateadd('month', 12, 'start_date')) }} as date) as quarter_start,
        employed_12m,
        outcome_recorded_12m,
        hire_success,
        case
            when outcome_recorded_12m then (
                (case when employed_12m then 5 else 1 end) + coalesce(rating_12m, 0) + coalesce(hm_satisfaction_6m, 0)
            ) / (1.0 + case when rating_12m is not null then 1 else 0 end
                + case when hm_satisfaction_6m is not null then 1 else 0 end)
        end as hire_quality
    from hires
    where matured_12m
),

outcomes as (
    select
        quarter_start,
        avg(hire_quality) as quality_of_hire,
        count(hire_quality) as quality_of_hire_hires,
        avg(case when employed_12m then 1.0 when not employed_12m then 0.0 end) as retention_12m_share,
        count(employed_12m) as retention_12m_hires,
        avg(case when outcome_recorded_12m then case when hire_success then 1.0 else 0.0 end end)
            as hire_success_share
    from twelve_months
    group by quarter_start
),

{% for month in [6, 12] %}
feedback_{{ month }}m as (
    select
        cast({{ dbt.date_trunc('quarter', dbt.dateadd('month', month, 'start_date')) }} as date) as quarter_start,
        {{ feedback_completeness(month) }} as feedback_completeness_{{ month }}m_share,
        count(case when matured_{{ month }}m then 1 end) as feedback_due_{{ month }}m
    from {{ ref('fct_decision_outcomes') }}
    where hired and ai_supported
    group by 1
),

{% endfor %}
roi_parameters as (
    select
        max(case when parameter = 'ai_cost_per_quarter_eur' then value end) as ai_cost_per_quarter_eur,
        max(case when parameter = 'screening_hours_saved_share' then value end) as screening_hours_saved_share,
        max(case when parameter = 'baseline_hire_success_share' then value end) as baseline_hire_success_share,
        max(case when parameter = 'value_per_successful_hire_eur' then value end) as value_per_successful_hire_eur
    from {{ ref('roi_parameters') }}
),

screened_alone as (
    select
        cast({{ dbt.date_trunc('quarter', 'recommended_at') }} as date) as quarter_start,
        count(*) as screened_without_person
    from {{ ref('fct_decision_outcomes') }}
    where not routed_to_human
    group by 1
),

early_warnings as (
    select * from {{ source('ml', 'attrition_early_warnings') }}
),

-- voluntary leavers the attrition model never learned from, and whether it listed them in the window
-- from the label's horizon to the policy's lead before their exit
leavers as (
    select
        employees.employee_id,
        cast({{ dbt.date_trunc('quarter', 'employees.termination_date') }} as date) as quarter_start,
        count(early_warnings.employee_id) > 0 as warned
    from {{ ref('dim_employee') }} as employees
    left join early_warnings
        on early_warnings.employee_id = employees.employee_id
        and early_warnings.snapshot_date
            between {{ dbt.dateadd('month', -var('attrition_horizon_months'), 'employees.termination_date') }}
            and {{ dbt.dateadd('day', -var('early_warning_lead_days'), 'employees.termination_date') }}
    where employees.termination_type = 'voluntary'
        and employees.termination_date > (select max(labels_until) from early_warnings)
    group by 1, 2
),

warnings as (
    select
        quarter_start,
        avg(case when warned then 1.0 else 0.0 end) as early_warning_hit_share,
        count(*) as early_warning_leavers
    from leavers
    group by quarter_start
),

review as (
    select
        quarters.quarter_start,
        quarters.quarter_end as period_end,
        quarters.quarter_end > as_of.as_of_date as is_partial,
        as_of.as_of_date,
        coalesce(started.hires_started, 0) as hires_started,
        outcomes.quality_of_hire,
        coalesce(outcomes.quality_of_hire_hires, 0) as quality_of_hire_hires,
        outcomes.retention_12m_share,
        coalesce(outcomes.retention_12m_hires, 0) as retention_12m_hires,
        coalesce(started.channel_cost_eur, 0) as channel_cost_eur,
        coalesce(internal_costs.internal_cost_eur, 0) as internal_cost_eur,
        (coalesce(started.channel_cost_eur, 0) + coalesce(internal_costs.internal_cost_eur, 0))
            / nullif(started.hires_started, 0) as cost_per_hire_eur,
        coalesce(screened_alone.screened_without_person, 0) * roi_parameters.screening_hours_saved_share
            * screening_hours.hours * screening_hours.hourly_rate_eur as roi_saved_cost_eur,
        (outcomes.hire_success_share - roi_parameters.baseline_hire_success_share)
            * outcomes.quality_of_hire_hires * roi_parameters.value_per_successful_hire_eur as roi_extra_value_eur,
        roi_parameters.ai_cost_per_quarter_eur,
        feedback_6m.feedback_completeness_6m_share,
        coalesce(feedback_6m.feedback_due_6m, 0) as feedback_due_6m,
        feedback_12m.feedback_completeness_12m_share,
        coalesce(feedback_12m.feedback_due_12m, 0) as feedback_due_12m,
        warnings.early_warning_hit_share,
        coalesce(warnings.early_warning_leavers, 0) as early_warning_leavers,
        operations.model_improvement_share,
        operations.promotions,
        operations.time_to_impact_days,
        operations.error_fix_hours,
        operations.gate_failures_fixed,
        operations.fairness_flags,
        operations.fairness_ratios_audited
    from quarters
    cross join as_of
    cross join roi_parameters
    left join {{ ref('recruiting_hours') }} as screening_hours
        on screening_hours.stage = 'screening'
    left join started on started.quarter_start = quarters.quarter_start
    left join internal_costs on internal_costs.quarter_start = quarters.quarter_start
    left join outcomes on outcomes.quarter_start = quarters.quarter_start
    left join feedback_6m on feedback_6m.quarter_start = quarters.quarter_start
    left join feedback_12m on feedback_12m.quarter_start = quarters.quarter_start
    left join screened_alone on screened_alone.quarter_start = quarters.quarter_start
    left join warnings on warnings.quarter_start = quarters.quarter_start
    left join {{ ref('int_quarterly_operations') }} as operations
        on operations.quarter_start = quarters.quarter_start
),

with_roi as (
    select
        *,
        (roi_saved_cost_eur + roi_extra_value_eur) / nullif(ai_cost_per_quarter_eur, 0) as roi_ratio
    from review
)

select
    quarter_start,
    period_end,
    is_partial,
    as_of_date,
    hires_started,
    {{ kpi_columns('quality_of_hire', 'quality_of_hire_hires', 'is_partial') }},
    quality_of_hire_hires,
    {{ kpi_columns('retention_12m_share', 'retention_12m_hires', 'is_partial') }},
    retention_12m_hires,
    {{ kpi_columns('cost_per_hire_eur', 'hires_started', 'is_partial') }},
    channel_cost_eur,
    internal_cost_eur,
    {{ kpi_columns('roi_ratio', 'quality_of_hire_hires', 'is_partial') }},
    roi_saved_cost_eur,
    roi_extra_value_eur,
    {{ kpi_columns('feedback_completeness_6m_share', 'feedback_due_6m', 'is_partial') }},
    feedback_due_6m,
    {{ kpi_columns('feedback_completeness_12m_share', 'feedback_due_12m', 'is_partial') }},
    feedback_due_12m,
    {{ kpi_columns('early_warning_hit_share', 'early_warning_leavers', 'is_partial') }},
    early_warning_leavers,
    {{ kpi_columns('model_improvement_share', 'promotions', 'is_partial') }},
    promotions,
    {{ kpi_columns('time_to_impact_days', 'promotions', 'is_partial') }},
    {{ kpi_columns('error_fix_hours', 'gate_failures_fixed', 'is_partial') }},
    gate_failures_fixed,
    {{ kpi_columns('fairness_flags', 'fairness_ratios_audited', 'is_partial') }},
    fairness_ratios_audited
from with_roi
