{#- The quarterly review of hiring outcomes, one row per calendar quarter from the first
    application to the as-of quarter: retention and quality of the quarter's hires, how
    complete the outcome feedback is, and whether the latest drift run flags the quarter. -#}
with quarters as (
    select
        period_start as quarter_start,
        {{ dbt.last_day('period_start', 'quarter') }} as quarter_end
    from ({{ periods_to_as_of('quarter', ref('stg_ats__applications'), 'applied_at') }}) as periods
),

twelve_months as (
    select
        start_date,
        employed_at_milestone,
        rating_at_milestone,
        outcome_recorded,
        case when employed_at_milestone then 5 when not employed_at_milestone then 1 end as retention_score
    from {{ ref('int_hire_milestones') }}
    where milestone_month = 12
),

hire_outcomes as (
    select
        cast({{ dbt.date_trunc('quarter', 'start_date') }} as date) as quarter_start,
        count(*) as hires_started,
        avg(case when employed_at_milestone then 1.0 when not employed_at_milestone then 0.0 end) as retention_12m,
        avg(
            case
                when outcome_recorded
                    then (coalesce(rating_at_milestone, retention_score) + retention_score) / 2.0
            end
        ) as quality_of_hire
    from twelve_months
    group by 1
),

feedback as (
    select
        cast({{ dbt.date_trunc('quarter', 'start_date') }} as date) as quarter_start,
        {{ feedback_completeness(6) }} as feedback_completeness_6m,
        {{ feedback_completeness(12) }} as feedback_completeness_12m
    from {{ ref('fct_decision_outcomes') }}
    where hired
    group by 1
),

drift_metrics as (
    select * from {{ source('monitoring', 'drift_metrics') }}
    where drift_kind = 'data'
),

latest_drift_run as (
    -- every row of the run that wrote the latest run_at (a run stamps its rows one by one)
    select *
    from drift_metrics
    where run_id in (
        select run_id from drift_metrics where run_at = (select max(run_at) from drift_metrics)
    )
),

drift as (
    select
        quarters.quarter_start,
        {{ dbt.bool_or('latest_drift_run.kind_drift') }} as dataset_drift,
        count(distinct case when latest_drift_run.drift_detected then latest_drift_run.feature end) as n_drifted_features
    from quarters
    inner join latest_drift_run
        on latest_drift_run.current_start <= quarters.quarter_end
        and latest_drift_run.current_end >= quarters.quarter_start
    group by quarters.quarter_start
)

select
    quarters.quarter_start,
    coalesce(hire_outcomes.hires_started, 0) as hires_started,
    hire_outcomes.retention_12m,
    hire_outcomes.quality_of_hire,
    feedback.feedback_completeness_6m,
    feedback.feedback_completeness_12m,
    coalesce(drift.dataset_drift, false) as drift_detected,
    coalesce(drift.n_drifted_features, 0) as n_drifted_features
from quarters
left join hire_outcomes
    on hire_outcomes.quarter_start = quarters.quarter_start
left join feedback
    on feedback.quarter_start = quarters.quarter_start
left join drift
    on drift.quarter_start = quarters.quarter_start
