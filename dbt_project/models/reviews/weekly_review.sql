{#- The weekly operating review of AI-supported hiring, one row per ISO week (Monday start) from
    the first application to the as-of week. Built from staging alone, so that it can be
    recomputed independently of the marts. -#}
with weeks as (
    select period_start as week_start
    from ({{ periods_to_as_of('week', ref('stg_ats__applications'), 'applied_at') }}) as periods
),

applications as (
    select
        cast({{ dbt.date_trunc('week', 'applied_at') }} as date) as week_start,
        count(*) as applications
    from {{ ref('stg_ats__applications') }}
    group by 1
),

hires as (
    select
        cast({{ dbt.date_trunc('week', 'hires.offer_accepted_at') }} as date) as week_start,
        count(*) as hires,
        {{ median(dbt.datediff('applications.applied_at', 'hires.offer_accepted_at', 'day')) }} as median_time_to_hire_days
    from {{ ref('stg_ats__hires') }} as hires
    left join {{ ref('stg_ats__applications') }} as applications
        on applications.application_id = hires.application_id
    group by 1
),

decisions as (
    select
        cast({{ dbt.date_trunc('week', 'decisions.decided_at') }} as date) as week_start,
        avg(case when decisions.decision = recommendations.recommendation then 1.0 else 0.0 end) as ai_acceptance_rate
    from {{ ref('stg_ats__recruiter_decisions') }} as decisions
    inner join {{ ref('stg_ats__ai_recommendations') }} as recommendations
        on recommendations.application_id = decisions.application_id
    group by 1
),

recommendations as (
    select
        cast({{ dbt.date_trunc('week', 'recommended_at') }} as date) as week_start,
        avg(case when routed_to_human then 1.0 else 0.0 end) as review_queue_share
    from {{ ref('stg_ats__ai_recommendations') }}
    group by 1
)

select
    weeks.week_start,
    coalesce(applications.applications, 0) as applications,
    coalesce(hires.hires, 0) as hires,
    hires.median_time_to_hire_days,
    decisions.ai_acceptance_rate,
    1 - decisions.ai_acceptance_rate as override_rate,
    recommendations.review_queue_share,
    as_of.as_of_date
from weeks
cross join {{ ref('int_as_of') }} as as_of
left join applications
    on applications.week_start = weeks.week_start
left join hires
    on hires.week_start = weeks.week_start
left join decisions
    on decisions.week_start = weeks.week_start
left join recommendations
    on recommendations.week_start = weeks.week_start
