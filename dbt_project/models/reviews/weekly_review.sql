{#- The weekly operating review of AI-supported hiring, one row per ISO week (Monday start) from
    the week of the first application to the as-of week: the fast indicators of DESIGN.md, each
    KPI of the kpi_targets seed with its target and status. Reads the marts and the tables the
    pipeline's Python assets write, never staging. A week that ends after the as-of date is
    partial: its figures are what has arrived so far (null, not zero, where nothing has) and every
    status is not_enough_data. -#}
{#- the funnel: the contract's stages up to hired (rejected and withdrawn end it) -#}
{%- set stages = var('application_stages') -%}
{%- set funnel = stages[:stages.index('hired') + 1] -%}
{%- set models = ['hire_success', 'attrition_risk'] -%}
{%- set drift_kinds = ['data', 'prediction', 'target'] -%}

with weeks as (
    select
        periods.period_start as week_start,
        cast({{ dbt.dateadd('day', 6, 'periods.period_start') }} as date) as period_end,
        cast({{ dbt.dateadd('day', 6, 'periods.period_start') }} as date) > as_of.as_of_date as is_partial,
        as_of.as_of_date
    from ({{ periods_to_as_of('week', ref('fct_applications'), 'applied_at') }}) as periods
    cross join {{ ref('int_as_of') }} as as_of
),

applications as (
    select
        cast({{ dbt.date_trunc('week', 'applied_at') }} as date) as week_start,
        count(*) as applications
    from {{ ref('fct_applications') }}
    group by 1
),

hires as (
    select
        cast({{ dbt.date_trunc('week', 'offer_accepted_at') }} as date) as week_start,
        count(*) as hires,
        {{ median('time_to_hire_days') }} as median_time_to_hire_days
    from {{ ref('fct_applications') }}
    where is_hired
    group by 1
),

stage_exits as (
    -- every move out of a stage, to the stage entered next, dated when it left
    select
        cast({{ dbt.date_trunc('week', 'history.left_at') }} as date) as week_start,
        history.stage,
        next_stage.stage as next_stage
    from {{ ref('int_application_stage_history') }} as history
    inner join {{ ref('int_application_stage_history') }} as next_stage
        on next_stage.application_id = history.application_id
        and next_stage.stage_sequence = history.stage_sequence + 1
),

conversion as (
    select
        week_start,
        {% for stage in funnel[:-1] %}
        {%- set next = funnel[loop.index] %}
        count(case when stage = '{{ stage }}' then 1 end) as {{ stage }}_exits,
        avg(case when stage = '{{ stage }}' then case when next_stage = '{{ next }}' then 1.0 else 0.0 end end)
            as {{ stage }}_to_{{ next }}_share,
        {% endfor %}
        count(case when stage = 'screening' and next_stage in ('interview', 'rejected') then 1 end)
            as screening_decisions,
        count(case when stage = 'screening' and next_stage = 'interview' then 1 end) as qualified,
        count(case when stage = 'screening' and next_stage = 'rejected' then 1 end) as unqualified
    from stage_exits
    group by week_start
),

decisions as (
    -- the recruiter against the AI recommendation they saw in the ATS
    select
        cast({{ dbt.date_trunc('week', 'decided_at') }} as date) as week_start,
        count(*) as recruiter_decisions,
        avg(case when human_decision = ai_recommendation then 1.0 else 0.0 end) as ai_acceptance_share
    from {{ ref('fct_decision_outcomes') }}
    where not is_open and human_decision is not null and ai_recommendation is not null
    group by 1
),

scoring_runs as (
    -- a run's week is that of its scoring time, or of the as-of date when it scored later (a run
    -- that catches up on older extracts); an application scored twice in a week counts once, as
    -- its last scoring routed it
    select
        cast({{ dbt.date_trunc('week', 'least(cast(log.scored_at as date), as_of.as_of_date)') }} as date) as week_start,
        log.application_id,
        log.routed_to_human,
        row_number() over (
            partition by
                cast({{ dbt.date_trunc('week', 'least(cast(log.scored_at as date), as_of.as_of_date)') }} as date),
                log.application_id
            order by log.scored_at desc
        ) as recency
    from {{ source('ml', 'recommendation_log') }} as log
    cross join {{ ref('int_as_of') }} as as_of
),

routing as (
    select
        week_start,
        count(*) as scored_applications,
        avg(case when routed_to_human then 1.0 else 0.0 end) as review_queue_share
    from scoring_runs
    where recency = 1
    group by week_start
),

queue as (
    -- the queue at the end of each week (of a partial week: on the as-of date), from the week its
    -- first item was queued; overdue like hr_pipeline.ml.queue.summary: due before that day ends
    -- (before the as-of date, which the data reaches the start of)
    select
        weeks.week_start,
        count(queue.application_id) as review_backlog,
        count(
            case
                when queue.due_date < least(
                    cast({{ dbt.dateadd('day', 1, 'weeks.period_end') }} as date), weeks.as_of_date
                ) then 1
            end
        ) as review_overdue
    from weeks
    left join {{ source('ml', 'review_queue') }} as queue
        on cast(queue.queued_at as date) <= least(weeks.period_end, weeks.as_of_date)
        and (
            queue.resolved_at is null
            or cast(queue.resolved_at as date) > least(weeks.period_end, weeks.as_of_date)
        )
    where weeks.period_end >= (select cast(min(queued_at) as date) from {{ source('ml', 'review_queue') }})
    group by weeks.week_start
),

estimates as (
    -- the latest estimate of each model's performance on the window that ends with each week
    select
        cast({{ dbt.dateadd('day', -6, 'window_end') }} as date) as week_start,
        model_name,
        estimated,
        realised,
        rows as scored_rows,
        row_number() over (partition by window_end, model_name order by run_at desc, run_id desc) as recency
    from {{ source('monitoring', 'performance_estimates') }}
    where metric = 'roc_auc'
),

performance as (
    select
        week_start,
        {% for model in models %}
        max(case when model_name = '{{ model }}' then estimated end) as estimated_roc_auc_{{ model }},
        max(case when model_name = '{{ model }}' then scored_rows end) as {{ model }}_estimate_rows,
        max(case when model_name = '{{ model }}' then realised end) as realised_roc_auc_{{ model }}
        {%- if not loop.last %},{% endif %}
        {% endfor %}
    from estimates
    where recency = 1
    group by week_start
),

drift_runs as (
    -- each model's latest verdict of each kind on a week: the newest run whose current window
    -- overlaps it
    select
        weeks.week_start,
        drift.drift_kind,
        drift.kind_drift,
        dense_rank() over (
            partition by weeks.week_start, drift.model_name, drift.drift_kind order by drift.run_at desc, drift.run_id desc
        ) as recency
    from weeks
    inner join {{ source('monitoring', 'drift_metrics') }} as drift
        on drift.current_start <= weeks.period_end
        and drift.current_end >= weeks.week_start
),

drift as (
    select
        week_start,
        {% for kind in drift_kinds %}
        {{ dbt.bool_or("case when drift_kind = '" ~ kind ~ "' then kind_drift end") }} as {{ kind }}_drift
        {%- if not loop.last %},{% endif %}
        {% endfor %}
    from drift_runs
    where recency = 1
    group by week_start
),

gate as (
    -- the quality gate's runs in the week, dated like the scoring runs
    select
        cast({{ dbt.date_trunc('week', 'least(cast(results.validated_at as date), as_of.as_of_date)') }} as date)
            as week_start,
        count(distinct results.run_id) as quality_gate_runs,
        count(case when results.severity = 'critical' and not results.success then 1 end) as quality_gate_failures,
        count(case when results.severity = 'warning' and not results.success then 1 end) as quality_warnings
    from {{ source('quality', 'dq_results') }} as results
    cross join {{ ref('int_as_of') }} as as_of
    group by 1
),

feedback as (
    select
        cast({{ dbt.date_trunc('week', 'extract_date') }} as date) as week_start,
        count(*) as feedback_records
    from {{ ref('int_outcome_records') }}
    group by 1
),

hire_records as (
    -- one row per hired application (the ATS books a few hires twice)
    select
        application_id,
        start_date,
        matured_3m,
        employed_3m,
        row_number() over (partition by application_id order by hire_id) as booking
    from {{ ref('fct_hires') }}
),

first_outcomes as (
    select
        cast({{ dbt.date_trunc('week', dbt.dateadd('month', 3, 'start_date')) }} as date) as week_start,
        count(*) as hires_at_3m,
        avg(case when employed_3m then 1.0 when not employed_3m then 0.0 end) as retention_3m_share
    from hire_records
    where booking = 1 and matured_3m and employed_3m is not null
    group by 1
),

assembled as (
    select
        weeks.week_start,
        weeks.period_end,
        weeks.is_partial,
        weeks.as_of_date,
        {#- a full week without activity has zero; the partial week has nothing yet, not zero -#}
        {% set counted = {
            'applications': 'applications.applications',
            'hires': 'hires.hires',
            'recruiter_decisions': 'decisions.recruiter_decisions',
            'feedback_records': 'feedback.feedback_records',
            'screening_decisions': 'conversion.screening_decisions',
            'hires_at_3m': 'first_outcomes.hires_at_3m',
        } %}
        {% for stage in funnel[:-1] %}
        {% do counted.update({stage ~ '_exits': 'conversion.' ~ stage ~ '_exits'}) %}
        {% endfor %}
        {% for name, expression in counted.items() %}
        case when not weeks.is_partial then coalesce({{ expression }}, 0) else {{ expression }} end as {{ name }},
        {% endfor %}
        hires.median_time_to_hire_days,
        {% for stage in funnel[:-1] %}
        conversion.{{ stage }}_to_{{ funnel[loop.index] }}_share,
        {% endfor %}
        cast(conversion.qualified as {{ type_double() }})
            / nullif(conversion.unqualified, 0) as pipeline_efficiency_ratio,
        decisions.ai_acceptance_share,
        1 - decisions.ai_acceptance_share as override_share,
        routing.scored_applications,
        routing.review_queue_share,
        queue.review_backlog,
        queue.review_overdue,
        {% for model in models %}
        performance.estimated_roc_auc_{{ model }},
        performance.{{ model }}_estimate_rows,
        performance.realised_roc_auc_{{ model }},
        {% endfor %}
        {% for kind in drift_kinds %}
        drift.{{ kind }}_drift,
        {% endfor %}
        gate.quality_gate_runs,
        gate.quality_gate_failures = 0 as quality_gate_passed,
        gate.quality_gate_failures,
        gate.quality_warnings,
        first_outcomes.retention_3m_share
    from weeks
    left join applications on applications.week_start = weeks.week_start
    left join hires on hires.week_start = weeks.week_start
    left join conversion on conversion.week_start = weeks.week_start
    left join decisions on decisions.week_start = weeks.week_start
    left join routing on routing.week_start = weeks.week_start
    left join queue on queue.week_start = weeks.week_start
    left join performance on performance.week_start = weeks.week_start
    left join drift on drift.week_start = weeks.week_start
    left join gate on gate.week_start = weeks.week_start
    left join feedback on feedback.week_start = weeks.week_start
    left join first_outcomes on first_outcomes.week_start = weeks.week_start
)

select
    week_start,
    period_end,
    is_partial,
    as_of_date,
    applications,
    hires,
    {% for stage in funnel[:-1] %}
    {{ stage }}_exits,
    {{ stage }}_to_{{ funnel[loop.index] }}_share,
    {% endfor %}
    screening_decisions,
    {{ kpi_columns('pipeline_efficiency_ratio', 'screening_decisions', 'is_partial') }},
    {{ kpi_columns('median_time_to_hire_days', 'hires', 'is_partial') }},
    recruiter_decisions,
    {{ kpi_columns('ai_acceptance_share', 'recruiter_decisions', 'is_partial') }},
    {{ kpi_columns('override_share', 'recruiter_decisions', 'is_partial') }},
    scored_applications,
    {{ kpi_columns('review_queue_share', 'scored_applications', 'is_partial') }},
    review_backlog,
    {{ kpi_columns('review_overdue', 'review_backlog', 'is_partial') }},
    {% for model in models %}
    {{ model }}_estimate_rows,
    {{ kpi_columns('estimated_roc_auc_' ~ model, model ~ '_estimate_rows', 'is_partial') }},
    realised_roc_auc_{{ model }},
    {% endfor %}
    {% for kind in drift_kinds %}
    {{ kind }}_drift,
    {% endfor %}
    quality_gate_runs,
    quality_gate_passed,
    quality_gate_failures,
    quality_warnings,
    feedback_records,
    hires_at_3m,
    {{ kpi_columns('retention_3m_share', 'hires_at_3m', 'is_partial') }}
from assembled
