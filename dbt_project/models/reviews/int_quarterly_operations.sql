{#- The operations KPIs of the quarterly review, one row per calendar quarter from the quarter of
    the first application to the as-of quarter, each beside its n: how much the promoted models
    improved and how fast feedback reached them (ml.model_events, ml.model_registry), how fast a
    blocking quality-gate failure was fixed (quality.dq_results), and the fairness audit's flags
    (monitoring.fairness_audit). quarterly_review joins it by quarter_start. -#}
with quarters as (
    select period_start as quarter_start
    from ({{ periods_to_as_of('quarter', ref('fct_applications'), 'applied_at') }}) as periods
),

events as (
    select
        *,
        -- a command-line event carries no data date: the day it was logged stands in
        coalesce(as_of, cast(logged_at as date)) as event_date
    from {{ source('ml', 'model_events') }}
),

trained as (
    -- the data date of the run that trained each version: every label it learned from had arrived by then
    select model_name, version, min(event_date) as trained_on
    from events
    where event = 'trained'
    group by model_name, version
),

promotions as (
    select
        cast({{ dbt.date_trunc('quarter', 'events.event_date') }} as date) as quarter_start,
        -- both champions' ROC AUC on the same matured holdout, as the evaluation logged them
        ({{ json_double('events.figures', '$.challenger.auc') }} - {{ json_double('events.figures', '$.champion.auc') }})
            / nullif({{ json_double('events.figures', '$.champion.auc') }}, 0) as improvement,
        {{ dbt.datediff('trained.trained_on', 'events.event_date', 'day') }} as days_to_impact
    from events
    left join trained
        on trained.model_name = events.model_name
        and trained.version = events.version
    where events.event = 'promoted'
),

promoted as (
    select
        quarter_start,
        count(*) as promotions,
        avg(improvement) as model_improvement_share,
        avg(cast(days_to_impact as {{ type_double() }})) as time_to_impact_days
    from promotions
    group by quarter_start
),

gate_runs as (
    -- each validation of a table with blocking expectations: did any of them fail?
    select
        results.table_name,
        results.run_id,
        min(results.validated_at) as validated_at,
        count(case when not results.success then 1 end) > 0 as failed
    from {{ source('quality', 'dq_results') }} as results
    where results.severity = 'critical'
    group by results.table_name, results.run_id
),

gate_sequence as (
    select
        *,
        lag(failed) over (partition by table_name order by validated_at, run_id) as failed_before,
        -- the next passing validation of the same table
        min(case when not failed then validated_at end) over (
            partition by table_name order by validated_at, run_id
            rows between 1 following and unbounded following
        ) as next_pass_at
    from gate_runs
),

fixes as (
    -- from the first failure of a run of failures to the next passing validation; the quarter is
    -- that of the failure (dated like the weekly review's gate runs: not after the as-of date)
    select
        cast({{ dbt.date_trunc('quarter', 'least(cast(gate_sequence.validated_at as date), as_of.as_of_date)') }} as date)
            as quarter_start,
        {{ dbt.datediff('gate_sequence.validated_at', 'gate_sequence.next_pass_at', 'second') }} / 3600.0 as fix_hours
    from gate_sequence
    cross join {{ ref('int_as_of') }} as as_of
    where gate_sequence.failed
        and not coalesce(gate_sequence.failed_before, false)
        and gate_sequence.next_pass_at is not null
),

fixed as (
    select quarter_start, count(*) as gate_failures_fixed, avg(fix_hours) as error_fix_hours
    from fixes
    group by quarter_start
),

audits as (
    -- the latest audit of each quarter
    select
        *,
        dense_rank() over (partition by quarter_start order by run_at desc, run_id desc) as recency
    from {{ source('monitoring', 'fairness_audit') }}
),

fairness as (
    select
        quarter_start,
        count(case when flagged then 1 end) as fairness_flags,
        count(impact_ratio) as fairness_ratios_audited
    from audits
    where recency = 1
    group by quarter_start
)

select
    quarters.quarter_start,
    promoted.model_improvement_share,
    coalesce(promoted.promotions, 0) as promotions,
    promoted.time_to_impact_days,
    fixed.error_fix_hours,
    coalesce(fixed.gate_failures_fixed, 0) as gate_failures_fixed,
    fairness.fairness_flags,
    fairness.fairness_ratios_audited
from quarters
left join promoted on promoted.quarter_start = quarters.quarter_start
left join fixed on fixed.quarter_start = quarters.quarter_start
left join fairness on fairness.quarter_start = quarters.quarter_start
