{#- Each hire read back at fixed months after its start: has the milestone been reached by the
    HRIS as-of date (the outcome is the HRIS's to tell: a milestone past its newest extract is not
    yet due), is the person still employed, and the milestone's own rating and hiring-manager
    satisfaction: a review or survey answer counts for a milestone only when dated within
    `milestone_window_days` of it (the closest one), never an older one. -#}
with hires as (
    select hire_id, application_id, employee_id, start_date
    from {{ ref('int_hire_identity') }}
),

milestones as (
    {% for month in var('milestone_months') %}
    select {{ month }} as milestone_month
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

hire_milestones as (
    select
        hires.hire_id,
        hires.application_id,
        hires.employee_id,
        hires.start_date,
        milestones.milestone_month,
        cast({{ dbt.dateadd('month', 'milestones.milestone_month', 'hires.start_date') }} as date) as milestone_date
    from hires
    cross join milestones
),

ratings as (
    {{ closest_to_milestone(ref('stg_hris__performance_reviews'), 'rating', 'review_date', 'review_id') }}
),

satisfaction as (
    {{ closest_to_milestone(ref('stg_hris__hiring_manager_surveys'), 'satisfaction', 'survey_date',
                            'survey_response_id') }}
),

assessed as (
    select
        hire_milestones.hire_id,
        hire_milestones.application_id,
        hire_milestones.employee_id,
        hire_milestones.start_date,
        hire_milestones.milestone_month,
        hire_milestones.milestone_date,
        coalesce(hire_milestones.milestone_date <= as_of.hris_as_of_date, false) as matured,
        coalesce(
            {{ dbt.dateadd('day', var('maturity_grace_days'), 'hire_milestones.milestone_date') }} <= as_of.hris_as_of_date,
            false
        ) as label_mature,
        terminations.termination_date,
        ratings.rating,
        satisfaction.satisfaction
    from hire_milestones
    cross join {{ ref('int_as_of') }} as as_of
    left join {{ ref('stg_hris__terminations') }} as terminations
        on terminations.employee_id = hire_milestones.employee_id
    left join ratings
        on ratings.hire_id = hire_milestones.hire_id
        and ratings.milestone_month = hire_milestones.milestone_month
    left join satisfaction
        on satisfaction.hire_id = hire_milestones.hire_id
        and satisfaction.milestone_month = hire_milestones.milestone_month
),

outcomes as (
    select
        hire_id,
        application_id,
        employee_id,
        start_date,
        milestone_month,
        milestone_date,
        matured,
        label_mature,
        case
            when matured and employee_id is not null
                then termination_date is null or termination_date > milestone_date
        end as employed_at_milestone,
        case when matured then rating end as rating_at_milestone,
        case when matured then satisfaction end as satisfaction_at_milestone
    from assessed
)

select
    *,
    -- No review is due before the first six-monthly one, so an early milestone needs none; from then on
    -- a person still employed needs the milestone's own review (the survey has its own non-response).
    matured
    and employee_id is not null
    and (not employed_at_milestone or milestone_month < 6 or rating_at_milestone is not null)
    as outcome_recorded
from outcomes
